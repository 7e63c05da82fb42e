"""Finance of the delegation agreement: convention, amendments and annexes, envelopes, the
append-only ledger, dashboards and exports, investment committees."""

from datetime import timedelta

from flask import Blueprint

from app.accounts.roles import FINANCE, Role
from app.core import access, jobs, spaces

bp = Blueprint("finance", __name__, template_folder="templates", url_prefix="/finance")
access.blueprint_baseline(bp, access.roles(*FINANCE, Role.ADMIN, national=True))


@bp.app_template_filter("euros")
def _euros(amount):
    from app.finance.rules import euros

    return euros(amount)


@bp.app_template_filter("date_fr")
def _date_fr(day):
    return day.strftime("%d/%m/%Y") if day else "—"


from app.finance import views  # noqa: E402,F401
from app.finance.cli import finance_cli  # noqa: E402
from app.finance.demo import load_demo_finance  # noqa: E402
from app.finance.seed import load_reference  # noqa: E402

spaces.register(
    spaces.Space(
        key="finance",
        label="Finances",
        blueprint=bp,
        entry_endpoint="finance.home",
        roles=frozenset({*FINANCE, Role.ADMIN}),
        territorial=False,
        summary=lambda user, territory: views.space_cards(user),
        description="Délégation de gestion, engagements et comités d'investissement.",
        order=90,
        commands=(finance_cli,),
        seed_reference=load_reference,
        seed_demo=load_demo_finance,
    )
)

jobs.register(
    jobs.Job(
        "finance.alerts",
        timedelta(days=1),
        "app.finance.cli:send_alerts",
        "Échéances, comptes rendus et soldes de la convention",
    )
)
