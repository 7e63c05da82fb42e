"""Accounts: login (password, magic link), logout, invitations, the user's spaces."""

from flask import Blueprint

from app.accounts.roles import Role
from app.core import access
from app.tenancy import territorial_blueprint

bp = Blueprint("accounts", __name__, template_folder="templates")

# The territory's team (members, invitations): coordinators only.
team_bp = territorial_blueprint("team", __name__, template_folder="templates")
access.blueprint_baseline(team_bp, access.roles(Role.COORDINATOR))

from app.accounts import views, views_proconnect  # noqa: E402,F401
