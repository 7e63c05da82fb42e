"""REVA: one entry point for VAE — certifications, candidacies and their milestones, the VAE
file, skills and badges, the certifier API. National (`/reva/…`): candidates give their
department."""

from datetime import timedelta

from flask import Blueprint

from app.accounts import auth
from app.accounts.roles import Role
from app.core import access, jobs, spaces

bp = Blueprint("reva", __name__, url_prefix="/reva", template_folder="templates")
# Baseline: a logged-in user; each view tightens it (roles, or the candidacy's parties only).
access.blueprint_baseline(bp, access.authenticated)


@bp.app_template_global("department_label")
def _department_label(code: str) -> str:
    from app.reva.departments import label

    return label(code)


from app.reva import models  # noqa: E402,F401
from app.reva.api import reva_api  # noqa: E402
from app.reva.cli import reva_cli  # noqa: E402

jobs.register(
    jobs.Job(
        "reva.inactivity",
        timedelta(days=1),
        "app.reva.candidacies:run_inactivity_job",
        "REVA : projets non envoyés supprimés, candidatures inactives signalées puis closes",
    )
)
from app.reva.views import (  # noqa: E402,F401
    accompagnateur,
    admin,
    candidacy,
    candidate,
    certifier,
    public,
)

STAFF = frozenset({Role.REVA_ACCOMPAGNATEUR, Role.CERTIFIER, Role.ADMIN})


class RevaSpace(spaces.Space):
    """Staff see REVA by their national role; a candidate holds no role (anyone may undertake a
    VAE), so they see it while they have a candidacy."""

    def visible_to(self, user, territory=None) -> bool:
        if super().visible_to(user, territory):
            return True
        from app.reva.queries import has_candidacy

        return bool(getattr(user, "is_authenticated", False)) and has_candidacy(user)


def _cards(user, territory):
    from app.reva.queries import space_cards

    return space_cards(user)


def _demo():
    from werkzeug.security import generate_password_hash

    from app.accounts.seed import DEMO_PASSWORD
    from app.reva.seed import load_demo_reva

    return load_demo_reva(generate_password_hash(DEMO_PASSWORD, method="scrypt"))


spaces.register(
    RevaSpace(
        key="reva",
        label="REVA — VAE",
        blueprint=bp,
        entry_endpoint="reva.home",
        roles=STAFF,
        territorial=False,
        extra_blueprints=(reva_api,),
        summary=_cards,
        description="La VAE en un seul endroit : candidatures, jalons, compétences et badges.",
        order=50,
        commands=(reva_cli,),
        seed_demo=_demo,
        public_endpoints=(
            # The entry point, the catalogue and signing up are open to all; badge documents
            # and share pages are public by design (hosted verification; the link is the secret).
            "reva.home",
            "reva.catalogue",
            "reva.certification",
            "reva.sign_up",
            "reva.issuer",
            "reva.competence_class",
            "reva.block_class",
            "reva.assertion",
            "reva.shared",
            # The certifier API: a bearer token instead of the session (tests/reva/test_api.py).
            "reva_api.awaiting",
            "reva_api.candidacy",
            "reva_api.feasibility_decision",
            "reva_api.schedule_jury",
            "reva_api.jury_result",
        ),
    )
)


def _candidacy_exists():
    from app.reva.queries import candidacy_exists

    return candidacy_exists()


# Read on every page (is REVA in the header of a user without a REVA role?): with the user.
auth.user_fact("reva.has_candidacy", _candidacy_exists)
