"""Importing people (with their notebooks) or professionals from a CSV or XLSX file.

Reading and checking need no request: `read_table` turns the file into numbered rows, and
`check_beneficiaries` / `check_professionals` turn those rows into clean records and French errors
(each with its line number in the file; the only reads are the bulk look-ups of people who already
have a notebook in the bound territory). Nothing is written unless the whole file is clean;
`import_beneficiaries` / `import_professionals` then write everything in one transaction.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.roles import Role
from app.accounts.services import add_membership
from app.carnet.forms import validate_nir
from app.carnet.models import Beneficiary, Notebook, Situation
from app.carnet.queries import exact_matches as find_for_join
from app.core import audit, tabular, uploads, validators
from app.extensions import db
from app.tenancy.models import Structure

MAX_BYTES = 5 * 1024 * 1024
MAX_EXPANDED_BYTES = 50 * 1024 * 1024
# Bounded work whatever the file declares: lines read (blank ones included), data rows kept,
# cells read, columns per row; and the errors kept for the page.
MAX_ROWS = 5000
MAX_LINES = 2 * MAX_ROWS
MAX_COLUMNS = 40
MAX_CELLS = 150_000
MAX_REPORTED_ERRORS = tabular.MAX_REPORTED_ERRORS
LIMITS = tabular.Limits(
    max_bytes=MAX_BYTES,
    max_rows=MAX_ROWS,
    max_lines=MAX_LINES,
    max_columns=MAX_COLUMNS,
    max_cells=MAX_CELLS,
    max_expanded_bytes=MAX_EXPANDED_BYTES,
)
EXTENSIONS = (".csv", ".xlsx")

BENEFICIARIES = "beneficiaries"
PROFESSIONALS = "professionals"
KINDS = {BENEFICIARIES: "Personnes accompagnées", PROFESSIONALS: "Accompagnateurs"}

COLUMNS = {
    BENEFICIARIES: (
        "nom",
        "prenom",
        "date_naissance",
        "courriel",
        "telephone",
        "code_postal",
        "commune",
        "situation",
        "numero_caf",
        "identifiant_france_travail",
        "nir",
    ),
    PROFESSIONALS: ("nom", "prenom", "courriel", "telephone", "structure", "role"),
}
REQUIRED_COLUMNS = {
    BENEFICIARIES: ("nom", "prenom", "date_naissance"),
    PROFESSIONALS: ("nom", "prenom", "courriel", "structure"),
}
# Header spellings seen in spreadsheets, once accents, case and spaces are normalised.
ALIASES = {
    "prenoms": "prenom",
    "date_de_naissance": "date_naissance",
    "naissance": "date_naissance",
    "email": "courriel",
    "e_mail": "courriel",
    "mail": "courriel",
    "adresse_electronique": "courriel",
    "adresse_mail": "courriel",
    "tel": "telephone",
    "portable": "telephone",
    "telephone_portable": "telephone",
    "mobile": "telephone",
    "cp": "code_postal",
    "ville": "commune",
    "caf": "numero_caf",
    "numero_allocataire": "numero_caf",
    "numero_allocataire_caf": "numero_caf",
    "identifiant_ft": "identifiant_france_travail",
    "france_travail": "identifiant_france_travail",
    "numero_securite_sociale": "nir",
    "roles": "role",
}

SITUATIONS = {
    "rsa": Situation.RSA,
    "jeune_neet": Situation.YOUNG_NEET,
    "demandeur_longue_duree": Situation.LONG_TERM_JOBSEEKER,
    "autre": Situation.OTHER,
}
PROFESSIONAL_ROLES = {
    "accompagnateur": Role.PROFESSIONAL,
    "accompagnatrice": Role.PROFESSIONAL,
    "coordinateur": Role.COORDINATOR,
    "coordinatrice": Role.COORDINATOR,
}


FileRefused = tabular.TableRefused  # the file cannot be read as a table; the message is French
ErrorPage = tabular.ErrorPage  # the first MAX_REPORTED_ERRORS errors (a page), and their total


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class CheckResult:
    records: list[dict] = field(default_factory=list)
    errors: ErrorPage = field(default_factory=lambda: ErrorPage(limit=MAX_REPORTED_ERRORS))
    rows: int = 0  # non-empty data rows read

    @property
    def clean(self) -> bool:
        return not self.errors and bool(self.records)


# Reading the file


def _key(text: str) -> str:
    """'Date de naissance' → 'date_de_naissance'; 'Prénom' → 'prenom'."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _column(header: str) -> str:
    key = _key(header)
    return ALIASES.get(key, key)


def _cell(value) -> str | date | None:
    """Spreadsheet cells as text (dates kept as dates, whole numbers without '.0')."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


NOT_CSV = tabular.MESSAGES["not_text"]


def read_table(filename: str, content: bytes, kind: str) -> list[tuple[int, dict]]:
    """The data rows of the file as (line number, {column: value}); raises FileRefused.

    Line numbers are those of the file (the header is line 1), so that people find the row.
    Whatever the file declares, reading stops at MAX_LINES lines, MAX_ROWS data rows and
    MAX_CELLS cells (`app.core.tabular`): the work is bounded before anything is checked.
    """
    content = tabular.read_upload(content, LIMITS)
    extension = "." + (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if extension not in EXTENSIONS:
        raise FileRefused(
            "Le fichier doit être au format CSV (séparateur point-virgule ou virgule) ou XLSX (Excel)."
        )
    if not content.strip():
        raise FileRefused("Le fichier est vide.")
    # The content decides, not the name: markup is refused, and a CSV must be text.
    sniffed = uploads.kind_of(content)
    if sniffed == "markup":
        raise FileRefused(uploads.MARKUP_REFUSAL)
    if extension == ".csv" and sniffed not in ("csv", None):
        raise FileRefused(NOT_CSV)

    def header(_line: int, cells: list) -> list[str]:
        names = [_column(c) if isinstance(c, str) else "" for c in cells]
        missing = [c for c in REQUIRED_COLUMNS[kind] if c not in names]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise FileRefused(
                "La première ligne doit contenir les noms des colonnes ; "
                f"colonne{plural} manquante{plural} : "
                + ", ".join(missing)
                + ". Colonnes attendues : "
                + ", ".join(COLUMNS[kind])
                + "."
            )
        return [name if name in COLUMNS[kind] else "" for name in names]

    return tabular.read_table(content, extension, LIMITS, header=header, cell=_cell)


# Checking values


def parse_date(value) -> date:
    """JJ/MM/AAAA or AAAA-MM-JJ (or a spreadsheet date); raises ValueError in French."""
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if parsed.year < 1900:
            break
        return parsed
    raise ValueError(f"date de naissance invalide « {text} » (attendu JJ/MM/AAAA ou AAAA-MM-JJ)")


def normalize_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(f"adresse électronique invalide « {value} »") from error


def normalize_phone(value: str) -> str:
    message = f"numéro de téléphone invalide « {value} »"
    try:
        return validators.french_phone(value, message)
    except ValueError:  # perhaps a spreadsheet dropped the leading zero
        return validators.french_phone("0" + value.strip(), message)


def _situation(value: str | None) -> Situation:
    if not value:
        return Situation.OTHER
    key = _key(value)
    if key in SITUATIONS:
        return SITUATIONS[key]
    for situation in Situation:
        if key in (situation.value, _key(situation.label)):
            return situation
    raise ValueError(
        f"situation inconnue « {value} » (attendu rsa, jeune_neet, demandeur_longue_duree ou autre)"
    )


def _text(row: dict, name: str) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip() or None


def _length(errors: list[str], value: str | None, limit: int, label: str) -> None:
    if value and len(value) > limit:
        errors.append(f"{label} trop long ({limit} caractères au plus)")


def _identity_key(last_name: str, first_name: str, birth_date: date) -> tuple:
    return (last_name.strip().lower(), first_name.strip().lower(), birth_date)


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _default_finder(table: list[tuple[int, dict]]) -> Callable:
    """Whether a person already has a notebook in the bound territory, as
    `queries.exact_matches` says (same NIR, or same name and birth date).

    find_for_join costs a query per call; a large file would take minutes. So a few bulk queries
    first collect the candidates (the file's NIRs and last names), and find_for_join confirms only
    those: the query count grows with the duplicates, not with the file.
    """
    last_names, nirs = set(), set()
    for _, row in table:
        if name := _text(row, "nom"):
            last_names.add(name.lower())
        if nir := _text(row, "nir"):
            with contextlib.suppress(ValueError):
                nirs.add(validate_nir(nir))

    def people(*columns):
        return (
            select(*columns)
            .select_from(Beneficiary)
            .join(Notebook, Notebook.beneficiary_id == Beneficiary.id)
            .where(Notebook.archived_at.is_(None))
        )

    identities, known_nirs = set(), set()
    for chunk in _chunks(sorted(last_names)):
        identities.update(
            tuple(r)
            for r in db.session.execute(
                people(
                    func.lower(Beneficiary.last_name),
                    func.lower(Beneficiary.first_name),
                    Beneficiary.birth_date,
                ).where(func.lower(Beneficiary.last_name).in_(chunk))
            )
        )
    for chunk in _chunks(sorted(nirs)):
        known_nirs.update(
            db.session.scalars(people(Beneficiary.nir).where(Beneficiary.nir.in_(chunk)))
        )

    def find_existing(last_name, first_name, birth_date, nir) -> bool:
        if (
            nir
            and nir in known_nirs
            and find_for_join(last_name="", first_name="", birth_date=None, nir=nir)
        ):
            return True
        key = (last_name.strip().lower(), first_name.strip().lower(), birth_date)
        return key in identities and bool(
            find_for_join(
                last_name=last_name, first_name=first_name, birth_date=birth_date, nir=None
            )
        )

    return find_existing


def check_beneficiaries(
    table: list[tuple[int, dict]],
    *,
    today: date | None = None,
    find_existing: Callable | None = None,
) -> CheckResult:
    """Clean Beneficiary fields per row, or the reasons each bad row is refused.

    `find_existing(last_name, first_name, birth_date, nir)` says whether the person already has a
    notebook in the territory (by default: the same search as when creating a notebook).
    """
    today = today or date.today()
    find_existing = find_existing or _default_finder(table)
    result = CheckResult(rows=len(table))
    seen_identity: dict[tuple, int] = {}
    seen_nir: dict[str, int] = {}
    for line, row in table:
        errors: list[str] = []
        last_name, first_name = _names(row, errors)
        birth_date = None
        if row.get("date_naissance") in (None, ""):
            errors.append("date de naissance manquante")
        else:
            try:
                birth_date = parse_date(row["date_naissance"])
            except ValueError as error:
                errors.append(str(error))
            else:
                if birth_date > today:
                    errors.append("date de naissance dans le futur")
                    birth_date = None
        record: dict = {}
        nir = _text(row, "nir")
        if nir:
            try:
                record["nir"] = validate_nir(nir)
            except ValueError as error:
                errors.append(f"NIR invalide : {str(error)[0].lower()}{str(error)[1:]}")
        email = _text(row, "courriel")
        if email:
            try:
                record["email"] = normalize_email(email)
            except ValueError as error:
                errors.append(str(error))
            _length(errors, email, 254, "adresse électronique")
        phone = _text(row, "telephone")
        if phone:
            try:
                record["mobile"] = normalize_phone(phone)
            except ValueError as error:
                errors.append(str(error))
        postal = _text(row, "code_postal")
        if postal:
            if re.fullmatch(r"(?a)\d{4}", postal):  # a spreadsheet dropped the leading zero
                postal = "0" + postal
            try:
                record["postal_code"] = validators.postal_code(
                    postal, f"code postal invalide « {postal} » (5 chiffres)"
                )
            except ValueError as error:
                errors.append(str(error))
        commune = _text(row, "commune")
        _length(errors, commune, 120, "commune")
        caf = _text(row, "numero_caf")
        _length(errors, caf, 20, "numéro CAF")
        france_travail = _text(row, "identifiant_france_travail")
        _length(errors, france_travail, 20, "identifiant France Travail")
        try:
            record["situation"] = _situation(_text(row, "situation"))
        except ValueError as error:
            errors.append(str(error))

        if last_name and first_name and birth_date:
            key = _identity_key(last_name, first_name, birth_date)
            if key in seen_identity:
                errors.append(
                    f"doublon : même personne (nom, prénom, date de naissance) qu'à la ligne {seen_identity[key]}"
                )
            else:
                seen_identity[key] = line
        if record.get("nir"):
            if record["nir"] in seen_nir:
                errors.append(f"doublon : même NIR qu'à la ligne {seen_nir[record['nir']]}")
            else:
                seen_nir[record["nir"]] = line
        if (
            not errors
            and last_name
            and first_name
            and birth_date
            and find_existing(last_name, first_name, birth_date, record.get("nir"))
        ):
            errors.append("cette personne a déjà un carnet sur le territoire")

        if errors:
            result.errors.extend(RowError(line, e) for e in errors)
            continue
        record.update(
            last_name=last_name,
            first_name=first_name,
            birth_date=birth_date,
            commune=commune,
            caf_number=caf,
            france_travail_id=france_travail,
        )
        result.records.append(record)
    return result


def _names(row: dict, errors: list[str]) -> tuple[str, str]:
    """The row's last and first names, both required, 100 characters at most."""
    last_name, first_name = _text(row, "nom"), _text(row, "prenom")
    if not last_name:
        errors.append("nom manquant")
    if not first_name:
        errors.append("prénom manquant")
    _length(errors, last_name, 100, "nom")
    _length(errors, first_name, 100, "prénom")
    return last_name, first_name


def check_professionals(table: list[tuple[int, dict]]) -> CheckResult:
    result = CheckResult(rows=len(table))
    seen_email: dict[str, int] = {}
    for line, row in table:
        errors: list[str] = []
        last_name, first_name = _names(row, errors)
        email = _text(row, "courriel")
        if not email:
            errors.append("adresse électronique manquante")
        else:
            try:
                email = normalize_email(email)
            except ValueError as error:
                errors.append(str(error))
                email = None
            else:
                if email in seen_email:
                    errors.append(
                        f"doublon : même adresse électronique qu'à la ligne {seen_email[email]}"
                    )
                else:
                    seen_email[email] = line
        phone = _text(row, "telephone")
        if phone:
            try:
                phone = normalize_phone(phone)
            except ValueError as error:
                errors.append(str(error))
        role = Role.PROFESSIONAL
        role_text = _text(row, "role")
        if role_text:
            role = PROFESSIONAL_ROLES.get(_key(role_text))
            if role is None:
                errors.append(
                    f"rôle inconnu « {role_text} » (attendu accompagnateur ou coordinateur)"
                )
        structure = _text(row, "structure")
        if not structure and role == Role.PROFESSIONAL:
            errors.append("structure manquante")
        _length(errors, structure, 200, "nom de structure")
        if errors:
            result.errors.extend(RowError(line, e) for e in errors)
            continue
        result.records.append(
            {
                "last_name": last_name,
                "first_name": first_name,
                "email": email,
                "phone": phone,
                "role": role,
                "structure": structure,
            }
        )
    return result


def check(kind: str, table: list[tuple[int, dict]], **kwargs) -> CheckResult:
    if kind == BENEFICIARIES:
        return check_beneficiaries(table, **kwargs)
    return check_professionals(table)


# Writing (only a clean file; one transaction)


def import_beneficiaries(actor, records: list[dict]) -> int:
    """Open each person's notebook (one history entry each, seen by the person), without a
    professional member yet (they show in the coordinator's "sans référent" list). Tenant scoping
    stamps the bound territory. A person created meanwhile raises DuplicateBeneficiary."""
    from app.carnet.notebooks import open_notebook

    for record in records:
        open_notebook(actor, record, origin="import")
    audit.record(actor, "imported", "notebook", None, f"{len(records)} carnets importés")
    return len(records)


def import_professionals(actor, territory, records: list[dict]) -> int:
    """Create (or reuse, by email) each account and give its role in the territory, in its
    structure (created in the territory when no structure has that name). No mail is sent."""
    structures = {_key(s.name): s for s in db.session.scalars(select(Structure))}
    emails = [r["email"] for r in records]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    for record in records:
        structure = None
        if record["structure"]:
            structure = structures.get(_key(record["structure"]))
            if structure is None:
                structure = Structure(name=record["structure"], kind="autre")
                db.session.add(structure)
                db.session.flush()
                structures[_key(structure.name)] = structure
        user = users.get(record["email"])
        if user is None:
            user = User(
                email=record["email"],
                first_name=record["first_name"],
                last_name=record["last_name"],
                phone=record["phone"],
            )
            db.session.add(user)
            users[user.email] = user
        # The non-committing grant: the whole file goes in one transaction.
        add_membership(user, territory, record["role"], structure)
    audit.record(actor, "imported", "user", None, f"{len(records)} accompagnateurs importés")
    db.session.flush()
    return len(records)
