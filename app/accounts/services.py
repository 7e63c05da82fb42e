"""Accounts: authentication, magic links, invitations. No request here."""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import lazyload
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts import signals
from app.accounts.models import Invitation, LoginToken, Membership, User, hash_token, new_token
from app.accounts.roles import Role
from app.core import audit, mail
from app.core.models import utcnow
from app.core.urls import external_url
from app.extensions import db

# Checked when the email is unknown, so that both paths cost one scrypt computation.
_DUMMY_HASH = generate_password_hash(new_token(), method="scrypt")


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same work either way: one
    query, one scrypt computation; memberships are loaded only once the password matched)."""
    user = db.session.scalar(
        select(User).where(User.email == normalize_email(email)).options(lazyload(User.memberships))
    )
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def record_login(user: User, method: str) -> None:
    user.last_login_at = utcnow()
    audit.record(user, "login", "user", user.id, method)


def user_by_proconnect_sub(sub: str) -> User | None:
    """The account already linked to this ProConnect subject."""
    return db.session.scalar(select(User).where(User.proconnect_sub == sub))


def is_professional(user: User) -> bool:
    """ProConnect identifies professionals: an account may use it only while it holds a role
    other than « personne accompagnée » (a person's notebook opens with an emailed link only)."""
    return bool(user.all_roles() - {Role.BENEFICIARY})


def proconnect_link_candidate(email: str) -> User | None:
    """The active professional account a first ProConnect login with this (asserted) email may
    be linked to, once its owner confirms: one not linked to any subject yet."""
    user = user_by_email(email)
    if user is None or not user.is_active or user.proconnect_sub is not None:
        return None
    return user if is_professional(user) else None


def link_proconnect(user: User, sub: str) -> None:
    """Link the account to a ProConnect subject (its owner confirmed): later logins find it by
    the subject, whatever email the provider then sends."""
    user.proconnect_sub = sub
    audit.record(user, "proconnect_linked", "user", user.id)
    db.session.flush()


def send_login_link(email: str, next_url: str = "") -> None:
    """Mail a single-use 15-minute login link if an active account has this email.

    Says nothing either way to the caller: the answer must not reveal whether the email exists.
    """
    user = user_by_email(email)
    if user is None or not user.is_active:
        return
    token = new_token()
    db.session.add(
        LoginToken(
            user=user,
            token_hash=hash_token(token),
            expires_at=utcnow() + current_app.config["MAGIC_LINK_TTL"],
        )
    )
    link = external_url("accounts.magic_link", token=token, next=next_url or None)
    # Sent once the response has left: the answer takes the same time for known and unknown
    # addresses.
    mail.queue(
        user.email,
        "Votre lien de connexion au portail SPIE",
        render_template("accounts/mail/magic_link.txt", user=user, link=link),
        after_response=True,
    )


def pending_login_token(token: str) -> LoginToken | None:
    row = db.session.scalar(select(LoginToken).where(LoginToken.token_hash == hash_token(token)))
    return row if row is not None and row.is_usable else None


def consume_login_token(token: str) -> User | None:
    """The user of a usable token, marking it used; None if unknown, used or expired."""
    row = pending_login_token(token)
    if row is None or not row.user.is_active:
        return None
    row.used_at = utcnow()
    return row.user


def change_password(user: User, password: str) -> None:
    """Set a new password; every session opened before ends (`User.set_password`)."""
    user.set_password(password)
    audit.record(user, "password_changed", "user", user.id)
    db.session.flush()


def logout(user: User) -> None:
    """End every session of the user (the session id embeds this token)."""
    user.end_all_sessions()


def invite(
    inviter: User,
    territory,
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: Role,
    phone: str | None = None,
    structure=None,
) -> Invitation:
    """Invite the person with `email` into `territory` with `role` (creating their account if
    needed) and queue the mail of a link valid INVITATION_TTL. The role is given only when the
    invitation is accepted; a new invitation to the same address there replaces the pending one."""
    user = user_by_email(email)
    if user is None:
        user = User(
            email=normalize_email(email), first_name=first_name, last_name=last_name, phone=phone
        )
        db.session.add(user)
    for previous in db.session.scalars(
        select(Invitation).where(
            Invitation.email == user.email,
            Invitation.territory_id == territory.id,
            Invitation.accepted_at.is_(None),
        )
    ):
        db.session.delete(previous)
    token = new_token()
    invitation = Invitation(
        email=user.email,
        role=role,
        structure_id=structure.id if structure else None,
        user=user,
        invited_by=inviter,
        territory_id=territory.id,
        token_hash=hash_token(token),
        expires_at=utcnow() + current_app.config["INVITATION_TTL"],
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(inviter, "invited", "invitation", invitation.id, role.value)
    mail.queue(
        user.email,
        f"Invitation au portail SPIE — {territory.name}",
        render_template(
            "accounts/mail/invitation.txt",
            user=user,
            inviter=inviter,
            territory=territory,
            role=role,
            link=external_url("accounts.invitation", token=token),
        ),
    )
    return invitation


def add_membership(user: User, territory, role: Role, structure=None) -> Membership:
    """Give a role (idempotent)."""
    structure_id = structure.id if structure else None
    for membership in user.memberships:
        if (membership.territory_id, membership.role, membership.structure_id) == (
            territory.id if territory else None,
            role,
            structure_id,
        ):
            return membership
    membership = Membership(
        role=role, territory_id=territory.id if territory else None, structure_id=structure_id
    )
    user.memberships.append(membership)
    signals.role_given.send(membership)
    return membership


def grant(user: User, territory, role: Role, structure=None) -> Membership:
    """Give a role (idempotent)."""
    return add_membership(user, territory, role, structure)


def pending_invitation(token: str) -> Invitation | None:
    row = db.session.scalar(
        select(Invitation)
        .where(Invitation.token_hash == hash_token(token))
        .execution_options(all_territories=True)
    )
    return row if row is not None and row.is_usable else None


def accept_invitation(invitation: Invitation, password: str | None) -> User:
    """The role becomes active now; every other session of the account ends."""
    invitation.accepted_at = utcnow()
    user = invitation.user
    add_membership(user, invitation.territory, invitation.role, invitation.structure)
    if password:
        user.set_password(password)
    user.end_all_sessions()
    audit.record(user, "accepted", "invitation", invitation.id, invitation.role.value)
    return user


def remove_role(user: User, territory, role: Role) -> None:
    """Take `role` in `territory` away from the user, with their pending invitations to it; an
    account left with no role at all is erased (`erase_account`). Flushes nothing."""
    territory_id = territory.id if territory is not None else None
    for membership in list(user.memberships):
        if membership.role == role and membership.territory_id == territory_id:
            user.memberships.remove(membership)
    for invitation in _invitations_of(user):
        if invitation.role == role and invitation.territory_id == territory_id:
            db.session.delete(invitation)
    if not user.memberships:
        erase_account(user)


def _invitations_of(user: User) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where((Invitation.user_id == user.id) | (Invitation.email == user.email))
            .execution_options(all_territories=True)
        )
    )


def erase_account(user: User) -> None:
    """Erase what an account says about its person: email, names, phone, password, sessions,
    invitations, login links and mail to them. The row stays as an inactive shell, so that the
    audit log keeps who did what by id, and never again names them."""
    for invitation in _invitations_of(user):
        db.session.delete(invitation)
    for token in db.session.scalars(select(LoginToken).where(LoginToken.user_id == user.id)):
        db.session.delete(token)
    mail.forget(user.email)
    user.memberships.clear()
    user.email = f"compte-efface-{user.id}@invalid"  # .invalid: never an address (RFC 2606)
    user.first_name, user.last_name = "Personne", "effacée"
    user.phone = None
    user.password_hash = None
    user.proconnect_sub = None
    user.last_login_at = None
    user.is_active = False
    user.end_all_sessions()
    audit.record(None, "erased", "user", user.id)


def territory_members(territory) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(Membership.user)
            .where(Membership.territory_id == territory.id)
            .order_by(User.last_name, User.first_name)
        )
    )


def pending_invitations() -> list[Invitation]:
    """Invitations of the bound territory not yet accepted."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.accepted_at.is_(None))
            .order_by(Invitation.created_at.desc())
        )
    )
