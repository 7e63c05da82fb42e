"""Flask-Login wiring. The login-session id is "<user id>:<session token>" so that renewing the
token (logout, password change) ends every session of the user at once."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.extensions import db, login_manager

login_manager.login_view = "accounts.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str):
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.scalar(
        select(User).where(User.id == int(user_id)).options(selectinload(User.memberships))
    )
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user
