"""Every read of REVA, each named after the rule it applies. Lists select what they show."""

from __future__ import annotations

import functools
from typing import NamedTuple

from sqlalchemy import Integer, Select, and_, bindparam, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts import auth
from app.accounts.models import User
from app.accounts.roles import Role
from app.core import paging
from app.extensions import db
from app.reva.models import (
    Attachment,
    BadgeAssertion,
    Candidacy,
    CandidacyEvent,
    Certification,
    CertifierPerimeter,
    Competence,
    CompetenceAssessment,
    CompetenceBlock,
    Organism,
    OrganismDepartment,
    OrganismMember,
    ShareLink,
    Skill,
    Status,
)

# The catalogue


def certifications_matching(text: str = "", level: int | None = None) -> Select:
    """Active certifications whose code, label or keywords contain `text`, at `level` if given."""
    query = select(Certification).where(Certification.is_active.is_(True))
    for word in (text or "").split():
        pattern = f"%{word.lower()}%"
        query = query.where(
            or_(
                func.lower(Certification.label).like(pattern),
                func.lower(Certification.rncp_code).like(pattern),
                func.lower(Certification.keywords).like(pattern),
            )
        )
    if level:
        query = query.where(Certification.level == level)
    return query.order_by(Certification.level, Certification.label)


def certification_with_blocks(certification_id: int) -> Certification | None:
    return db.session.scalar(
        select(Certification)
        .where(Certification.id == certification_id)
        .options(selectinload(Certification.blocks).selectinload(CompetenceBlock.competences))
    )


class CompetenceRow(NamedTuple):
    id: int
    label: str


class BlockRow(NamedTuple):
    """A competence block as the candidacy page shows it, with its competences in order."""

    id: int
    code: str
    label: str
    competences: list[CompetenceRow]


def blocks_of(certification_id: int) -> list[BlockRow]:
    """A certification's blocks in order, each with its competences in order: one query of the
    columns shown, no objects hydrated."""
    blocks: dict[int, BlockRow] = {}
    rows = db.session.execute(_blocks_statement(), {"certification_id": certification_id})
    for block_id, code, label, competence_id, competence_label in rows:
        block = blocks.get(block_id)
        if block is None:
            block = blocks[block_id] = BlockRow(block_id, code, label, [])
        if competence_id is not None:
            block.competences.append(CompetenceRow(competence_id, competence_label))
    return list(blocks.values())


@functools.cache
def _blocks_statement():
    """Built once: every candidacy page asks it."""
    return (
        select(
            CompetenceBlock.id,
            CompetenceBlock.code,
            CompetenceBlock.label,
            Competence.id.label("competence_id"),
            Competence.label.label("competence_label"),
        )
        .outerjoin(Competence, Competence.block_id == CompetenceBlock.id)
        .where(CompetenceBlock.certification_id == bindparam("certification_id", type_=Integer))
        .order_by(CompetenceBlock.position, CompetenceBlock.id, Competence.position, Competence.id)
    )


def certification_by_code(rncp_code: str) -> Certification | None:
    return db.session.scalar(select(Certification).where(Certification.rncp_code == rncp_code))


def organisms_serving(department: str) -> list[Organism]:
    """Organisms that support candidates of `department`."""
    return list(
        db.session.scalars(
            select(Organism)
            .join(OrganismDepartment)
            .where(OrganismDepartment.department == department)
            .order_by(Organism.name)
        )
    )


def organism_serving(organism_id: int, department: str) -> Organism | None:
    return db.session.scalar(
        select(Organism)
        .join(OrganismDepartment)
        .where(Organism.id == organism_id, OrganismDepartment.department == department)
    )


# Who someone is for REVA


def organism_of(user) -> Organism | None:
    """The organism an accompagnateur works for."""
    return db.session.scalar(
        select(Organism).join(OrganismMember).where(OrganismMember.user_id == user.id)
    )


def is_organism_member(user, organism_id: int) -> bool:
    return (
        db.session.scalar(
            select(OrganismMember.user_id).where(
                OrganismMember.user_id == user.id, OrganismMember.organism_id == organism_id
            )
        )
        is not None
    )


def perimeters_of(user) -> list[CertifierPerimeter]:
    return list(
        db.session.scalars(select(CertifierPerimeter).where(CertifierPerimeter.user_id == user.id))
    )


def organism_member_emails(organism_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(User.email)
            .join(OrganismMember, OrganismMember.user_id == User.id)
            .where(OrganismMember.organism_id == organism_id, User.is_active.is_(True))
        )
    )


def certifier_emails_for(candidacy: Candidacy) -> list[str]:
    """Certifiers deciding for this candidacy's certification in its department."""
    return list(
        db.session.scalars(
            select(User.email)
            .join(CertifierPerimeter, CertifierPerimeter.user_id == User.id)
            .where(
                CertifierPerimeter.authority_id == candidacy.certification.authority_id,
                CertifierPerimeter.department == candidacy.department,
                User.is_active.is_(True),
            )
        )
    )


# Candidacies, by perimeter


def _in_certifier_perimeter(user_id: int):
    return exists().where(
        CertifierPerimeter.user_id == user_id,
        CertifierPerimeter.authority_id == Certification.authority_id,
        CertifierPerimeter.department == Candidacy.department,
    )


def _of_organism_member(user_id: int):
    # An accompagnateur works for one organism (the membership's key is the user): an equality,
    # which leads the plan through the (organism, status) index whatever the statistics say.
    return (
        Candidacy.organism_id
        == select(OrganismMember.organism_id)
        .where(OrganismMember.user_id == user_id)
        .scalar_subquery()
    )


def candidacies_visible_to(user) -> Select:
    """A candidate's own candidacies; an accompagnateur's organism's; a certifier's certifications
    in their departments; every candidacy for a national administrator. Projects are the
    candidate's alone until submitted."""
    if Role.ADMIN in user.national_roles():
        return select(Candidacy).join(Certification, Candidacy.certification)
    national = user.national_roles()
    staff = []
    if Role.REVA_ACCOMPAGNATEUR in national:
        staff.append(_of_organism_member(user.id))
    if Role.CERTIFIER in national:
        staff.append(_in_certifier_perimeter(user.id))
    staff_rule = and_(Candidacy.status != Status.PROJECT, or_(*staff)) if staff else false()
    return (
        select(Candidacy)
        .join(Certification, Candidacy.certification)
        .where(or_(Candidacy.candidate_id == user.id, staff_rule))
    )


def candidacy_visible_to(user, public_id: str) -> Candidacy | None:
    return db.session.scalar(candidacies_visible_to(user).where(Candidacy.public_id == public_id))


def candidacies_of_candidate(user) -> list[Candidacy]:
    return list(
        db.session.scalars(
            select(Candidacy)
            .where(Candidacy.candidate_id == user.id)
            .order_by(Candidacy.created_at.desc())
        )
    )


def candidacies_of_organism(user, statuses=None) -> Select:
    """The accompagnateur's queue: submitted candidacies of their organism, oldest change first."""
    query = (
        select(Candidacy)
        .join(Certification, Candidacy.certification)
        .where(_of_organism_member(user.id), Candidacy.status != Status.PROJECT)
    )
    if statuses:
        query = query.where(Candidacy.status.in_(statuses))
    return query.order_by(Candidacy.status_changed_at)


def candidacies_of_certifier(user, statuses=None) -> Select:
    """The certifier's queue: candidacies of their authority's certifications in their departments."""
    # A join rather than `_in_certifier_perimeter`: the perimeter (unique per authority and
    # department, so no candidacy twice) leads the plan through the certification and the
    # (certification, department) index instead of testing every candidacy.
    query = (
        select(Candidacy)
        .join(Certification, Candidacy.certification)
        .join(
            CertifierPerimeter,
            and_(
                CertifierPerimeter.user_id == user.id,
                CertifierPerimeter.authority_id == Certification.authority_id,
                CertifierPerimeter.department == Candidacy.department,
            ),
        )
        .where(Candidacy.status != Status.PROJECT)
    )
    if statuses:
        query = query.where(Candidacy.status.in_(statuses))
    return query.order_by(Candidacy.status_changed_at)


def count_by_status(query: Select) -> dict[Status, int]:
    sub = query.with_only_columns(Candidacy.status).order_by(None).subquery()
    rows = db.session.execute(select(sub.c.status, func.count()).group_by(sub.c.status))
    return {Status(status): n for status, n in rows}


def events_of(candidacy: Candidacy) -> list[CandidacyEvent]:
    return list(
        db.session.scalars(
            select(CandidacyEvent)
            .where(CandidacyEvent.candidacy_id == candidacy.id)
            .order_by(CandidacyEvent.id)
        )
    )


def latest_event(candidacy: Candidacy, status: Status) -> CandidacyEvent | None:
    return db.session.scalar(
        select(CandidacyEvent)
        .where(CandidacyEvent.candidacy_id == candidacy.id, CandidacyEvent.to_status == status)
        .order_by(CandidacyEvent.id.desc())
        .limit(1)
    )


def inactivity_candidates(
    project_before, idle_before, idle_after_admissibility_before, pending_before
):
    """Projects created before `project_before`; candidacies idle since the limits of their
    stage; inactive-pending ones waiting since `pending_before` (the scheduled job's input)."""
    from app.reva.candidacies import AFTER_ADMISSIBILITY, BEFORE_ADMISSIBILITY

    return list(
        db.session.scalars(
            select(Candidacy)
            .where(
                or_(
                    and_(Candidacy.status == Status.PROJECT, Candidacy.created_at < project_before),
                    and_(
                        Candidacy.status.in_(BEFORE_ADMISSIBILITY),
                        Candidacy.last_activity_at < idle_before,
                    ),
                    and_(
                        Candidacy.status.in_(AFTER_ADMISSIBILITY),
                        Candidacy.last_activity_at < idle_after_admissibility_before,
                    ),
                    and_(
                        Candidacy.status == Status.INACTIVE_PENDING,
                        Candidacy.status_changed_at < pending_before,
                    ),
                )
            )
            .order_by(Candidacy.id)
        )
    )


# The VAE file


def assessments_of(candidacy: Candidacy) -> dict[int, CompetenceAssessment]:
    rows = db.session.scalars(
        select(CompetenceAssessment).where(CompetenceAssessment.candidacy_id == candidacy.id)
    )
    return {row.competence_id: row for row in rows}


def attachments_of(candidacy: Candidacy) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.candidacy_id == candidacy.id)
            .order_by(Attachment.id)
        )
    )


def attachment_of(candidacy: Candidacy, public_id: str) -> Attachment | None:
    return db.session.scalar(
        select(Attachment).where(
            Attachment.candidacy_id == candidacy.id, Attachment.public_id == public_id
        )
    )


def skills_of(candidacy: Candidacy) -> list[Skill]:
    return list(
        db.session.scalars(
            select(Skill)
            .where(Skill.candidacy_id == candidacy.id)
            .options(selectinload(Skill.assertion), selectinload(Skill.competence))
            .order_by(Skill.id)
        )
    )


def skill_of(candidacy: Candidacy, skill_id: int) -> Skill | None:
    return db.session.scalar(
        select(Skill).where(Skill.candidacy_id == candidacy.id, Skill.id == skill_id)
    )


def block_badges_of(candidacy: Candidacy) -> list:
    """The badges of the blocks a jury validated: their public id and their block's code and
    label, in one query."""
    return db.session.execute(
        select(BadgeAssertion.public_id, CompetenceBlock.code, CompetenceBlock.label)
        .join(CompetenceBlock, CompetenceBlock.id == BadgeAssertion.block_id)
        .where(BadgeAssertion.candidacy_id == candidacy.id)
        .order_by(CompetenceBlock.position, BadgeAssertion.id)
    ).all()


def assertion_by_public_id(public_id: str) -> BadgeAssertion | None:
    return db.session.scalar(select(BadgeAssertion).where(BadgeAssertion.public_id == public_id))


def share_links_of(candidacy: Candidacy) -> list[ShareLink]:
    return list(
        db.session.scalars(
            select(ShareLink)
            .where(ShareLink.candidacy_id == candidacy.id)
            .options(selectinload(ShareLink.skills))
            .order_by(ShareLink.id.desc())
        )
    )


def share_link_by_token(token: str) -> ShareLink | None:
    return db.session.scalar(
        select(ShareLink)
        .where(ShareLink.token == token)
        .options(selectinload(ShareLink.skills).selectinload(Skill.assertion))
    )


def page_of(query: Select, page: int, size: int) -> tuple[list, int, int]:
    """One page of `query`'s rows, the total count and the page shown (the last one if `page`
    lies beyond it): two queries whatever the page."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = paging.within(page, total, size)
    items = list(db.session.scalars(query.limit(size).offset(paging.offset(page, size))))
    return items, total, page


def queue_page(query: Select, page: int, size: int, total: int) -> tuple[list, int]:
    """One page of a queue (`query` selects candidacies joined to their certification, in
    order, `total` of them) as the columns the queue shows — the candidate's name, the
    certification, the department, the status and since when — and the page shown (the last
    one if `page` lies beyond it): one query, no objects hydrated."""
    page = paging.within(page, total, size)
    rows = db.session.execute(
        query.with_only_columns(
            Candidacy.public_id,
            User.first_name,
            User.last_name,
            Certification.label.label("certification_label"),
            Candidacy.department,
            Candidacy.status,
            Candidacy.status_changed_at,
        )
        .join(User, User.id == Candidacy.candidate_id)
        .order_by(Candidacy.id)  # after the queue's own order: ties must not move across pages
        .limit(size)
        .offset(paging.offset(page, size))
    ).all()
    return rows, page


# "What needs me now" (the spaces registry's cards)


def has_candidacy(user) -> bool:
    """Read with the logged-in user (`reva.has_candidacy`, registered in `app.reva`)."""
    return bool(
        auth.fact(
            user,
            "reva.has_candidacy",
            lambda: (
                db.session.scalar(
                    select(Candidacy.id).where(Candidacy.candidate_id == user.id).limit(1)
                )
                is not None
            ),
        )
    )


def candidacy_exists():
    """The logged-in user's fact: they are the candidate of a candidacy."""
    return exists().where(Candidacy.candidate_id == User.id)


def space_cards(user) -> list:
    """A card per candidacy for a candidate; the queue awaiting them for staff."""
    from flask import url_for

    from app.core.spaces import Card
    from app.reva.candidacies import LATE_DECISION_DAYS, next_step, statuses_awaiting
    from app.reva.models import Actor

    cards = []
    for candidacy in candidacies_of_candidate(user):
        step = next_step(candidacy)
        text = candidacy.status.label
        if step is not None:
            text += " — prochaine étape : " + step[0].label.lower()
        cards.append(
            Card(
                title=candidacy.certification.label,
                url=url_for("reva.candidacy", public_id=candidacy.public_id),
                text=text,
            )
        )
    national = user.national_roles()
    if Role.REVA_ACCOMPAGNATEUR in national:
        count = _count(candidacies_of_organism(user, statuses_awaiting(Actor.ACCOMPAGNATEUR)))
        cards.append(
            Card(
                title="Candidatures de mon organisme à traiter",
                url=url_for("reva.organism_queue"),
                count=count,
            )
        )
    if Role.CERTIFIER in national:
        count = _count(candidacies_of_certifier(user, statuses_awaiting(Actor.CERTIFIER)))
        cards.append(
            Card(
                title="Candidatures qui attendent ma décision",
                url=url_for("reva.certifier_queue"),
                text=f"Au-delà de {LATE_DECISION_DAYS} jours, elles sont signalées en retard.",
                count=count,
            )
        )
    if Role.ADMIN in national:
        cards.append(Card(title="Indicateurs REVA", url=url_for("reva.admin_home")))
    return cards


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
