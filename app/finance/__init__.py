"""Finance of the funding agreement: convention, parties, start-ups, CHORUS references."""

from flask import Blueprint

from app.accounts.roles import FINANCE, Role
from app.core import access

bp = Blueprint("finance", __name__, template_folder="templates", url_prefix="/finance")
access.blueprint_baseline(bp, access.roles(*FINANCE, Role.ADMIN, national=True))

from app.finance import views  # noqa: E402,F401
