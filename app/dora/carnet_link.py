"""DORA and Carnet de bord, both ways.

From a notebook's barrier, "trouver une solution" opens the search with the barrier's theme (the
mapping below, the one place it is written) and the person's commune; the barrier travels as a
grant (signed, bound to the caseworker), never as a walkable id. An orientation made there
becomes an action under that barrier — so the barrier's visibility rules apply to it — and its
state changes are written through Carnet's one history recorder and its plans module.
"""

from __future__ import annotations

from flask import g, url_for
from sqlalchemy import select

from app.carnet import history, plans
from app.carnet import perms as carnet_perms
from app.carnet.models import Action, ActionStatus, Barrier, BarrierTheme
from app.core import grants
from app.dora import search_form
from app.extensions import db

GRANT_PURPOSE = "dora-barrier"
GRANT_SECONDS = 3 * 3600  # a search, a few sheets and an orientation
OBJECTIVE_TITLE = "Trouver une solution avec DORA"

# Notebook barrier themes → the search's themes (data·inclusion categories or thematiques).
THEME_OF_BARRIER = {
    BarrierTheme.EMPLOYMENT: "trouver-un-emploi",
    BarrierTheme.TRAINING: "se-former",
    BarrierTheme.HOUSING: "logement-hebergement",
    BarrierTheme.MOBILITY: "mobilite",
    BarrierTheme.HEALTH: "sante",
    BarrierTheme.ADMINISTRATIVE: "difficultes-administratives-ou-juridiques",
    BarrierTheme.FINANCIAL: "difficultes-financieres",
    BarrierTheme.FAMILY: "famille--garde-denfants",
    BarrierTheme.FRENCH: "lecture-ecriture-calcul",
    BarrierTheme.DIGITAL: "numerique",
}

# What the orientation's state means for its action in the notebook, and the reason the
# notebook's history gives.
ACTION_STATUS = {
    "open": ActionStatus.PLANNED,
    "accepted": ActionStatus.IN_PROGRESS,
    "refused": ActionStatus.CANCELLED,
    "expired": ActionStatus.CANCELLED,
}
BECAUSE = {
    "accepted": "orientation acceptée par la structure",
    "refused": "orientation refusée par la structure",
    "expired": "orientation expirée sans réponse de la structure",
}


def can_find_solution(user, barrier: Barrier, territory) -> bool:
    """Whoever may enrich the notebook and read the barrier's detail (not the person: DORA is
    for caseworkers) looks for a solution to it."""
    notebook = barrier.notebook
    return (
        not carnet_perms.is_owner(user, notebook)
        and carnet_perms.can_edit_notebook(user, notebook, territory)
        and carnet_perms.can_see_barrier_detail(user, notebook, barrier)
    )


def supported_notebook(user, orientation):
    """The notebook an orientation was made from, when the user supports the person there: a
    professional whom the person's consent covers and who reads the barrier's detail (the rule
    of `can_find_solution`, so the orientation is shown to whoever could have made it). None
    otherwise, and for the person themself (their notebook shows the orientation's state)."""
    territory = g.get("territory")
    if orientation.barrier_id is None or territory is None:
        return None
    barrier = db.session.scalar(select(Barrier).where(Barrier.id == orientation.barrier_id))
    if barrier is None or not can_find_solution(user, barrier, territory):
        return None
    return barrier.notebook


def commune_label(beneficiary, department: str) -> str:
    """The person's commune as the search's field expects it ("" when unknown)."""
    for value in (
        f"{beneficiary.commune} ({beneficiary.postal_code})"
        if beneficiary.commune and beneficiary.postal_code
        else None,
        beneficiary.postal_code,
        beneficiary.commune,
    ):
        place = search_form.find_place(department, value) if value else None
        if place is not None:
            return place.label
    return ""


def runs_here() -> bool:
    """Whether the bound territory runs DORA (a notebook elsewhere shows no DORA link)."""
    territory = g.get("territory")
    return territory is not None and territory.enables("dora")


def search_url(user, barrier: Barrier) -> str | None:
    """The search prefilled for the barrier, or None if the user may not look for it or the
    territory does not run DORA."""
    if not runs_here():
        return None
    territory = g.territory
    if not can_find_solution(user, barrier, territory):
        return None
    return url_for(
        "dora.search",
        territory=territory.slug,
        commune=commune_label(barrier.notebook.beneficiary, territory.department_code) or None,
        theme=THEME_OF_BARRIER.get(barrier.theme),
        frein=grants.issue(user, GRANT_PURPOSE, barrier.id),
    )


def barrier_from_grant(user, token: str | None) -> Barrier | None:
    """The barrier a grant names, if it is still the user's to act on (else None)."""
    if not token:
        return None
    barrier_id = grants.check(token, user, GRANT_PURPOSE, max_age=GRANT_SECONDS)
    if barrier_id is None:
        return None
    barrier = db.session.scalar(select(Barrier).where(Barrier.id == barrier_id))
    if barrier is None or not can_find_solution(user, barrier, g.territory):
        return None
    return barrier


def prefill(barrier: Barrier) -> dict:
    """The orientation form's fields the notebook already knows."""
    person = barrier.notebook.beneficiary
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.mobile,
        "situation": barrier.situation,
    }


def orientation_changed(orientation, transition, actor) -> None:
    """The orientation's action under its barrier follows each state change (history included)."""
    barrier = db.session.get(Barrier, orientation.barrier_id)
    if barrier is None:
        return
    if transition.name == "create":
        objective = next((o for o in barrier.objectives if o.title == OBJECTIVE_TITLE), None)
        if objective is None:
            objective = plans.add_objective(actor, barrier, OBJECTIVE_TITLE)
        service = orientation.service
        action = plans.add_action(
            actor,
            objective,
            title=f"Orientation vers « {service.name} » ({service.provider.name})",
            structure_id=service.provider.structure_id
            if service.provider.territory_id == barrier.territory_id
            else None,
            dora_service_id=service.id,
        )
        orientation.action_id = action.id
        return
    action = db.session.get(Action, orientation.action_id) if orientation.action_id else None
    if action is None:
        return
    if transition.name == "start":
        action.start_date = orientation.started_on
        history.record(
            actor,
            barrier.notebook,
            "action",
            "Démarrage indiqué par la structure",
            summary=f"Action « {action.title} » : démarrage le "
            f"{orientation.started_on.strftime('%d/%m/%Y')}",
            target=action,
            barrier=barrier,
        )
        return
    wanted = ACTION_STATUS.get(orientation.status.value)
    if transition.target is not None and wanted is not None and action.status != wanted:
        plans.set_action_status(
            actor, action, wanted, because=BECAUSE.get(orientation.status.value)
        )
