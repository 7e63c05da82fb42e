"""What every finance view shares: the current user, the permission decorator, refusals."""

from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user

from app.core import bounds
from app.core.forms import choices
from app.extensions import db
from app.finance import clock, queries
from app.finance.rules import RuleError


def me():
    return current_user._get_current_object()


def allowed(predicate):
    """Tighten the blueprint's baseline: a reader without this permission gets a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not predicate(me()):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def refused(form, error: RuleError) -> None:
    """Nothing of a refused write is kept; its message goes beside its field."""
    db.session.rollback()
    field = getattr(form, error.field, None)
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors = [*field.errors, error.message]


def year_param() -> int:
    """The year asked in `?annee=`, or this year when absent, not a number or out of range."""
    year = request.args.get("annee", type=int)
    if year is None or not bounds.MIN_DATE.year <= year <= bounds.MAX_DATE.year:
        return clock.today().year
    return year


def amendment_choices():
    convention = queries.current_convention()
    return choices(
        [("", "—")]
        + [
            (str(a.id), f"Avenant n°{a.number} du {a.signed_on.strftime('%d/%m/%Y')}")
            for a in convention.amendments
        ]
    )
