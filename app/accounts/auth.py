"""Flask-Login wiring. The login-session id is "<user id>:<session token>" so that renewing the
token (logout, password change) ends every session of the user at once."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import Membership, User
from app.extensions import db, login_manager
from app.tenancy.models import Territory

login_manager.login_view = "accounts.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str):
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    # One statement: the user, their memberships, each membership's territory (with its service
    # switches, read by every territorial page) and structure. Selectin loads here cost more CPU
    # than the query itself, on every request.
    user = (
        db.session.execute(
            select(User)
            .where(User.id == int(user_id))
            .options(
                joinedload(User.memberships)
                .joinedload(Membership.territory)
                .joinedload(Territory.services)
            )
        )
        .unique()
        .scalar_one_or_none()
    )
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user
