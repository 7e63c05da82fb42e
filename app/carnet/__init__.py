"""Carnet de bord: notebooks, members, consent, barriers, objectives, actions, interviews."""

from app.accounts.roles import Role
from app.core import access, spaces
from app.tenancy import territorial_blueprint

bp = territorial_blueprint("carnet", __name__, service="carnet", template_folder="templates")
access.blueprint_baseline(bp, access.roles(Role.BENEFICIARY, Role.PROFESSIONAL, Role.COORDINATOR))

from app.carnet import (  # noqa: E402,F401
    models,
    notices,
    views,
    views_coordination,
    views_person,
    views_structure,
    views_surveys,
)
from app.carnet.api import carnet_api  # noqa: E402
from app.carnet.cli import carnet_cli  # noqa: E402
from app.carnet.seed import load_demo_notebooks  # noqa: E402


def _cards(user, territory):
    from app.carnet.queries import space_cards

    return space_cards(user, territory)


spaces.register(
    spaces.Space(
        key="carnet",
        label="Carnet de bord",
        blueprint=bp,
        entry_endpoint="carnet.index",
        roles=frozenset(
            {Role.BENEFICIARY, Role.PROFESSIONAL, Role.COORDINATOR, Role.STRUCTURE_ADMIN}
        ),
        default_territories=("seine-saint-denis", "loire-atlantique", "la-reunion"),
        extra_blueprints=(carnet_api,),
        summary=_cards,
        description="Le carnet partagé entre la personne accompagnée et ses accompagnateurs.",
        order=10,
        public_endpoints=("carnet_api.beneficiaries", "carnet_api.notebook"),
        commands=(carnet_cli,),
        seed_demo=load_demo_notebooks,
    )
)

from datetime import timedelta  # noqa: E402

from app.core import jobs  # noqa: E402

jobs.register(
    jobs.Job(
        "carnet.consent_renewal",
        timedelta(days=1),
        "app.carnet.renewals:run_job",
        "Carnet de bord : renouvellement des accords de partage demandé un mois avant leur fin",
    )
)
