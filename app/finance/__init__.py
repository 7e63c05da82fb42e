"""Finance of the funding agreement: convention, parties, start-ups, CHORUS references."""

from flask import Blueprint, url_for

from app.accounts.roles import FINANCE, Role
from app.core import access, spaces

bp = Blueprint("finance", __name__, template_folder="templates", url_prefix="/finance")
access.blueprint_baseline(bp, access.roles(*FINANCE, Role.ADMIN, national=True))

from app.finance import views  # noqa: E402,F401


def _cards(user, territory):
    return [
        spaces.Card(
            title="Finances de la convention",
            url=url_for("finance.home"),
            text="Convention, startups, références CHORUS et centres de coût.",
        )
    ]


spaces.register(
    spaces.Space(
        key="finance",
        label="Finances",
        blueprint=bp,
        entry_endpoint="finance.home",
        roles=frozenset({*FINANCE, Role.ADMIN}),
        territorial=False,
        summary=_cards,
        description="Délégation de gestion, engagements et comités d'investissement.",
        order=90,
    )
)
