"""Create or update a person and their notebook from an external information system.

Used by the JSON API (`app/carnet/api.py`). No request here: the caller binds the territory
(tenant scoping applies to every query) and passes validated values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from app.carnet import history
from app.carnet.models import Beneficiary, ContractType, Notebook, Situation
from app.carnet.notebooks import DuplicateBeneficiary, open_notebook
from app.core.models import utcnow
from app.extensions import db

BENEFICIARY_FIELDS = {
    "first_name": "prénom",
    "last_name": "nom",
    "birth_date": "date de naissance",
    "email": "adresse électronique",
    "mobile": "téléphone",
    "address": "adresse",
    "postal_code": "code postal",
    "commune": "commune",
    "situation": "situation",
    "caf_number": "numéro CAF",
    "france_travail_id": "identifiant France Travail",
    "nir": "NIR",
}
NOTEBOOK_FIELDS = {
    "work_situation": "situation professionnelle",
    "education_level": "niveau de formation",
    "contract_type": "contrat",
    "contract_start": "début du contrat",
    "contract_end": "fin du contrat",
}
# Columns that cannot be empty: a null sent by the information system resets them.
_DEFAULTS = {"situation": Situation.OTHER, "contract_type": ContractType.NONE}


class SyncConflict(Exception):  # noqa: N818 (a domain outcome, not a failure)
    """The identifiers sent designate several people, or contradict the person found."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


@dataclass
class SyncResult:
    beneficiary: Beneficiary
    notebook: Notebook
    created: bool
    changed: list[str] = field(default_factory=list)


def _one(stmt, what: str) -> Beneficiary | None:
    found = db.session.scalars(stmt.limit(2)).all()
    if len(found) > 1:
        raise SyncConflict(
            f"Plusieurs personnes correspondent à {what} dans ce territoire : "
            "la mise à jour est refusée, signalez-le au coordinateur du Carnet de bord."
        )
    return found[0] if found else None


def find_beneficiary(
    *,
    nir: str | None,
    france_travail_id: str | None,
    last_name: str,
    first_name: str,
    birth_date: date,
) -> Beneficiary | None:
    """The person already known in the bound territory: by NIR if given, else by France Travail
    identifier, else by name, first name and birth date (case-insensitive).

    A person found by a weaker key whose NIR differs from the one given is another person:
    SyncConflict (nothing is overwritten).
    """
    if nir:
        found = _one(select(Beneficiary).where(Beneficiary.nir == nir), "ce NIR")
        if found is not None:
            return found
    candidates = []
    if france_travail_id:
        candidates.append(
            (
                select(Beneficiary).where(Beneficiary.france_travail_id == france_travail_id),
                "cet identifiant France Travail",
            )
        )
    candidates.append(
        (
            select(Beneficiary).where(
                func.lower(Beneficiary.last_name) == last_name.strip().lower(),
                func.lower(Beneficiary.first_name) == first_name.strip().lower(),
                Beneficiary.birth_date == birth_date,
            ),
            "ces nom, prénom et date de naissance",
        )
    )
    for stmt, what in candidates:
        found = _one(stmt, what)
        if found is None:
            continue
        if nir and found.nir and found.nir != nir:
            raise SyncConflict(
                f"La personne trouvée par {what} a un autre NIR : "
                "vérifiez l'identité avant de renvoyer la demande."
            )
        return found
    return None


def _coerce(name: str, value):
    if value is None:
        return _DEFAULTS.get(name)
    if name == "situation":
        return Situation(value)
    if name == "contract_type":
        return ContractType(value)
    return value


def _fields(names: dict, data: dict) -> dict:
    return {
        name: _coerce(name, data.get(name))
        for name in names
        if data.get(name) is not None or name in _DEFAULTS
    }


def upsert_beneficiary(
    data: dict, *, present: set[str], source: str, now: datetime | None = None
) -> SyncResult:
    """See `_upsert`; a concurrent write of the same person is a SyncConflict, not an error."""
    try:
        return _upsert(data, present=present, source=source, now=now)
    except DuplicateBeneficiary:
        raise SyncConflict(
            "Une personne avec ce NIR vient d'être enregistrée dans le territoire : "
            "renvoyez la demande pour la mettre à jour."
        ) from None


def _upsert(
    data: dict, *, present: set[str], source: str, now: datetime | None = None
) -> SyncResult:
    """Create the person and their notebook, or update the one found by `find_beneficiary`.

    `data` holds validated values; on update only the fields in `present` (the keys the
    information system sent) change, a null clearing the value. An archived notebook receiving
    new information is reactivated. Flushes, never commits.
    """
    now = now or utcnow()
    beneficiary = find_beneficiary(
        nir=data.get("nir"),
        france_travail_id=data.get("france_travail_id"),
        last_name=data["last_name"],
        first_name=data["first_name"],
        birth_date=data["birth_date"],
    )
    if beneficiary is None:
        notebook = open_notebook(
            None,
            _fields(BENEFICIARY_FIELDS, data),
            notebook_fields=_fields(NOTEBOOK_FIELDS, data),
            origin=f"Carnet créé depuis {source}",
            kind="sync",
            at=now,
        )
        return SyncResult(notebook.beneficiary, notebook, created=True)

    notebook = beneficiary.notebook
    changed: list[str] = []
    if notebook is None:
        notebook = Notebook(beneficiary=beneficiary)
        db.session.add(notebook)
        changed.append("carnet ouvert")
    for fields, target in ((BENEFICIARY_FIELDS, beneficiary), (NOTEBOOK_FIELDS, notebook)):
        for name, label in fields.items():
            if name not in present:
                continue
            value = _coerce(name, data.get(name))
            if getattr(target, name) != value:
                setattr(target, name, value)
                changed.append(label)
    if notebook.archived_at is not None:
        notebook.archived_at = None
        changed.append("carnet réactivé")
    if changed:
        db.session.flush()
        history.record(
            None, notebook, "sync", f"Mis à jour depuis {source} : {', '.join(changed)}", at=now
        )
    return SyncResult(beneficiary, notebook, created=False, changed=changed)
