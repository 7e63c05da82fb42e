"""JSON bodies of the finance space (pydantic): the consumption the dashboard shows, for the
auditors' and the DNUM's own tools. Amounts are decimal strings, never floats."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, field_serializer


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    startup: str | None  # slug; None for the total
    ae_allocated: Decimal
    committed: Decimal
    ae_remaining: Decimal
    cp_allocated: Decimal
    paid: Decimal
    cp_remaining: Decimal

    @field_serializer(
        "ae_allocated", "committed", "ae_remaining", "cp_allocated", "paid", "cp_remaining"
    )
    def _exact(self, amount: Decimal) -> str:
        return f"{amount:.2f}"


class Consumption(BaseModel):
    year: int
    startups: list[Envelope]
    total: Envelope


def consumption_body(dashboard) -> Consumption:
    def envelope(row) -> Envelope:
        return Envelope(
            startup=row.startup.slug if row.startup else None,
            ae_allocated=row.ae_allocated,
            committed=row.committed,
            ae_remaining=row.ae_remaining,
            cp_allocated=row.cp_allocated,
            paid=row.paid,
            cp_remaining=row.cp_remaining,
        )

    return Consumption(
        year=dashboard.year,
        startups=[envelope(r) for r in dashboard.rows],
        total=envelope(dashboard.total),
    )
