"""Import of commitments and payments from a CSV in the shape of the ledger export (CHORUS
columns, `app.finance.exports.COLUMNS`), UTF-8 or Windows-1252, `;` or `,`.

Reading is bounded (size, rows, errors reported). Every row is written through the ledger's own
service functions (`ledger.record_commitment`, `ledger.record_payment`), so no rule is checked
here: a refused row carries the message the service raised. The whole file runs inside one
savepoint, each row in a nested one; a dry run rolls the outer savepoint back, a confirmed import
keeps it only if every row passed (all or nothing).

A payment names its commitment in « N° engagement (portail) »: the number of a commitment row of
the same file (as in an export, where a commitment's row carries its own number), else the number
of a commitment already recorded for the same start-up.

A file is imported once: its digest is kept in the « imported » audit entry, and a file the same
user already imported is refused, checked or confirmed (a double click on « Importer », a replayed
form). A confirm checks under a lock on the user's row, so of two simultaneous confirms the second
waits for the first to end, then sees its entry.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select

from app.accounts.models import User
from app.core import audit, uploads
from app.core.models import AuditEntry
from app.core.transaction import lock_row
from app.extensions import db
from app.finance import clock, ledger
from app.finance.exports import COLUMNS, FORMULA_STARTS
from app.finance.models import Commitment, CostCentre, LegalAct, Startup
from app.finance.rules import MAX_AMOUNT, RuleError

MAX_BYTES = 256 * 1024
MAX_ROWS = 500
MAX_ERRORS = 50  # a page of errors; the count of the others is given
REQUIRED = ("Date", "Nature", "Startup", "Montant AE (€)", "Montant CP (€)")
NATURES = {"engagement": "commitment", "paiement": "payment"}


class FileRefusedError(ValueError):
    """The file as a whole cannot be read; nothing was checked."""


class AlreadyImportedError(FileRefusedError):
    """The same user already imported this very file; nothing was checked again."""


@dataclass
class Row:
    line: int
    kind: str  # commitment, payment
    on: date | None
    startup: str
    amount: str
    label: str  # supplier or the commitment paid
    error: str = ""


@dataclass
class Report:
    digest: str
    rows: list[Row] = field(default_factory=list)
    recorded: bool = False

    @property
    def errors(self) -> list[Row]:
        return [r for r in self.rows if r.error]

    @property
    def shown_errors(self) -> list[Row]:
        return self.errors[:MAX_ERRORS]

    @property
    def clean(self) -> bool:
        return bool(self.rows) and not self.errors


def digest_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _audit_detail(count: int, digest: str) -> str:
    return f"{count} écritures, {digest[:12]}"


def _refuse_a_second_import(user, count: int, digest: str) -> None:
    """Raises AlreadyImportedError if `user` already imported this file."""
    done = db.session.scalar(
        select(AuditEntry.at)
        .where(
            AuditEntry.actor_id == user.id,
            AuditEntry.action == "imported",
            AuditEntry.object_type == "ledger",
            AuditEntry.detail == _audit_detail(count, digest),
        )
        .limit(1)
    )
    if done is not None:
        raise AlreadyImportedError(
            "Ce fichier a déjà été importé le "
            f"{done.astimezone(clock.PARIS).strftime('%d/%m/%Y à %H:%M')} : ses écritures sont "
            "enregistrées, rien n'a été importé une seconde fois."
        )


# Reading


def _text(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise FileRefusedError(f"Le fichier dépasse {MAX_BYTES // 1024} Ko : découpez-le.")
    if not content.strip():
        raise FileRefusedError("Le fichier est vide.")
    kind = uploads.kind_of(content)
    if kind == "markup":
        raise FileRefusedError(uploads.MARKUP_REFUSAL)
    if kind != "csv":
        raise FileRefusedError(
            "Le fichier n'est pas un fichier CSV : enregistrez l'export du registre au format CSV."
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _cell(value: str) -> str:
    value = value.strip()
    # The export neutralises formulas with an apostrophe: take it back.
    if value[:1] == "'" and value[1:2] and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def read(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The data rows as (line number in the file, {column: value}); raises FileRefusedError."""
    text = _text(content)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    table = []
    try:
        for cells in reader:
            cells = [_cell(c) for c in cells[: len(COLUMNS) + 5]]
            if not any(cells):
                continue
            if header is None:
                header = cells
                missing = [c for c in REQUIRED if c not in header]
                if missing:
                    raise FileRefusedError(
                        "La première ligne doit reprendre les colonnes de l'export du registre ; "
                        "manquantes : " + ", ".join(missing) + "."
                    )
                continue
            row = dict(zip(header, cells, strict=False))
            if row.get("Date", "").lower() == "total":
                continue  # the export's last line
            if len(table) == MAX_ROWS:
                raise FileRefusedError(
                    f"Le fichier dépasse {MAX_ROWS} écritures : découpez-le en plusieurs fichiers."
                )
            table.append((reader.line_num, row))
    except csv.Error as error:
        raise FileRefusedError(
            f"Le fichier CSV est mal formé (ligne {reader.line_num}) : vérifiez les guillemets."
        ) from error
    if not table:
        raise FileRefusedError("Le fichier ne contient aucune écriture.")
    return table


# Values (parsed only; every rule is the ledger's)


def _date(text: str) -> date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RuleError("date", "Date illisible : écrivez-la JJ/MM/AAAA.")


def _amount(text: str) -> Decimal:
    compact = "".join(ch for ch in text if not ch.isspace() and ch != "€").replace(",", ".")
    try:
        amount = Decimal(compact)
        # Beyond 28 digits Decimal cannot quantize: let the ledger see a merely too large amount.
        return amount if len(amount.as_tuple().digits) <= 28 else MAX_AMOUNT + 1
    except InvalidOperation:
        raise RuleError("amount", "Saisissez un montant en euros, par exemple 12 500,00.") from None


def _startup(text: str) -> Startup:
    startup = db.session.scalar(
        select(Startup).where(or_(Startup.name == text, Startup.slug == text.lower()))
    )
    if startup is None:
        raise RuleError("startup", f"Start-up inconnue : « {text} ».")
    return startup


def _legal_act(text: str) -> LegalAct:
    for act in LegalAct:
        if text.lower() in (act.value, act.label.lower()):
            return act
    raise RuleError(
        "legal_act",
        "Acte juridique inconnu : indiquez "
        + ", ".join(f"« {act.label} »" for act in LegalAct)
        + ".",
    )


def _cost_centre(text: str) -> CostCentre | None:
    # An unknown code is no cost centre: the ledger refuses it with its own rule.
    return db.session.scalar(select(CostCentre).where(func.upper(CostCentre.code) == text.upper()))


# Running


def _write(user, row: Row, values: dict, in_file: dict) -> Commitment | None:
    """Record one row through the ledger; raises RuleError with the ledger's message."""
    kind = row.kind
    if kind not in ("commitment", "payment"):
        raise RuleError(
            "nature",
            "Seuls les engagements et les paiements s'importent : une annulation se saisit "
            "dans le formulaire avec son motif.",
        )
    startup = _startup(row.startup)
    row.on = _date(values.get("Date", ""))
    column = "Montant AE (€)" if kind == "commitment" else "Montant CP (€)"
    row.amount = values.get(column, "")
    amount = _amount(row.amount)
    chorus = values.get("N° CHORUS", "")
    if kind == "commitment":
        row.label = values.get("Fournisseur", "")
        commitment = ledger.record_commitment(
            user,
            startup,
            committed_on=row.on,
            amount=amount,
            legal_act=_legal_act(values.get("Acte juridique", "")),
            supplier=values.get("Fournisseur", ""),
            object=values.get("Objet", ""),
            cost_centre=_cost_centre(values.get("Centre de coût", "")),
            chorus_number=chorus,
        )
        return commitment
    number = values.get("N° engagement (portail)", "")
    row.label = f"engagement n°{number}"
    if number in in_file:
        commitment = in_file[number]
        if commitment is None:
            raise RuleError("commitment", f"L'engagement n°{number} de ce fichier est refusé.")
    else:
        commitment = db.session.scalar(
            select(Commitment).where(
                Commitment.id == (int(number) if number.isdigit() else -1),
                Commitment.startup_id == startup.id,
            )
        )
        if commitment is None:
            raise RuleError("commitment", f"Engagement n°{number} inconnu pour {startup.name}.")
    ledger.record_payment(user, commitment, paid_on=row.on, amount=amount, chorus_number=chorus)
    return None


def run(user, content: bytes, *, confirm: bool) -> Report:
    """Check (and, if `confirm` and every row passes, record) the file's rows; raises FileRefusedError.

    Runs in the request's transaction: the caller answers 4xx when the report is not recorded,
    which rolls the request back as well.
    """
    table = read(content)
    report = Report(digest_of(content))
    if confirm:
        # Until the transaction ends: a simultaneous confirm waits here, then sees this import.
        lock_row(User, User.id == user.id, touch=User.is_active)
    _refuse_a_second_import(user, len(table), report.digest)
    in_file: dict[str, Commitment | None] = {}
    outer = db.session.begin_nested()
    for line, values in table:
        kind = NATURES.get(values.get("Nature", "").lower(), values.get("Nature", ""))
        row = Row(line, kind, None, values.get("Startup", ""), "", "")
        savepoint = db.session.begin_nested()
        try:
            commitment = _write(user, row, values, in_file)
        except RuleError as error:
            savepoint.rollback()
            row.error, commitment = error.message, None
        else:
            savepoint.commit()
        if kind == "commitment":
            in_file.setdefault(values.get("N° engagement (portail)", "") or f"#{line}", commitment)
        report.rows.append(row)
    if confirm and report.clean:
        outer.commit()
        audit.record(
            user, "imported", "ledger", None, _audit_detail(len(report.rows), report.digest)
        )
        report.recorded = True
    else:
        outer.rollback()
    return report
