"""Values every template reads: the current territory and the user's spaces."""

from flask import g
from flask_login import current_user

from app.accounts.roles import FINANCE, Role


def inject_template_context():
    territory = g.get("territory")
    context = {"current_territory": territory, "Role": Role}
    if current_user.is_authenticated:
        roles = current_user.roles_in(territory) if territory else frozenset()
        national = current_user.national_roles()
        context.update(
            user_territories=current_user.territories,
            territory_roles=roles,
            national_roles=national,
            has_finance=bool(national & (FINANCE | {Role.ADMIN})),
        )
    return context
