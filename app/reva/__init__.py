"""REVA: one entry point for VAE — certifications, candidacies and their milestones, the VAE
file, skills and badges, the certifier API. National (`/reva/…`): candidates give their
department."""

from flask import Blueprint

from app.core import access

bp = Blueprint("reva", __name__, url_prefix="/reva", template_folder="templates")
# Baseline: a logged-in user; each view tightens it (roles, or the candidacy's parties only).
access.blueprint_baseline(bp, access.authenticated)


@bp.app_template_global("department_label")
def _department_label(code: str) -> str:
    from app.reva.departments import label

    return label(code)


from app.reva import models  # noqa: E402,F401
from app.reva.views import (  # noqa: E402,F401
    accompagnateur,
    admin,
    candidacy,
    candidate,
    certifier,
    public,
)


# Until the platform's one-transaction-per-request lands on main: the request commits once when it
# succeeds and rolls back otherwise; write functions only flush.
@bp.after_request
def _commit_once(response):
    from app.extensions import db

    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response
