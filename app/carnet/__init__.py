"""Carnet de bord: notebooks, members, consent, barriers, objectives, actions, interviews."""

from app.accounts.roles import Role
from app.core import access
from app.tenancy import territorial_blueprint

bp = territorial_blueprint("carnet", __name__, service="carnet", template_folder="templates")
access.blueprint_baseline(bp, access.roles(Role.BENEFICIARY, Role.PROFESSIONAL, Role.COORDINATOR))

from app.carnet import models, views, views_coordination, views_surveys  # noqa: E402,F401
