from flask import g, render_template
from flask_login import current_user

from app.core import access
from app.tenancy import bp


@bp.get("/")
@access.authenticated
def home():
    """The territory's home: what this member can do here."""
    return render_template("tenancy/home.html", roles=current_user.roles_in(g.territory))
