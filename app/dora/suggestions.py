""" "Je n'ai pas trouvé de solution" and "je connais une solution": from any search to the
coordinator's queue; an accepted known solution becomes a draft sheet of the chosen structure.
Each function states its rule, audits, flushes and never commits."""

from __future__ import annotations

from app.core import audit
from app.core.models import utcnow
from app.dora import questions, sheets
from app.dora.models import FeedbackKind, Provider, SearchFeedback, SuggestionStatus
from app.extensions import db


class Refused(Exception):  # noqa: N818 (a refusal shown to the user)
    pass


def report(user, kind: FeedbackKind, *, commune_code: str, theme: str, search=None, **fields):
    """Anyone searching reports a missing solution, or one they know, for a commune and theme
    (a known solution names at least a structure or a service)."""
    fields = {k: (v or "").strip() for k, v in fields.items()}
    if kind == FeedbackKind.KNOWN_SOLUTION and not (
        fields.get("structure_name") or fields.get("service_name")
    ):
        raise Refused("Indiquez au moins la structure ou le service que vous connaissez.")
    feedback = SearchFeedback(
        kind=kind,
        commune_code=commune_code,
        theme=theme,
        search_id=search.id if search is not None else None,
        author_id=getattr(user, "id", None),
        need=fields.get("need", ""),
        comment=fields.get("comment", ""),
        structure_name=fields.get("structure_name", ""),
        service_name=fields.get("service_name", ""),
        created_at=utcnow(),
    )
    db.session.add(feedback)
    db.session.flush()
    audit.record(user, "created", "dora_search_feedback", feedback.id, kind.label)
    return feedback


def accept(user, feedback: SearchFeedback, provider: Provider | None = None):
    """The coordinator takes a report into account; a known solution becomes a draft sheet of
    `provider` (its members complete and publish it)."""
    if feedback.status != SuggestionStatus.PENDING:
        raise Refused("Ce retour a déjà été traité.")
    if feedback.kind == FeedbackKind.KNOWN_SOLUTION:
        if provider is None:
            raise Refused("Choisissez la structure à qui ajouter la fiche.")
        thematiques = sorted(questions.theme_thematiques(feedback.theme))
        draft = sheets.create_service(
            user,
            provider,
            {
                "name": feedback.service_name or f"Service proposé — {feedback.structure_name}",
                "summary": feedback.comment[:280],
                "thematiques": thematiques[:1] if "--" in feedback.theme else thematiques,
                "zone": [feedback.commune_code],
            },
        )
        feedback.provider_id = provider.id
        feedback.draft_service_id = draft.id
    feedback.status = SuggestionStatus.ACCEPTED
    feedback.decided_at = utcnow()
    db.session.flush()
    audit.record(user, "accepted", "dora_search_feedback", feedback.id, feedback.kind.label)
    return feedback


def reject(user, feedback: SearchFeedback) -> None:
    """The coordinator sets a report aside."""
    if feedback.status != SuggestionStatus.PENDING:
        raise Refused("Ce retour a déjà été traité.")
    feedback.status = SuggestionStatus.REJECTED
    feedback.decided_at = utcnow()
    db.session.flush()
    audit.record(user, "rejected", "dora_search_feedback", feedback.id, feedback.kind.label)


def answer_time_saved(user, saved: bool | None):
    """A caseworker answers (or skips: None) "avez-vous gagné du temps ?"."""
    from app.dora.models import TimeSavedAnswer

    row = TimeSavedAnswer(user_id=user.id, saved_time=saved, at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row
