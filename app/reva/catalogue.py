"""The catalogue of certifications: CSV import (dry run first, bad rows reported).

One row per competence; the certification and block columns repeat:

    rncp_code;label;level;certifier;keywords;block_code;block_label;competence

A file with any bad row imports nothing. Imports add and update, never delete: candidacies
refer to competences, so a competence missing from a later file stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from app.core import audit, tabular, uploads
from app.extensions import db
from app.reva.models import Certification, CertificationAuthority, Competence, CompetenceBlock

COLUMNS = (
    "rncp_code",
    "label",
    "level",
    "certifier",
    "keywords",
    "block_code",
    "block_label",
    "competence",
)
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
# Bounded work whatever the file holds: 2 MB read at most, 20,000 competences, 8 columns each.
LIMITS = tabular.Limits(
    max_bytes=MAX_BYTES,
    max_rows=MAX_ROWS,
    max_columns=len(COLUMNS) + 8,
    max_cells=(MAX_ROWS + 1) * len(COLUMNS),
    encodings=("utf-8-sig",),
    fallback=None,
)
MESSAGES = {
    "too_big": "Le fichier dépasse 2 Mo.",
    "not_text": "Le fichier doit être au format CSV (texte, séparé par des ;).",
    "encoding": "Le fichier doit être encodé en UTF-8.",
    "empty": "Le fichier ne contient aucune ligne.",
}
RNCP = re.compile(r"(?a)^RNCP\d{3,6}$")


@dataclass
class ImportReport:
    rows: int = 0
    # (line, message): the first page of them, and their total
    errors: tabular.ErrorPage = field(default_factory=tabular.ErrorPage)
    certifications: int = 0
    created: int = 0
    competences: int = 0
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors


def _row_errors(row: dict) -> list[str]:
    errors = []
    if not RNCP.match(row["rncp_code"]):
        errors.append("code RNCP invalide (attendu : RNCP suivi de 3 à 6 chiffres)")
    if not row["label"] or len(row["label"]) > 255:
        errors.append("intitulé manquant ou de plus de 255 caractères")
    if row["level"] not in {"3", "4", "5", "6", "7", "8"}:
        errors.append("niveau invalide (attendu : un chiffre de 3 à 8)")
    if not row["certifier"] or len(row["certifier"]) > 200:
        errors.append("certificateur manquant")
    if not row["block_code"] or len(row["block_code"]) > 20:
        errors.append("code du bloc manquant ou de plus de 20 caractères")
    if not row["block_label"] or len(row["block_label"]) > 255:
        errors.append("intitulé du bloc manquant")
    if not row["competence"] or len(row["competence"]) > 500:
        errors.append("compétence manquante ou de plus de 500 caractères")
    return errors


def _text(value) -> str:
    return (value or "").strip()


def _header(line: int, cells: list) -> list[str]:
    missing = [c for c in COLUMNS if c not in cells]
    if missing:
        raise tabular.TableRefused("Colonnes manquantes : " + ", ".join(missing) + ".", line=line)
    return [c if c in COLUMNS else "" for c in cells]


def parse(data: bytes) -> tuple[list[dict], ImportReport]:
    """Read and check the file; every bad row is reported with its line number (one page of
    errors is kept, with their total). Reading stops at LIMITS whatever the file holds."""
    report = ImportReport()
    try:
        data = tabular.read_upload(data, LIMITS, MESSAGES)
    except tabular.TableRefused as refused:
        report.errors.append((0, str(refused)))
        return [], report
    kind = uploads.kind_of(data)
    if kind == "markup":
        report.errors.append((0, uploads.MARKUP_REFUSAL))
        return [], report
    if kind != "csv":
        report.errors.append((0, "Le fichier doit être au format CSV (texte, séparé par des ;)."))
        return [], report
    try:
        table = tabular.read_table(
            data, "csv", LIMITS, header=_header, cell=_text, messages=MESSAGES
        )
    except tabular.TableRefused as refused:
        report.errors.append((refused.line or 0, str(refused)))
        return [], report
    rows, seen = [], {}
    for line, raw in table:
        row = {c: raw.get(c, "") for c in COLUMNS}
        row["rncp_code"] = row["rncp_code"].upper().replace(" ", "")
        report.rows += 1
        errors = _row_errors(row)
        head = (row["label"], row["level"], row["certifier"])
        if not errors and seen.setdefault(row["rncp_code"], head) != head:
            errors.append(
                "intitulé, niveau ou certificateur différents des lignes précédentes du même code"
            )
        for error in errors:
            report.errors.append((line, error))
        rows.append(row)
    if report.rows == 0:
        report.errors.append((1, "Le fichier ne contient aucune ligne."))
    report.certifications = len(seen)
    report.competences = report.rows
    return rows, report


def import_catalogue(data: bytes, actor=None, dry_run: bool = True) -> ImportReport:
    """Check the file, and unless `dry_run` or any row is bad, add or update its certifications."""
    rows, report = parse(data)
    report.dry_run = dry_run
    if dry_run or not report.ok:
        return report
    authorities = {a.name: a for a in db.session.scalars(select(CertificationAuthority))}
    certifications = {c.rncp_code: c for c in db.session.scalars(select(Certification))}
    for row in rows:
        authority = authorities.get(row["certifier"])
        if authority is None:
            authority = authorities[row["certifier"]] = CertificationAuthority(
                name=row["certifier"]
            )
            db.session.add(authority)
        certification = certifications.get(row["rncp_code"])
        if certification is None:
            certification = certifications[row["rncp_code"]] = Certification(
                rncp_code=row["rncp_code"]
            )
            db.session.add(certification)
            report.created += 1
        certification.label = row["label"]
        certification.level = int(row["level"])
        certification.authority = authority
        certification.keywords = row["keywords"][:500]
        certification.is_active = True
        block = next((b for b in certification.blocks if b.code == row["block_code"]), None)
        if block is None:
            block = CompetenceBlock(code=row["block_code"], position=len(certification.blocks))
            certification.blocks.append(block)
        block.label = row["block_label"]
        if not any(c.label == row["competence"] for c in block.competences):
            block.competences.append(
                Competence(label=row["competence"], position=len(block.competences))
            )
    db.session.flush()
    audit.record(
        actor, "reva_catalogue_imported", "reva_certification", None, f"{report.rows} lignes"
    )
    return report
