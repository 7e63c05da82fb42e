"""Skills recognised as they come: endorsement, Open Badges 2.0 assertions, share links.

Assertions use hosted verification: the Issuer, BadgeClass and Assertion JSON-LD documents are
served at their ids (`views/public.py`). The recipient is the candidate's email, hashed with
sha256 and a per-assertion salt. A revoked assertion answers 410 Gone. Functions flush, never
commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from flask import current_app

from app.core import audit
from app.core.models import utcnow
from app.core.urls import external_url as external
from app.extensions import db
from app.reva.models import (
    Actor,
    BadgeAssertion,
    Candidacy,
    Competence,
    CompetenceBlock,
    ShareLink,
    Skill,
)

CONTEXT = "https://w3id.org/openbadges/v2"
ISSUER_NAME = "REVA — France VAE"


def hash_recipient(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


# Writing skills and endorsing them


def add_skill(candidacy: Candidacy, user, title: str, description: str) -> Skill:
    """The candidate writes a skill into their VAE file (self-declared until endorsed)."""
    skill = Skill(
        candidacy_id=candidacy.id, title=title.strip(), description=(description or "").strip()
    )
    db.session.add(skill)
    db.session.flush()
    audit.record(user, "reva_skill_added", "reva_candidacy", candidacy.id, "compétence écrite")
    return skill


def _issue(candidacy: Candidacy, evidence: str, **target) -> BadgeAssertion:
    salt = secrets.token_hex(8)
    assertion = BadgeAssertion(
        candidacy_id=candidacy.id,
        recipient_salt=salt,
        recipient_hash=hash_recipient(candidacy.candidate.email, salt),
        evidence=evidence,
        issued_on=utcnow(),
        **target,
    )
    db.session.add(assertion)
    return assertion


def endorse_skill(
    candidacy: Candidacy, skill: Skill, competence: Competence, user, actor: Actor
) -> BadgeAssertion:
    """The accompagnateur or certifier links a skill to a competence of the candidacy's
    certification, which issues a competence badge (once per skill)."""
    if competence.block.certification_id != candidacy.certification_id:
        raise ValueError("Cette compétence n'appartient pas à la certification visée.")
    if skill.endorsed_at is not None:
        raise ValueError("Cette compétence a déjà été reconnue.")
    skill.competence_id = competence.id
    skill.endorsed_at = utcnow()
    skill.endorsed_by_id = user.id
    skill.endorsed_as = actor
    evidence = skill.title + (f" — {skill.description}" if skill.description else "")
    assertion = _issue(candidacy, evidence, skill_id=skill.id, competence_id=competence.id)
    db.session.flush()
    audit.record(user, "reva_skill_endorsed", "reva_candidacy", candidacy.id, "badge délivré")
    return assertion


def issue_block_badges(candidacy: Candidacy, blocks: list[CompetenceBlock]) -> None:
    """A partial validation: each validated block earns its badge, so the work is never lost."""
    for block in blocks:
        _issue(candidacy, f"Bloc validé par le jury : {block.label}", block_id=block.id)
    db.session.flush()


def revoke(assertion: BadgeAssertion, user, reason: str) -> None:
    """Withdraw a badge: its assertion then answers 410 Gone."""
    assertion.revoked_at = utcnow()
    assertion.revocation_reason = reason.strip() or "Badge retiré"
    audit.record(
        user, "reva_badge_revoked", "reva_candidacy", assertion.candidacy_id, "badge retiré"
    )


# Share links


def create_share_link(
    candidacy: Candidacy, user, label: str, skills: list[Skill], expires_on: date | None
) -> ShareLink:
    """The candidate shares the skills they chose, through a random, revocable link."""
    link = ShareLink(candidacy_id=candidacy.id, label=label.strip(), expires_on=expires_on)
    link.skills = list(skills)
    db.session.add(link)
    db.session.flush()
    audit.record(user, "reva_share_created", "reva_candidacy", candidacy.id, "lien de partage créé")
    return link


def revoke_share_link(link: ShareLink, user) -> None:
    link.revoked_at = link.revoked_at or utcnow()
    audit.record(
        user, "reva_share_revoked", "reva_candidacy", link.candidacy_id, "lien de partage désactivé"
    )


# The Open Badges 2.0 documents


def issuer_json() -> dict:
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": external("reva.issuer"),
        "name": ISSUER_NAME,
        "url": external("reva.home"),
        "email": current_app.config.get("REVA_ISSUER_EMAIL", "contact@vae.gouv.fr"),
    }


def _alignment(block: CompetenceBlock) -> list[dict]:
    certification = block.certification
    return [
        {
            "targetName": f"{certification.label} — {block.label}",
            "targetUrl": certification.rncp_url,
            "targetCode": block.code,
            "targetFramework": f"RNCP ({certification.rncp_code})",
            "targetDescription": f"Bloc de compétences {block.code} de {certification.rncp_code}",
        }
    ]


def competence_class_json(competence: Competence) -> dict:
    block = competence.block
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": external("reva.competence_class", competence_id=competence.id),
        "name": competence.label,
        "description": (
            f"Compétence du bloc « {block.label} » de la certification "
            f"{block.certification.label} ({block.certification.rncp_code}), reconnue par un "
            "accompagnateur ou un certificateur au cours d'une VAE."
        ),
        "image": external("static", filename="img/reva-badge.svg"),
        "criteria": {
            "narrative": "Compétence décrite par le ou la candidat·e dans son dossier de VAE et "
            "reconnue par son accompagnateur ou son certificateur."
        },
        "issuer": external("reva.issuer"),
        "alignment": _alignment(block),
        "tags": ["VAE", block.certification.rncp_code, block.code],
    }


def block_class_json(block: CompetenceBlock) -> dict:
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": external("reva.block_class", block_id=block.id),
        "name": block.label,
        "description": (
            f"Bloc de compétences {block.code} de la certification {block.certification.label} "
            f"({block.certification.rncp_code}), validé par un jury de VAE."
        ),
        "image": external("static", filename="img/reva-badge.svg"),
        "criteria": {"narrative": "Bloc validé par le jury de VAE de la certification."},
        "issuer": external("reva.issuer"),
        "alignment": _alignment(block),
        "tags": ["VAE", block.certification.rncp_code, block.code],
    }


def assertion_json(assertion: BadgeAssertion) -> dict:
    if assertion.block_id is not None:
        badge = external("reva.block_class", block_id=assertion.block_id)
    else:
        badge = external("reva.competence_class", competence_id=assertion.competence_id)
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": external("reva.assertion", public_id=assertion.public_id),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": assertion.recipient_salt,
            "identity": assertion.recipient_hash,
        },
        "badge": badge,
        "issuedOn": assertion.issued_on.isoformat(),
        "verification": {"type": "HostedBadge"},
        "evidence": [{"narrative": assertion.evidence}] if assertion.evidence else [],
    }


def revoked_json(assertion: BadgeAssertion) -> dict:
    return {
        "@context": CONTEXT,
        "id": external("reva.assertion", public_id=assertion.public_id),
        "revoked": True,
        "revocationReason": assertion.revocation_reason or "Badge retiré",
    }
