"""DORA: the offer of insertion services of a territory — providers, their service sheets kept
fresh, the bulk import, the public sheet pages and the open-data API."""

from flask import Blueprint

from app.accounts import auth
from app.accounts.roles import Role
from app.core import access, spaces
from app.tenancy import territorial_blueprint

bp = territorial_blueprint("dora", __name__, service="dora", template_folder="templates")
access.blueprint_baseline(
    bp, access.roles(Role.PROFESSIONAL, Role.STRUCTURE_ADMIN, Role.COORDINATOR)
)

api_bp = Blueprint("dora_api", __name__, url_prefix="/api/v1")


@bp.context_processor
def _referentials():

    return {"enums": models}


from app.dora import (  # noqa: E402,F401
    api,
    cli_search,
    models,
    views,
    views_coordination,
    views_feedback,
    views_orientations,
    views_public,
    views_search,
)
from app.dora.cli import dora_cli  # noqa: E402
from app.dora.seed import load_communes  # noqa: E402


def _demo():
    from app.dora.demo_search import load_demo_searches
    from app.dora.seed import load_demo_offer

    load_demo_offer()
    load_demo_searches()


def _cards(user, territory):
    from app.dora.queries import space_cards

    return space_cards(user, territory)


spaces.register(
    spaces.Space(
        key="dora",
        label="DORA",
        blueprint=bp,
        entry_endpoint="dora.home",
        roles=frozenset({Role.PROFESSIONAL, Role.STRUCTURE_ADMIN, Role.COORDINATOR}),
        default_territories=("loire-atlantique", "ardennes", "la-reunion"),
        extra_blueprints=(api_bp,),
        summary=_cards,
        description="L'offre d'insertion du territoire : structures et fiches services à jour.",
        order=20,
        public_endpoints=(
            "dora.public_service",
            "dora.refresh_link",
            "dora.search",
            "dora.search_questions",
            "dora.search_communes",
            "dora.search_sheet",
            "dora.orientation_link",
            "dora.sheet_of_action",
            "dora_api.structures",
            "dora_api.services",
        ),
        commands=(dora_cli,),
        seed_reference=load_communes,
        seed_demo=_demo,
    )
)

from datetime import timedelta  # noqa: E402

from app.core import jobs  # noqa: E402

jobs.register(
    jobs.Job(
        "dora.orientations",
        timedelta(days=1),
        "app.dora.cli_search:orientations_job",
        "DORA : orientations sans réponse relancées à 10 jours, expirées à 30",
    )
)
jobs.register(
    jobs.Job(
        "dora.freshness",
        timedelta(days=1),
        "app.dora.cli:remind_job",
        "DORA : structures relancées pour actualiser leurs fiches (au plus tous les 15 jours)",
    )
)
jobs.register(
    jobs.Job(
        "dora.search_order",
        timedelta(days=1),
        "app.dora.search:reorder",
        "DORA : table de recherche remise dans l'ordre de ses clés (PostgreSQL)",
    )
)


def _last_time_saved():
    from app.dora.queries import last_time_saved_of_user

    return last_time_saved_of_user()


# Read on every search page of a caseworker (is the monthly question due?): with the user.
auth.user_fact("dora.time_saved_at", _last_time_saved)
