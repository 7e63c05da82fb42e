"""Rules shared by every finance write: amounts, dates, deadlines of article 4.2.

Each refusal is a `RuleError` naming the field and, in French, the rule (and article) it breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from app.finance import clock

CENTS = Decimal("0.01")
NARROW_NBSP = "\u202f"
MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)


class RuleError(ValueError):
    """A write the agreement does not allow; nothing was saved."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def euros(amount: Decimal | None) -> str:
    """1234567.5 → « 1 234 567,50 € » (narrow no-break space between thousands)."""
    if amount is None or amount == "":
        return "—"
    amount = Decimal(str(amount))
    sign = "-" if amount < 0 else ""
    grouped = f"{abs(amount).quantize(CENTS):,.2f}"  # 1,234,567.50
    return f"{sign}{grouped.replace(',', NARROW_NBSP).replace('.', ',')}\u00a0€"


_AMOUNT = re.compile(r"(?a)^-?\d+(?:\.(\d+))?$")


def parse_amount(text: str | None, field: str = "amount") -> Decimal:
    """A French or plain amount in euros ("12 500,50", "12500.5") as an exact Decimal > 0."""
    compact = re.sub(r"[\s\u00a0\u202f€]", "", text or "").replace(",", ".")
    match = _AMOUNT.match(compact)
    if not match:
        raise RuleError(field, "Saisissez un montant en euros, par exemple 12 500,00.")
    if match.group(1) and len(match.group(1)) > 2:
        raise RuleError(field, "Le montant a au plus deux décimales (les centimes).")
    try:
        amount = Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        raise RuleError(field, "Saisissez un montant en euros, par exemple 12 500,00.") from None
    check_amount(amount, field)
    return amount


def check_amount(amount: Decimal, field: str = "amount") -> None:
    """An amount is an exact, strictly positive number of euros and cents."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise RuleError(field, "Saisissez un montant en euros, par exemple 12 500,00.")
    if amount <= 0:
        raise RuleError(field, "Le montant doit être strictement positif.")
    if amount > MAX_AMOUNT:  # before quantize, which cannot hold more digits than the context
        raise RuleError(field, "Le montant est trop élevé.")
    if amount != amount.quantize(CENTS):
        raise RuleError(field, "Le montant a au plus deux décimales (les centimes).")


def ae_deadline(year: int) -> date:
    """AE are committed until the end of November of the year (article 4.2)."""
    return date(year, 11, 30)


def cp_deadline(year: int) -> date:
    """CP are consumed until 1 December of the year (article 4.2)."""
    return date(year, 12, 1)


def management_dialogue(year: int) -> date:
    """The dialogue de gestion takes place before mid-November (article 4.2)."""
    return date(year, 11, 15)


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def check_entry_date(on: date, start: date | None, end: date, field: str) -> None:
    """An entry is dated within the agreement's period as amended (article 7), and not later
    than today (Europe/Paris)."""
    if on > clock.today():
        raise RuleError(
            field, f"La date ne peut pas être postérieure à aujourd'hui ({_fr(clock.today())})."
        )
    if (start and on < start) or on > end:
        period = f"du {_fr(start)} au {_fr(end)}" if start else f"jusqu'au {_fr(end)}"
        raise RuleError(
            field,
            f"La date est hors de la période de la convention ({period}, avenants compris ; article 7).",
        )


def check_ae_deadline(on: date, field: str) -> None:
    if on > ae_deadline(on.year):
        raise RuleError(
            field,
            f"Les AE ne peuvent être engagées que jusqu'au 30 novembre {on.year} inclus (article 4.2).",
        )


def check_cp_deadline(on: date, field: str) -> None:
    if on > cp_deadline(on.year):
        raise RuleError(
            field,
            f"Les CP ne peuvent être consommés que jusqu'au 1er décembre {on.year} inclus (article 4.2).",
        )


@dataclass(frozen=True)
class Deadline:
    on: date
    label: str
    article: str


def deadlines_of(year: int) -> list[Deadline]:
    """The calendar of article 4.2 for a budget year."""
    return [
        Deadline(management_dialogue(year), "Dialogue de gestion (solde et reports)", "4.2"),
        Deadline(ae_deadline(year), "Fin des engagements (AE) et décision sur le solde", "4.2"),
        Deadline(cp_deadline(year), "Fin de la consommation des CP", "4.2"),
    ]
