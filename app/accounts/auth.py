"""Flask-Login wiring. The login-session id is "<user id>:<session token>" so that renewing the
token (logout, password change) ends every session of the user at once."""

from collections.abc import Callable

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import joinedload

from app.accounts.models import Membership, User
from app.extensions import db, login_manager
from app.tenancy.models import Territory

login_manager.login_view = "accounts.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


# Facts about the user that pages read on every request (is REVA in their header? is DORA's
# monthly question due?), registered by the services and read in the statement that loads the
# user: a column each rather than a statement each. As at the start of the request, and about
# the person whatever the territory of the page (the statement reads across territories, so a
# fact does not depend on whether a territory was bound when the user was loaded).
_facts: dict[str, Callable[[], ColumnElement]] = {}


def user_fact(name: str, build: Callable[[], ColumnElement]) -> None:
    """Register `build()`, a scalar SQL expression on `User` (a correlated subquery), read with
    the logged-in user as `fact(user, name, …)`. Built once per process: nothing of a request
    (a date, a territory) may be captured in it."""
    _facts[name] = build


def fact(user, name: str, compute: Callable[[], object]):
    """The fact `name` about `user` as loaded with them for this request, or `compute()` for a
    user loaded otherwise."""
    facts = getattr(user, "_request_facts", None)
    if facts is not None and name in facts:
        return facts[name]
    return compute()


@login_manager.user_loader
def load_user(session_id: str):
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    names, statement = _user_statement()
    row = db.session.execute(statement, {"user_id": int(user_id)}).unique().one_or_none()
    if row is None:
        return None
    user = row[0]
    if not user.is_active or user.session_token != token:
        return None
    user._request_facts = dict(zip(names, row[1:], strict=True))
    return user


_statement: tuple[list[str], object] | None = None


def _user_statement():
    """One statement: the user, their memberships, each membership's territory (with its service
    switches, read by every territorial page) and structure, and the registered facts. Built
    once per process (the facts are registered at import): SQLAlchemy then reuses its cache key
    instead of walking a new statement on every request. Selectin loads here cost more CPU than
    the query itself, on every request."""
    global _statement
    if _statement is None or _statement[0] != list(_facts):
        names = list(_facts)
        statement = (
            select(User, *[_facts[name]().label(name.replace(".", "_")) for name in names])
            .where(User.id == bindparam("user_id"))
            .options(
                joinedload(User.memberships)
                .joinedload(Membership.territory)
                .joinedload(Territory.services)
            )
            .execution_options(all_territories=True)
        )
        _statement = (names, statement)
    return _statement
