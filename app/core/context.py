"""Values every template reads: the current territory and the user's spaces (from the registry)."""

from flask import g, has_request_context
from flask_login import current_user

from app.accounts.roles import Role
from app.core import spaces


def inject_template_context():
    territory = g.get("territory")
    context = {"current_territory": territory, "Role": Role}
    if has_request_context() and current_user.is_authenticated:
        roles = current_user.roles_in(territory) if territory else frozenset()
        context.update(
            user_territories=current_user.territories,
            territory_roles=roles,
            national_roles=current_user.national_roles(),
            territory_spaces=spaces.spaces_of(current_user, territory) if territory else [],
            national_spaces=spaces.national_spaces_of(current_user),
        )
    return context
