"""The candidacy workflow, declared once: states, allowed transitions and who may make each.

Pages, the certifier API and the commands all call `apply(...)`; no other code assigns a status.
Each transition writes one history row (`CandidacyEvent`) and one audit entry, and tells the
party whose turn comes next by mail. Functions here flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from flask import current_app

from app.accounts.models import User
from app.core import audit, mail
from app.core.models import utcnow
from app.core.urls import external_url as external
from app.extensions import db
from app.reva.models import Actor, Candidacy, CandidacyEvent, Experience, Status

A, C, R, N, S = Actor.ACCOMPAGNATEUR, Actor.CANDIDATE, Actor.CERTIFIER, Actor.ADMIN, Actor.SYSTEM


class Mode(Enum):
    ANY = "any"
    ACCOMPANIED = "accompanied"  # an organism supports the candidacy
    ALONE = "alone"  # the candidate goes without an organism


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # the button, in French
    sources: frozenset[Status]
    target: Status | None  # None: back to the state the candidacy left when it became inactive
    actors: frozenset[Actor]
    mode: Mode = Mode.ANY
    reason_required: bool = False
    forward: bool = True  # part of the normal path (drives "what is next, and from whom")

    @property
    def awaited(self) -> str:
        """The step awaited when this transition comes next, in words."""
        return AWAITED.get(self.name, self.label.lower())

    def allows(self, candidacy: Candidacy, actor: Actor) -> bool:
        if candidacy.status not in self.sources or actor not in self.actors:
            return False
        if self.mode is Mode.ACCOMPANIED:
            return not candidacy.is_alone
        if self.mode is Mode.ALONE:
            return candidacy.is_alone
        return True


# A certifier who has not answered a feasibility file within this many days is flagged.
LATE_DECISION_DAYS = 15

BEFORE_ADMISSIBILITY = frozenset(
    {
        Status.SUBMITTED,
        Status.TAKEN_IN_CHARGE,
        Status.PATH_SENT,
        Status.PATH_CONFIRMED,
        Status.FEASIBILITY_SENT,
        Status.FEASIBILITY_INCOMPLETE,
    }
)
AFTER_ADMISSIBILITY = frozenset({Status.ADMISSIBLE, Status.VALIDATION_SENT, Status.JURY_SCHEDULED})
# Open: the candidacy is still going somewhere.
ACTIVE = BEFORE_ADMISSIBILITY | AFTER_ADMISSIBILITY
OPEN = ACTIVE | {Status.PROJECT, Status.INACTIVE_PENDING}
CLOSED = frozenset(
    {
        Status.NOT_ADMISSIBLE,
        Status.FULL_VALIDATION,
        Status.PARTIAL_VALIDATION,
        Status.FAILURE,
        Status.DROPPED_OUT,
        Status.ARCHIVED,
        Status.INACTIVE_CONFIRMED,
    }
)


def _t(name, label, sources, target, actors, **kwargs) -> Transition:
    sources = frozenset({sources} if isinstance(sources, Status) else sources)
    return Transition(name, label, sources, target, frozenset(actors), **kwargs)


TRANSITIONS: tuple[Transition, ...] = (
    _t("submit", "Envoyer ma candidature", Status.PROJECT, Status.SUBMITTED, {C}),
    _t(
        "take_in_charge",
        "Prendre en charge",
        Status.SUBMITTED,
        Status.TAKEN_IN_CHARGE,
        {A},
        mode=Mode.ACCOMPANIED,
    ),
    _t(
        "send_path",
        "Envoyer le parcours",
        Status.TAKEN_IN_CHARGE,
        Status.PATH_SENT,
        {A},
        mode=Mode.ACCOMPANIED,
    ),
    _t(
        "confirm_path",
        "Confirmer mon parcours",
        Status.PATH_SENT,
        Status.PATH_CONFIRMED,
        {C},
        mode=Mode.ACCOMPANIED,
    ),
    _t(
        "confirm_path",
        "Confirmer mon parcours en autonomie",
        Status.SUBMITTED,
        Status.PATH_CONFIRMED,
        {C},
        mode=Mode.ALONE,
    ),
    _t(
        "send_feasibility",
        "Envoyer le dossier de faisabilité",
        {Status.PATH_CONFIRMED, Status.FEASIBILITY_INCOMPLETE},
        Status.FEASIBILITY_SENT,
        {A},
        mode=Mode.ACCOMPANIED,
    ),
    _t(
        "send_feasibility",
        "Envoyer le dossier de faisabilité",
        {Status.PATH_CONFIRMED, Status.FEASIBILITY_INCOMPLETE},
        Status.FEASIBILITY_SENT,
        {C},
        mode=Mode.ALONE,
    ),
    _t(
        "mark_incomplete",
        "Déclarer le dossier incomplet",
        Status.FEASIBILITY_SENT,
        Status.FEASIBILITY_INCOMPLETE,
        {R},
        reason_required=True,
        forward=False,
    ),
    _t("declare_admissible", "Déclarer recevable", Status.FEASIBILITY_SENT, Status.ADMISSIBLE, {R}),
    _t(
        "declare_not_admissible",
        "Déclarer non recevable",
        Status.FEASIBILITY_SENT,
        Status.NOT_ADMISSIBLE,
        {R},
        reason_required=True,
        forward=False,
    ),
    _t(
        "send_validation",
        "Envoyer le dossier de validation",
        Status.ADMISSIBLE,
        Status.VALIDATION_SENT,
        {C},
    ),
    _t(
        "send_validation",
        "Envoyer le dossier de validation (pour le candidat)",
        Status.ADMISSIBLE,
        Status.VALIDATION_SENT,
        {A},
        mode=Mode.ACCOMPANIED,
        forward=False,
    ),
    _t("schedule_jury", "Programmer le jury", Status.VALIDATION_SENT, Status.JURY_SCHEDULED, {R}),
    _t(
        "record_full_validation",
        "Validation totale",
        Status.JURY_SCHEDULED,
        Status.FULL_VALIDATION,
        {R},
    ),
    _t(
        "record_partial_validation",
        "Validation partielle",
        Status.JURY_SCHEDULED,
        Status.PARTIAL_VALIDATION,
        {R},
        forward=False,
    ),
    _t(
        "record_failure",
        "Non validation",
        Status.JURY_SCHEDULED,
        Status.FAILURE,
        {R},
        forward=False,
    ),
    _t("drop_out", "Abandonner ma candidature", OPEN, Status.DROPPED_OUT, {C}, forward=False),
    _t(
        "drop_out",
        "Déclarer l'abandon",
        OPEN,
        Status.DROPPED_OUT,
        {A},
        mode=Mode.ACCOMPANIED,
        reason_required=True,
        forward=False,
    ),
    _t("archive", "Archiver", OPEN, Status.ARCHIVED, {N}, forward=False),
    _t("delete_project", "Supprimer le projet", Status.PROJECT, Status.DELETED, {S}, forward=False),
    _t("mark_inactive", "Marquer inactive", ACTIVE, Status.INACTIVE_PENDING, {S}, forward=False),
    _t("confirm_activity", "Je poursuis ma VAE", Status.INACTIVE_PENDING, None, {C}, forward=False),
    _t(
        "confirm_inactive",
        "Confirmer l'inactivité",
        Status.INACTIVE_PENDING,
        Status.INACTIVE_CONFIRMED,
        {S},
        forward=False,
    ),
    _t("reopen", "Rouvrir", Status.INACTIVE_CONFIRMED, None, {N}, forward=False),
)
NAMES = frozenset(t.name for t in TRANSITIONS)
AWAITED = {
    "submit": "l'envoi de la candidature",
    "take_in_charge": "la prise en charge de la candidature",
    "send_path": "la proposition du parcours (heures d'accompagnement, formations)",
    "confirm_path": "la confirmation du parcours",
    "send_feasibility": "l'envoi du dossier de faisabilité",
    "declare_admissible": "la décision sur la recevabilité du dossier de faisabilité",
    "send_validation": "l'envoi du dossier de validation",
    "schedule_jury": "la programmation du jury",
    "record_full_validation": "le résultat du jury",
}


class TransitionRefusedError(Exception):
    """An illegal transition, or one missing its reason: the message is shown to the user."""


def find(candidacy: Candidacy, name: str, actor: Actor) -> Transition | None:
    """The declared transition `name` that `actor` may make from the candidacy's state, if any."""
    return next((t for t in TRANSITIONS if t.name == name and t.allows(candidacy, actor)), None)


def available(candidacy: Candidacy, actors: set[Actor] | frozenset[Actor]) -> list[Transition]:
    """Transitions one of `actors` may make now (what the page offers them)."""
    return [t for t in TRANSITIONS if any(t.allows(candidacy, a) for a in actors)]


def next_step(candidacy: Candidacy) -> tuple[Transition, Actor] | None:
    """What is expected next on the normal path, and from whom (None when closed)."""
    for transition in TRANSITIONS:
        if not transition.forward:
            continue
        for actor in (C, A, R):
            if transition.allows(candidacy, actor):
                return transition, actor
    return None


def statuses_awaiting(actor: Actor) -> frozenset[Status]:
    """States in which a forward move belongs to `actor` (their queue)."""
    return frozenset(s for t in TRANSITIONS if t.forward and actor in t.actors for s in t.sources)


def apply(
    candidacy: Candidacy,
    name: str,
    actor: Actor,
    user=None,
    comment: str = "",
    now: datetime | None = None,
    notify: bool = True,
) -> CandidacyEvent | None:
    """Make transition `name` as `actor` if the table allows it, record it, notify; refuse otherwise."""
    transition = find(candidacy, name, actor)
    comment = (comment or "").strip()
    if transition is None:
        raise TransitionRefusedError(refusal(candidacy, name))
    if transition.reason_required and not comment:
        raise TransitionRefusedError("Indiquez un motif : il est obligatoire pour cette décision.")
    now = now or utcnow()
    source = candidacy.status
    target = transition.target or candidacy.status_before_inactive or Status.SUBMITTED
    audit.record(user, f"reva_{name}", "reva_candidacy", candidacy.id, f"{source} → {target}")
    if target is Status.DELETED:
        db.session.delete(candidacy)
        db.session.flush()
        return None
    if target is Status.INACTIVE_PENDING:
        candidacy.status_before_inactive = source
    elif source in (Status.INACTIVE_PENDING, Status.INACTIVE_CONFIRMED) and target not in CLOSED:
        candidacy.status_before_inactive = None
    event = CandidacyEvent(
        candidacy=candidacy,
        at=now,
        transition=name,
        from_status=source,
        to_status=target,
        actor=actor,
        actor_user_id=getattr(user, "id", None),
        comment=comment,
    )
    candidacy.status = target
    candidacy.status_changed_at = now
    if actor is not S:
        candidacy.last_activity_at = now
    db.session.add(event)
    db.session.flush()
    if notify:
        _notify(candidacy, transition, event)
    return event


def refusal(candidacy: Candidacy, name: str) -> str:
    if name not in NAMES:
        return "Cette action n'existe pas."
    return (
        "Cette action n'est pas possible : la candidature est à l'étape "
        f"« {candidacy.status.label} »."
    )


def touch(candidacy: Candidacy) -> None:
    """Any party's work on the candidacy (file, skills) counts as activity for inactivity."""
    candidacy.last_activity_at = utcnow()


# Creating the candidacy (state "project")


def sign_up(email: str, first_name: str, last_name: str, next_url: str) -> None:
    """Create a candidate's account if the address is new, then mail a magic link either way
    (the answer never reveals whether the address was known). A candidate holds no role: their
    perimeter is their own candidacies."""
    from app.accounts import services as accounts

    if accounts.user_by_email(email) is None:
        db.session.add(
            User(
                email=accounts.normalize_email(email),
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
        )
        db.session.flush()
    accounts.send_login_link(email, next_url)


def start(
    candidate, certification, department: str, organism, goals: str, experiences: list[dict]
) -> Candidacy:
    """Open a candidacy in the state "project" for `candidate` (submitted later by them)."""
    candidacy = Candidacy(
        candidate=candidate,
        certification=certification,
        department=department,
        organism=organism,
        goals=goals.strip(),
        status=Status.PROJECT,
    )
    for experience in experiences:
        candidacy.experiences.append(Experience(**experience))
    db.session.add(candidacy)
    db.session.flush()
    audit.record(candidate, "reva_created", "reva_candidacy", candidacy.id)
    return candidacy


def set_path(candidacy: Candidacy, individual_hours: int, collective_hours: int, trainings: str):
    """The organism's proposed path: hours of support and trainings (before "send_path")."""
    candidacy.individual_hours = individual_hours
    candidacy.collective_hours = collective_hours
    candidacy.trainings = trainings.strip()


def set_jury(candidacy: Candidacy, jury_date, place: str) -> None:
    candidacy.jury_date = jury_date
    candidacy.jury_place = place.strip()


JURY_RESULTS = ("record_full_validation", "record_partial_validation", "record_failure")


def record_jury_result(
    candidacy: Candidacy,
    user,
    result: str,
    blocks: list,
    comment: str = "",
    now: datetime | None = None,
    notify: bool = True,
):
    """The certifier records the jury's result; a partial validation names the blocks validated
    and issues their badges, so that the work is never lost."""
    from app.reva import badges

    if result not in JURY_RESULTS:
        raise TransitionRefusedError(
            "Résultat inconnu : validation totale, partielle ou non validation."
        )
    if result == "record_partial_validation":
        if not blocks:
            raise TransitionRefusedError("Indiquez les blocs validés par le jury.")
        comment = (
            (comment.strip() + "\n" if comment.strip() else "")
            + "Blocs validés : "
            + (", ".join(b.code for b in blocks))
        )
    event = apply(candidacy, result, Actor.CERTIFIER, user, comment, now=now, notify=notify)
    if result == "record_partial_validation":
        badges.issue_block_badges(candidacy, blocks)
    return event


# Inactivity (the scheduled job: `flask reva inactivity`)

PROJECT_TTL = timedelta(days=60)  # "two months" unsubmitted
INACTIVE_BEFORE_ADMISSIBILITY = timedelta(days=60)
INACTIVE_AFTER_ADMISSIBILITY = timedelta(days=165)
INACTIVE_CONFIRMATION = timedelta(days=180)


def inactivity_due(now: datetime) -> list[tuple[Candidacy, str]]:
    """What the scheduled job would do now: (candidacy, transition) pairs."""
    from app.reva import queries

    due = []
    for candidacy in queries.inactivity_candidates(
        now - PROJECT_TTL,
        now - INACTIVE_BEFORE_ADMISSIBILITY,
        now - INACTIVE_AFTER_ADMISSIBILITY,
        now - INACTIVE_CONFIRMATION,
    ):
        if candidacy.status is Status.PROJECT:
            due.append((candidacy, "delete_project"))
        elif candidacy.status is Status.INACTIVE_PENDING:
            due.append((candidacy, "confirm_inactive"))
        else:
            due.append((candidacy, "mark_inactive"))
    return due


def sweep_inactivity(now: datetime | None = None, dry_run: bool = False) -> list[tuple[str, str]]:
    """Delete stale projects, mark idle candidacies inactive (the candidate is told), and confirm
    the inactivity of those still silent 180 days later. Returns (candidacy id, transition)."""
    now = now or utcnow()
    done = []
    for candidacy, name in inactivity_due(now):
        done.append((candidacy.public_id, name))
        if not dry_run:
            apply(candidacy, name, S, None, now=now)
    return done


def run_inactivity_job() -> str:
    """The daily job (`flask jobs run-due`): the same sweep as `flask reva inactivity`."""
    done = sweep_inactivity()
    return f"{len(done)} candidature(s) traitée(s)"


# Notifications: the party whose turn it is


def recipients(candidacy: Candidacy, actor: Actor) -> list[str]:
    """Addresses of `actor`'s side of this candidacy."""
    from app.reva import queries

    if actor is C:
        return [candidacy.candidate.email]
    if actor is A and candidacy.organism is not None:
        emails = queries.organism_member_emails(candidacy.organism_id)
        return emails or ([candidacy.organism.email] if candidacy.organism.email else [])
    if actor is R:
        return queries.certifier_emails_for(candidacy)
    return []


def _notify(candidacy: Candidacy, transition: Transition, event: CandidacyEvent) -> None:
    step = next_step(candidacy)
    parties = {C} if transition.target in (Status.INACTIVE_PENDING,) or step is None else set()
    if step is not None:
        parties.add(step[1])
    for party in parties:
        for address in recipients(candidacy, party):
            mail.queue(
                address,
                f"VAE — {candidacy.certification.label} : {candidacy.status.label}",
                # The Jinja environment directly: mail is also sent from commands, with no
                # request nor logged-in user for the context processors.
                current_app.jinja_env.get_template("reva/mail/transition.txt").render(
                    candidacy=candidacy,
                    event=event,
                    step=step,
                    party=party,
                    link=external("reva.candidacy", public_id=candidacy.public_id),
                ),
            )
