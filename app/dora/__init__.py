"""DORA: the offer of insertion services of a territory — providers, their service sheets kept
fresh, the bulk import, the public sheet pages and the open-data API."""

from flask import Blueprint

from app.accounts.roles import Role
from app.core import access
from app.tenancy import territorial_blueprint

bp = territorial_blueprint("dora", __name__, service="dora", template_folder="templates")
access.blueprint_baseline(bp, access.roles(Role.PROFESSIONAL, Role.STRUCTURE_ADMIN, Role.COORDINATOR))

api_bp = Blueprint("dora_api", __name__, url_prefix="/api/v1")

from app.dora import api, models, views, views_coordination, views_public  # noqa: E402,F401
