"""A start-up's CHORUS imputation, which the DNUM sets for each project (article 4.1)."""

from __future__ import annotations

from app.core import audit
from app.extensions import db
from app.finance.models import CostCentre, Startup
from app.finance.rules import RuleError


def set_imputation(
    user, startup: Startup, *, cost_centre: CostCentre | None, activity_code: str
) -> None:
    """The cost centre comes from the DNUM list; it and the activity code become the defaults of
    the start-up's next commitments (past ones keep theirs)."""
    if cost_centre is None:
        raise RuleError(
            "cost_centre", "Centre de coût inconnu : choisissez-en un dans la liste de la DNUM."
        )
    startup.cost_centre_id = cost_centre.id
    startup.activity_code = activity_code.strip()
    db.session.flush()
    audit.record(user, "updated", "startup", startup.id, f"imputation {cost_centre.code}")
