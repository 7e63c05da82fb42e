from flask import render_template

from app.finance import bp, services


@bp.get("/")
def home():
    """The agreement at a glance: parties, CHORUS references, start-ups and their budgets."""
    return render_template(
        "finance/home.html",
        convention=services.current_convention(),
        cost_centres=services.cost_centres(),
    )
