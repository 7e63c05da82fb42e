"""Territories as tenants: resolving /<territory>/ once per request, the switcher, the home."""

from flask import Blueprint, abort, g

from app.core import scoping


def territorial_blueprint(name: str, import_name: str, service: str | None = None, **kwargs):
    """A blueprint whose URLs live under /<territory>/[service]/ and are bound to that territory.

    The slug is resolved once (unknown → 404; service disabled there → 404), stored in
    `g.territory` and bound for tenant scoping; `url_for` fills it in from the current request.
    """
    prefix = "/<territory>" + (f"/{service}" if service else "")
    blueprint = Blueprint(name, import_name, url_prefix=prefix, **kwargs)

    @blueprint.url_value_preprocessor
    def _resolve(endpoint, values):
        from flask_login import current_user

        from app.tenancy.services import territory_by_slug

        # The logged-in user first: their memberships bring the territories they belong to
        # (and their service switches) in the same statement, so the lookup below finds it loaded.
        current_user._get_current_object()
        slug = (values or {}).pop("territory", None)
        territory = territory_by_slug(slug) if slug else None
        if territory is None or (service and not territory.enables(service)):
            abort(404)
        g.territory = territory
        g.territory_slug = territory.slug  # for the request's log line, written after the commit
        g.territory_scope_token = scoping.bind(territory.id)

    @blueprint.url_defaults
    def _fill(endpoint, values):
        if "territory" not in values and g.get("territory") is not None:
            values["territory"] = g.territory.slug

    return blueprint


def unbind_territory(exc=None):
    g.pop("territory", None)
    token = g.pop("territory_scope_token", None)
    if token is not None:
        scoping.unbind(token)


bp = territorial_blueprint("tenancy", __name__, template_folder="templates")

from app.tenancy import views  # noqa: E402,F401
from app.tenancy.admin import admin_bp  # noqa: E402,F401
