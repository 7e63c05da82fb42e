"""The person's path: barriers (freins), their objectives and the actions toward them. Each change
is recorded with its barrier, whose visibility then hides it from whom the barrier hides."""

from __future__ import annotations

from app.carnet import history
from app.carnet.models import Action, ActionStatus, Barrier, Notebook, Objective, Visibility
from app.core.models import utcnow
from app.extensions import db


def add_barrier(user, notebook: Notebook, *, theme, situation: str, visibility=None) -> Barrier:
    """Whoever sees the whole notebook adds a barrier; health is shown in summary by default."""
    if visibility is None:
        visibility = Visibility.SUMMARY if theme.value == "sante" else Visibility.DETAIL
    barrier = Barrier(
        notebook=notebook,
        theme=theme,
        situation=situation.strip(),
        visibility=visibility,
        created_by_id=user.id,
    )
    db.session.add(barrier)
    db.session.flush()
    history.record(
        user, notebook, "barrier", f"Frein ajouté : {theme.label}", target=barrier, barrier=barrier
    )
    return barrier


def update_barrier(
    user, barrier: Barrier, *, situation: str, status=None, visibility=None
) -> Barrier:
    """Reword a barrier; professionals also set its status and who sees its detail."""
    barrier.situation = situation.strip()
    if status is not None:
        barrier.status = status
    if visibility is not None:
        barrier.visibility = visibility
    barrier.updated_at = utcnow()
    history.record(
        user,
        barrier.notebook,
        "barrier",
        f"Frein modifié : {barrier.theme.label} ({barrier.status.label.lower()})",
        target=barrier,
        barrier=barrier,
    )
    return barrier


def add_objective(user, barrier: Barrier, title: str) -> Objective:
    """An objective toward lifting a barrier (by whoever may read that barrier's detail)."""
    objective = Objective(barrier=barrier, title=title.strip())
    db.session.add(objective)
    db.session.flush()
    history.record(
        user,
        barrier.notebook,
        "objective",
        "Objectif ajouté",
        text=objective.title,
        target=objective,
        barrier=barrier,
    )
    return objective


def set_objective_status(user, objective: Objective, status) -> None:
    """Mark an objective's progress."""
    objective.status = status
    history.record(
        user,
        objective.barrier.notebook,
        "objective",
        f"Objectif {status.label.lower()}",
        summary=f"Objectif « {objective.title} » : {status.label.lower()}",
        target=objective,
        barrier=objective.barrier,
    )


def add_action(
    user,
    objective: Objective,
    *,
    title: str,
    start_date=None,
    done: bool = False,
    structure_id=None,
    dora_service_id=None,
) -> Action:
    """An action toward an objective (possibly a DORA service); `done`: one the person already
    did, on `start_date` (before the notebook existed, often)."""
    action = Action(
        objective=objective,
        title=title.strip(),
        start_date=start_date,
        status=ActionStatus.DONE if done else ActionStatus.PLANNED,
        structure_id=structure_id,
        dora_service_id=dora_service_id,
        created_by_id=user.id,
    )
    db.session.add(action)
    db.session.flush()
    history.record(
        user,
        objective.barrier.notebook,
        "action",
        "Action réalisée ajoutée" if done else "Action ajoutée",
        text=f"{action.title} (le {start_date.strftime('%d/%m/%Y')})"
        if done and start_date
        else action.title,
        target=action,
        barrier=objective.barrier,
    )
    return action


def set_action_status(user, action: Action, status, because: str | None = None) -> None:
    """Mark an action's progress (`because`: why, when another service moved it)."""
    action.status = status
    history.record(
        user,
        action.objective.barrier.notebook,
        "action",
        f"Action {status.label.lower()}",
        summary=f"Action « {action.title} » : {status.label.lower()}"
        + (f" ({because})" if because else ""),
        target=action,
        barrier=action.objective.barrier,
    )
