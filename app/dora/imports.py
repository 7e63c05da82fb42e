"""Bulk initialisation of the offer (the seed's "conciergerie"): structures and sheets from a CSV
or XLSX table, or from data·inclusion JSON (the schema's own format, checked with its models).

`read` turns the file into records and French errors, each with its line (or JSON position);
nothing is written unless the whole file is clean. `run` executes an `ImportJob`: check, then
(unless it is a dry run) create or update — matched by the source's ids, then by SIRET, so a
re-import updates instead of duplicating. The worker commits progress after each chunk, in its
own short transactions; a request running a small job inline does not commit (its request does).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from data_inclusion.schema import v1 as di
from pydantic import ValidationError
from sqlalchemy import select

from app.core import tabular, uploads
from app.core.models import utcnow
from app.dora import forms, queries, sheets, structures
from app.dora.models import (
    Frais,
    ImportJob,
    JobStatus,
    ModeAccueil,
    ModeMobilisation,
    Provider,
    ReseauPorteur,
    Service,
    ServiceStatus,
    Thematique,
    TypeService,
)
from app.extensions import db
from app.tenancy.models import STRUCTURE_KINDS

MAX_BYTES = 5 * 1024 * 1024
MAX_EXPANDED_BYTES = 50 * 1024 * 1024
INLINE_ROWS = 200  # smaller files run within the request; larger ones wait for the worker
CHUNK = 100
DEFAULT_SOURCE = "conciergerie"

STRUCTURE_COLUMNS = {
    "structure_id": "source_id",
    "siret": "siret",
    "structure_nom": "name",
    "typologie": "kind",
    "structure_presentation": "short_description",
    "structure_description": "description",
    "reseaux_porteurs": "networks",
    "structure_adresse": "address",
    "structure_code_postal": "postal_code",
    "structure_code_insee": "code_insee",
    "structure_telephone": "phone",
    "structure_courriel": "email",
    "structure_site_web": "website",
    "structure_horaires": "opening_hours",
}
SERVICE_COLUMNS = {
    "service_id": "source_id",
    "service_nom": "name",
    "resume": "summary",
    "service_description": "description",
    "thematiques": "thematiques",
    "type": "type",
    "frais": "fees",
    "frais_precisions": "fees_details",
    "publics": "publics",
    "conditions_acces": "access_conditions",
    "justificatifs": "required_documents",
    "modes_accueil": "reception_modes",
    "service_adresse": "address",
    "service_code_postal": "postal_code",
    "service_code_insee": "code_insee",
    "modes_mobilisation_professionnels": "modes_for_professionals",
    "modes_mobilisation_personnes": "modes_for_people",
    "lien_mobilisation": "mobilisation_link",
    "contact_nom": "contact_name",
    "contact_telephone": "contact_phone",
    "contact_courriel": "contact_email",
    "contact_public": "contact_public",
    "zone_eligibilite": "zone",
    "statut": "status",
}
COLUMNS = ("source", *STRUCTURE_COLUMNS, *SERVICE_COLUMNS)
MAX_ROWS = 5000
LIMITS = tabular.Limits(
    max_bytes=MAX_BYTES,
    max_rows=MAX_ROWS,
    max_columns=len(COLUMNS) + 20,
    max_cells=250_000,
    max_expanded_bytes=MAX_EXPANDED_BYTES,
    fallback=None,
)
MESSAGES = {
    "not_text": (
        "Le fichier n'est pas un fichier texte lisible : enregistrez-le en CSV (UTF-8) ou XLSX."
    ),
    "not_xlsx": "Le fichier n'est pas un classeur XLSX valide : enregistrez-le en XLSX ou CSV.",
    "expanded": "Le classeur dépasse 50 Mo une fois ouvert : découpez-le ou enregistrez-le en CSV.",
}


FileRefused = tabular.TableRefused  # the file cannot be read at all; the message is French


@dataclass
class Plan:
    """What a clean file would do: structures keyed by (source, id or SIRET), sheets after them."""

    structures: dict = field(default_factory=dict)  # key → (line, data)
    services: list = field(default_factory=list)  # (line, structure key, data, publish)
    # (line, message): the first page of them, and their total
    errors: tabular.ErrorPage = field(default_factory=tabular.ErrorPage)
    rows: int = 0

    @property
    def clean(self) -> bool:
        return not self.errors and bool(self.structures)


# Reading


def _key(text) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _decode(content: bytes) -> str:
    return tabular.decode(content, LIMITS, MESSAGES)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def table_rows(filename: str, content: bytes) -> list[tuple[int, dict]]:
    """The data rows of a CSV/XLSX as (line, {column: text}); the header is line 1. Reading
    stops at the limits of LIMITS whatever the file declares (`app.core.tabular`)."""
    extension = (filename or "").rsplit(".", 1)[-1].lower()

    def header(_line: int, cells: list) -> list[str]:
        names = [_key(c) for c in cells]
        if "structure_nom" not in names:
            raise FileRefused(
                "La première ligne doit nommer les colonnes ; colonne manquante : structure_nom"
                ". Colonnes possibles : " + ", ".join(COLUMNS) + "."
            )
        return [name if name in COLUMNS else "" for name in names]

    return tabular.read_table(
        content,
        "xlsx" if extension == "xlsx" else "csv",
        LIMITS,
        header=header,
        cell=_cell,
        messages=MESSAGES,
    )


def _list(value: str) -> list[str]:
    return [v for v in re.split(r"\s*[|;,]\s*", value or "") if v]


YES = {"oui", "o", "yes", "vrai", "true", "1", "x"}
KIND_LABELS = {_key(label): key for key, label in STRUCTURE_KINDS.items()} | {
    k: k for k in STRUCTURE_KINDS
}


def _checked(errors: list, label: str, check: Callable, value):
    try:
        return check(value)
    except ValueError as error:
        errors.append(f"{label} : {error}" if not str(error).startswith(label) else str(error))
        return None


def _enum_one(errors, value, enum_cls, label):
    if not value:
        return None
    values = _checked(errors, label, lambda v: forms.check_values([v], enum_cls, label), value)
    return values[0] if values else None


def _structure_from_row(row: dict, errors: list) -> dict:
    data = {target: row.get(column, "") for column, target in STRUCTURE_COLUMNS.items()}
    if not data["name"] or len(data["name"]) < 3:
        errors.append("Nom de la structure : obligatoire (3 caractères au moins).")
    kind = _key(data["kind"]) if data["kind"] else "autre"
    if kind not in KIND_LABELS:
        errors.append(
            f"Typologie : valeur inconnue « {data['kind']} » (valeurs : {', '.join(STRUCTURE_KINDS)})."
        )
    data["kind"] = KIND_LABELS.get(kind, "autre")
    data["siret"] = _checked(errors, "SIRET", forms.check_siret, data["siret"])
    data["phone"] = _checked(errors, "Téléphone de la structure", forms.check_phone, data["phone"])
    data["email"] = _checked(errors, "Courriel de la structure", forms.check_email, data["email"])
    data["postal_code"] = _checked(
        errors, "Code postal de la structure", forms.check_postal_code, data["postal_code"]
    )
    data["website"] = _checked(errors, "Site web", forms.check_url, data["website"])
    data["opening_hours"] = _checked(
        errors, "Horaires de la structure", forms.check_opening_hours, data["opening_hours"]
    )
    data["networks"] = (
        _checked(
            errors,
            "Réseaux porteurs",
            lambda v: forms.check_values(_list(v), ReseauPorteur, "Réseaux porteurs"),
            data["networks"],
        )
        or []
    )
    data["code_insee"] = _commune(errors, data["code_insee"], "Commune de la structure")
    return data


def _commune(errors, code, label):
    if not code:
        return None
    if queries.commune(code) is None:
        errors.append(f"{label} : code INSEE inconnu « {code} ».")
        return None
    return code


def _service_from_row(row: dict, errors: list, known_codes: set) -> tuple[dict, bool]:
    data = {target: row.get(column, "") for column, target in SERVICE_COLUMNS.items()}
    if len(data["name"]) < 3:
        errors.append("Nom du service : 3 caractères au moins.")
    if len(data["summary"]) > 280:
        errors.append("Résumé : 280 caractères au plus.")
    data["thematiques"] = (
        _checked(
            errors,
            "Thématiques",
            lambda v: forms.check_values(_list(v), Thematique, "Thématiques"),
            data["thematiques"],
        )
        or []
    )
    data["type"] = _enum_one(errors, data["type"], TypeService, "Type")
    data["fees"] = _enum_one(errors, data["fees"], Frais, "Frais")
    data["publics"] = (
        _checked(errors, "Publics", lambda v: forms.check_publics(_list(v)), data["publics"]) or []
    )
    for name, label, enum_cls in (
        ("reception_modes", "Modes d'accueil", ModeAccueil),
        ("modes_for_professionals", "Modes de mobilisation (professionnels)", ModeMobilisation),
        ("modes_for_people", "Modes de mobilisation (personnes)", ModeMobilisation),
    ):
        data[name] = (
            _checked(
                errors,
                label,
                lambda v, e=enum_cls, lab=label: forms.check_values(_list(v), e, lab),
                data[name],
            )
            or []
        )
    data["postal_code"] = _checked(
        errors, "Code postal du service", forms.check_postal_code, data["postal_code"]
    )
    data["code_insee"] = _commune(errors, data["code_insee"], "Commune du service")
    data["mobilisation_link"] = _checked(
        errors, "Lien de mobilisation", forms.check_url, data["mobilisation_link"]
    )
    data["contact_phone"] = _checked(
        errors, "Téléphone du contact", forms.check_phone, data["contact_phone"]
    )
    data["contact_email"] = _checked(
        errors, "Courriel du contact", forms.check_email, data["contact_email"]
    )
    data["contact_public"] = (data["contact_public"] or "").strip().lower() in YES
    data["zone"] = (
        _checked(
            errors, "Zone d'éligibilité", lambda v: forms.check_zone(v, known_codes), data["zone"]
        )
        or []
    )
    status = _key(data.pop("status"))
    if status not in ("", "brouillon", "publiee", "publie"):
        errors.append(f"Statut : valeur inconnue « {status} » (brouillon ou publiée).")
    publish = status.startswith("publi")
    return data, publish


def check_table(rows: list[tuple[int, dict]], known_codes: set | None = None) -> Plan:
    """Rows of a CSV/XLSX to a plan; every bad row is listed with its reason."""
    known_codes = known_codes if known_codes is not None else queries.all_zone_codes()
    plan = Plan(rows=len(rows))
    for line, row in rows:
        errors: list[str] = []
        source = row.get("source") or DEFAULT_SOURCE
        structure = _structure_from_row(row, errors)
        key = (source, structure["source_id"] or structure["siret"] or _key(structure["name"]))
        service = None
        if row.get("service_nom") or row.get("service_id"):
            service, publish = _service_from_row(row, errors, known_codes)
            if publish and not errors:
                errors.extend(_publishing_problems(service))
        if errors:
            plan.errors.append((line, " ; ".join(errors)))
            continue
        structure["source"] = source
        plan.structures.setdefault(key, (line, structure))
        if service is not None:
            service["source"] = source
            plan.services.append((line, key, service, publish))
    return plan


def _publishing_problems(data: dict) -> list[str]:
    draft = Service(
        contact_phone=data.get("contact_phone"),
        contact_email=data.get("contact_email"),
        reception_modes=data.get("reception_modes") or [],
        address=data.get("address") or None,
    )
    draft.zone = data.get("zone") or []
    return list(sheets.publishing_problems(draft).values())


def _pydantic_errors(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"champ « {where} » : {item['msg']}")
    return " ; ".join(parts)


def check_json(content: bytes) -> Plan:
    """data·inclusion JSON: {"structures": [...], "services": [...]}, each item validated with the
    schema's own pydantic models; positions are reported as "structures[3]"."""
    try:
        document = json.loads(_decode(content))
    except json.JSONDecodeError as error:
        raise FileRefused(f"Le fichier JSON est mal formé (ligne {error.lineno}).") from error
    except RecursionError as error:  # "[[[[…": nested deeper than any data·inclusion file
        raise FileRefused(
            "Le fichier JSON est imbriqué trop profondément : il est mal formé."
        ) from error
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("structures"), list)
        or not isinstance(document.get("services") or [], list)
    ):
        raise FileRefused(
            'Le fichier JSON doit contenir un objet {"structures": [...], "services": [...]} au format data·inclusion v1.'
        )
    items = len(document["structures"]) + len(document.get("services") or [])
    if items > MAX_ROWS:  # the same bound as a table's rows: each item is validated
        raise FileRefused(
            f"Le fichier contient {items} structures et services, au-delà de {MAX_ROWS} : "
            "découpez-le en plusieurs fichiers."
        )
    known_codes = queries.all_zone_codes()
    plan = Plan(rows=len(document["structures"]) + len(document.get("services") or []))
    keys = {}
    for index, item in enumerate(document["structures"]):
        where = f"structures[{index}]"
        try:
            model = di.Structure.model_validate(item)
        except ValidationError as error:
            plan.errors.append((where, _pydantic_errors(error)))
            continue
        errors: list[str] = []
        data = {
            "source_id": model.id,
            "siret": _checked(errors, "SIRET", forms.check_siret, model.siret),
            "name": model.nom,
            "kind": "autre",
            "short_description": (model.description or "")[:280],
            "description": model.description or "",
            "networks": sorted(r.value for r in model.reseaux_porteurs or []),
            "address": model.adresse,
            "postal_code": model.code_postal,
            "code_insee": _commune(errors, model.code_insee, "Commune")
            if model.code_insee
            else None,
            "phone": _checked(errors, "Téléphone", forms.check_phone, model.telephone),
            "email": model.courriel,
            "website": str(model.site_web) if model.site_web else None,
            "opening_hours": _checked(
                errors, "Horaires", forms.check_opening_hours, model.horaires_accueil
            ),
            "accessibility_url": str(model.accessibilite_lieu)
            if model.accessibilite_lieu
            else None,
            "latitude": model.latitude,
            "longitude": model.longitude,
            "source": model.source,
        }
        if errors:
            plan.errors.append((where, " ; ".join(errors)))
            continue
        keys[model.id] = (model.source, model.id)
        plan.structures[(model.source, model.id)] = (where, data)
    for index, item in enumerate(document.get("services") or []):
        where = f"services[{index}]"
        try:
            model = di.Service.model_validate(item)
        except ValidationError as error:
            plan.errors.append((where, _pydantic_errors(error)))
            continue
        errors = []
        if model.structure_id not in keys:
            errors.append(f"structure « {model.structure_id} » absente du fichier ou refusée")
        modes = sorted(m.value for m in model.modes_mobilisation or [])
        by = {p.value for p in model.mobilisable_par or []}
        data = {
            "source_id": model.id,
            "source": model.source,
            "name": model.nom,
            "summary": model.description[:280],
            "description": model.description,
            "type": model.type.value if model.type else None,
            "thematiques": sorted(t.value for t in model.thematiques or []),
            "fees": model.frais.value if model.frais else None,
            "fees_details": model.frais_precisions or "",
            "publics": sorted(p.value for p in model.publics or []),
            "publics_details": model.publics_precisions or "",
            "access_conditions": model.conditions_acces or "",
            "reception_modes": sorted(m.value for m in model.modes_accueil or []),
            "address": model.adresse,
            "postal_code": model.code_postal,
            "code_insee": _commune(errors, model.code_insee, "Commune")
            if model.code_insee
            else None,
            "latitude": model.latitude,
            "longitude": model.longitude,
            "contact_name": model.contact_nom_prenom,
            "contact_phone": _checked(errors, "Téléphone", forms.check_phone, model.telephone),
            "contact_email": model.courriel,
            "contact_public": True,
            "zone": _checked(
                errors,
                "Zone d'éligibilité",
                lambda v: forms.check_zone(v, known_codes),
                model.zone_eligibilite or [],
            )
            or [],
            "modes_for_professionals": modes if "professionnels" in by or not by else [],
            "modes_for_people": modes if "usagers" in by else [],
            "mobilisation_link": str(model.lien_mobilisation) if model.lien_mobilisation else None,
            "mobilisation_details": model.mobilisation_precisions or "",
            "opening_hours": _checked(
                errors, "Horaires", forms.check_opening_hours, model.horaires_accueil
            ),
        }
        if errors:
            plan.errors.append((where, " ; ".join(errors)))
            continue
        publish = not _publishing_problems(data)
        plan.services.append((where, keys[model.structure_id], data, publish))
    return plan


def read(filename: str, content: bytes) -> Plan:
    """The plan of a file; raises FileRefused when the file itself cannot be read."""
    if len(content) > MAX_BYTES:
        raise FileRefused("Le fichier dépasse la taille maximale de 5 Mo : découpez-le.")
    extension = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if extension not in ("csv", "xlsx", "json"):
        raise FileRefused("Le fichier doit être au format CSV, XLSX ou JSON (data·inclusion).")
    if not content.strip():
        raise FileRefused("Le fichier est vide.")
    # The content decides, not the name: markup is refused, and the content must be the
    # format the name announces (unreadable text is named by the decoder below).
    kind = uploads.kind_of(content)
    if kind == "markup":
        raise FileRefused(uploads.MARKUP_REFUSAL)
    if kind is not None and kind != extension:
        raise FileRefused(
            f"Le contenu du fichier n'est pas au format {extension.upper()} qu'annonce son nom : "
            "enregistrez-le au format CSV, XLSX ou JSON (data·inclusion)."
        )
    if extension == "json":
        return check_json(content)
    return check_table(table_rows(filename, content))


def count_rows(filename: str, content: bytes) -> int:
    return read(filename, content).rows


# Writing


def _provider_for(source: str, data: dict) -> Provider | None:
    if data.get("source_id"):
        provider = db.session.scalar(
            select(Provider).where(
                Provider.source == source, Provider.source_id == data["source_id"]
            )
        )
        if provider is not None:
            return provider
    if data.get("siret"):
        structure = queries.structure_by_siret(data["siret"])
        if structure is not None:
            return queries.provider_of_structure(structure.id) or structures.attach_provider(
                None, structure
            )
    return None


def _service_for(provider: Provider, data: dict) -> Service | None:
    if data.get("source_id"):
        return db.session.scalar(
            select(Service).where(
                Service.source == data["source"], Service.source_id == data["source_id"]
            )
        )
    return db.session.scalar(
        select(Service).where(Service.provider_id == provider.id, Service.name == data["name"])
    )


def _clean(data: dict, drop=("source", "source_id")) -> dict:
    return {k: v for k, v in data.items() if k not in drop}


def run(job: ImportJob, actor, territory, *, commit: Callable[[], None] | None = None) -> None:
    """Execute the job: check the file; if clean and not a dry run, create or update each
    structure and sheet, by chunks (`commit` after each one, in the worker)."""
    job.status, job.started_at = JobStatus.RUNNING, utcnow()
    try:
        plan = read(job.filename, job.content)
    except FileRefused as refused:
        job.status, job.error, job.finished_at = JobStatus.FAILED, str(refused), utcnow()
        return
    job.total = len(plan.structures) + len(plan.services)
    job.report = [
        {"line": str(line), "kind": "refused", "message": message} for line, message in plan.errors
    ]
    if plan.errors.omitted:  # one page of errors is kept; the page says how many there were
        job.report.append(
            {
                "line": "",
                "kind": "omitted",
                "message": f"Seules les {len(plan.errors)} premières erreurs sont affichées.",
                "total": plan.errors.total,
            }
        )
    if plan.errors or not plan.structures:
        if not plan.structures and not plan.errors:
            job.error = "Le fichier ne contient aucune structure."
        job.status, job.finished_at = JobStatus.DONE, utcnow()
        return
    report: list[dict] = []
    providers: dict = {}
    items = [("structure", key, line, data, False) for key, (line, data) in plan.structures.items()]
    items += [("service", key, line, data, publish) for line, key, data, publish in plan.services]
    # Inline (in a request), all or nothing: a savepoint undoes a refused write. The worker keeps
    # what its committed chunks wrote (a re-import completes it without duplicating).
    savepoint = db.session.begin_nested() if commit is None and not job.dry_run else None
    try:
        for start in range(0, len(items), CHUNK):
            for item in items[start : start + CHUNK]:
                line, outcome, label = _write(item, providers, actor, territory, job.dry_run)
                report.append({"line": str(line), "kind": outcome, "message": label})
                job.created += outcome == "created"
                job.updated += outcome == "updated"
                job.processed += 1
            if commit is not None and not job.dry_run:
                job.report = list(report)
                commit()
    except (structures.DuplicateSiret, sheets.PublishRefused) as refused:
        if savepoint is not None:
            savepoint.rollback()
            job.created = job.updated = job.processed = 0
            report = []
        job.status, job.finished_at = JobStatus.FAILED, utcnow()
        job.error = (
            f"Import interrompu : le SIRET de « {refused.structure.name} » est déjà celui d'une "
            "autre structure du territoire."
            if isinstance(refused, structures.DuplicateSiret)
            else f"Import interrompu : {refused}"
        )
        job.report = report
        return
    if savepoint is not None:
        savepoint.commit()
    job.report = report
    job.status, job.finished_at = JobStatus.DONE, utcnow()


def _write(item, providers: dict, actor, territory, dry_run: bool) -> tuple[str, str, str]:
    """Create or update one structure or sheet; (line, "created"/"updated", label)."""
    kind, key, line, data, publish = item
    if kind == "structure":
        provider = _provider_for(data["source"], data)
        outcome = "updated" if provider is not None else "created"
        if not dry_run:
            if provider is None:
                provider = structures.create_provider(
                    actor,
                    territory,
                    _clean(data),
                    source=data["source"],
                    source_id=data["source_id"],
                )
            else:
                kept_siret = (
                    ("source", "source_id")
                    if data.get("siret")
                    else ("source", "source_id", "siret")
                )
                structures.update_provider(actor, provider, _clean(data, drop=kept_siret))
                provider.source = data["source"]
                provider.source_id = data["source_id"] or provider.source_id
        providers[key] = provider
        return line, outcome, f"Structure « {data['name']} »"
    provider = providers.get(key)
    service = _service_for(provider, data) if provider is not None else None
    outcome = "updated" if service is not None else "created"
    if not dry_run:
        if service is None:
            service = sheets.create_service(
                actor,
                provider,
                _clean(data),
                source=data["source"],
                source_id=data["source_id"] or None,
            )
        else:
            sheets.update_service(actor, service, _clean(data))
        if publish and service.status != ServiceStatus.PUBLISHED:
            sheets.publish(actor, service)
    return line, outcome, f"Fiche « {data['name']} »"
