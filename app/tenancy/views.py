from flask import g, render_template
from flask_login import current_user

from app.core import access, spaces
from app.tenancy import bp


@bp.get("/")
@access.authenticated
def home():
    """The territory's home: for each space the member sees here, what awaits them now."""
    user = current_user._get_current_object()
    return render_template(
        "tenancy/home.html",
        roles=user.roles_in(g.territory),
        space_cards=[
            (space, space.cards(user, g.territory)) for space in spaces.spaces_of(user, g.territory)
        ],
    )
