"""Accounts for the loaders: users (and their national or territorial memberships) gathered as
rows, with explicit ids, then inserted in bulk."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select

PASSWORD = "bench-password-1"  # noqa: S105 (fictional accounts of a throwaway database)
BATCH = 5000


def insert_rows(model, rows: list[dict]) -> None:
    from app.extensions import db

    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start : start + BATCH])


class People:
    """`add(email, first, last, role=None, territory_id=None) -> id`, then `insert()`."""

    def __init__(self):
        from werkzeug.security import generate_password_hash

        from app.accounts.models import User
        from app.extensions import db

        self.now = datetime.now(UTC)
        self.next_id = db.session.scalar(select(func.coalesce(func.max(User.id), 0))) + 1
        self.users: list[dict] = []
        self.memberships: list[dict] = []
        # One hash for every account: scrypt costs ~50 ms each.
        self.password_hash = generate_password_hash(PASSWORD, method="scrypt")

    def add(self, email, first_name, last_name, role=None, territory_id=None) -> int:
        user_id = self.next_id
        self.next_id += 1
        self.users.append(
            {
                "id": user_id,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "password_hash": self.password_hash,
                "is_active": True,
                "session_token": f"bench{user_id}",
                "created_at": self.now,
            }
        )
        if role is not None:
            self.memberships.append(
                {
                    "user_id": user_id,
                    "territory_id": territory_id,
                    "role": role.value,
                    "created_at": self.now,
                }
            )
        return user_id

    def insert(self) -> None:
        from app.accounts.models import Membership, User

        insert_rows(User, self.users)
        insert_rows(Membership, self.memberships)
