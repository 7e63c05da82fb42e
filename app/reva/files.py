"""The dematerialised feasibility file: competence assessments and attachments. Flush, no commit."""

from __future__ import annotations

from app.core import audit, uploads
from app.extensions import db
from app.reva.candidacies import touch
from app.reva.models import Attachment, Candidacy, CompetenceAssessment, Mastery

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# The type is decided from the content, never from the name or the browser's claim.
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}


class AttachmentRefusedError(ValueError):
    pass


def save_assessments(candidacy: Candidacy, user, marks: dict[int, tuple[Mastery, str]]) -> None:
    """Record, per competence of the certification, acquired / partly / not yet, with a comment."""
    existing = {
        a.competence_id: a
        for a in db.session.scalars(
            db.select(CompetenceAssessment).where(CompetenceAssessment.candidacy_id == candidacy.id)
        )
    }
    for competence_id, (mastery, comment) in marks.items():
        row = existing.get(competence_id)
        if row is None:
            row = CompetenceAssessment(candidacy_id=candidacy.id, competence_id=competence_id)
            db.session.add(row)
        row.mastery = mastery
        row.comment = comment.strip()
    touch(candidacy)
    db.session.flush()
    audit.record(user, "reva_file_updated", "reva_candidacy", candidacy.id, "évaluation")


def add_attachment(candidacy: Candidacy, user, filename: str, data: bytes) -> Attachment:
    """Attach a PDF, JPEG or PNG of at most 10 MB, its type checked from its content."""
    if not data:
        raise AttachmentRefusedError("Le fichier est vide.")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRefusedError("Le fichier dépasse 10 Mo.")
    kind = uploads.kind_of(data)
    if kind == "markup":
        raise AttachmentRefusedError(uploads.MARKUP_REFUSAL)
    if kind not in CONTENT_TYPES:
        raise AttachmentRefusedError("Seuls les fichiers PDF, JPEG et PNG sont acceptés.")
    attachment = Attachment(
        candidacy_id=candidacy.id,
        filename=uploads.safe_filename(filename, kind),
        content_type=CONTENT_TYPES[kind],
        size=len(data),
        data=data,
        uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    touch(candidacy)
    db.session.flush()
    audit.record(
        user, "reva_attachment_added", "reva_candidacy", candidacy.id, "pièce jointe ajoutée"
    )
    return attachment
