"""Users, their memberships (role × territory × structure), login tokens and invitations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.roles import Role
from app.core.models import NEVER_REUSED, TimestampMixin, UTCDateTime, utcnow
from app.core.scoping import TerritoryScoped
from app.extensions import db


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class User(TimestampMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (NEVER_REUSED,)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (lower case, trimmed): uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of the login-session id: renewing it ends every session of this user.
    session_token: Mapped[str] = mapped_column(String(64), default=new_token)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The ProConnect subject (`sub`) this account is linked to, once its owner confirmed the link.
    proconnect_sub: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)

    # Loaded with the logged-in user (`auth.load_user`); other users (supporters, authors named
    # on a page) load theirs only when asked, so that a page naming them stays one query.
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def set_password(self, password: str) -> None:
        """A new password ends every session opened with the old one."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.end_all_sessions()

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def end_all_sessions(self) -> None:
        self.session_token = new_token()

    # Memberships
    def is_member_of(self, territory) -> bool:
        return any(m.territory_id == territory.id for m in self.memberships)

    def roles_in(self, territory) -> frozenset[Role]:
        return frozenset(m.role for m in self.memberships if m.territory_id == territory.id)

    def national_roles(self) -> frozenset[Role]:
        return frozenset(m.role for m in self.memberships if m.territory_id is None)

    def all_roles(self) -> frozenset[Role]:
        return frozenset(m.role for m in self.memberships)

    def has_role(self, role: Role, territory=None) -> bool:
        if territory is None:
            return role in self.national_roles()
        return role in self.roles_in(territory)

    @property
    def territories(self):
        seen = {}
        for m in self.memberships:
            if m.territory is not None:
                seen[m.territory.id] = m.territory
        return sorted(seen.values(), key=lambda t: t.name)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(TimestampMixin, db.Model):
    """A role held by a user, in one territory or nationally (territory_id null)."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "territory_id", "role", "structure_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=30, values_callable=lambda e: [r.value for r in e])
    )
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))

    user: Mapped[User] = relationship(back_populates="memberships")
    territory = relationship("Territory", lazy="joined")
    structure = relationship("Structure", lazy="joined")


class LoginToken(TimestampMixin, db.Model):
    """A single-use magic-link token; only its hash is stored."""

    __tablename__ = "login_token"
    __table_args__ = (NEVER_REUSED,)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > utcnow()


class Invitation(TerritoryScoped, TimestampMixin, db.Model):
    """A coordinator's invitation of someone into their territory, with a role."""

    __tablename__ = "invitation"
    __table_args__ = (
        Index("ix_invitation_territory_id_accepted_at", "territory_id", "accepted_at"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=30, values_callable=lambda e: [r.value for r in e])
    )
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    territory = relationship("Territory")
    structure = relationship("Structure")

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > utcnow()
