"""ProConnect login for professionals: a 404 everywhere unless configured (`proconnect.enabled`).

A subject already linked opens its account. A first login is linked by email only when the
provider asserts the email and the account's owner confirms the link once (a page, a POST with
CSRF); nobody gets an account this way: professionals are invited by their coordinator.
"""

from __future__ import annotations

import functools
import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from app.accounts import bp, proconnect, services, throttle
from app.accounts.forms import ConfirmForm
from app.accounts.models import User
from app.accounts.views import _safe_next, _start_session
from app.core import access, audit
from app.core.urls import external_url

PENDING = "proconnect_pending"  # session key: a first login waiting for its link to be confirmed
NEXT = "proconnect_next"
PENDING_TTL = 10 * 60  # seconds to confirm the link


def requires_proconnect(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not proconnect.enabled():
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def _message(title: str, paragraphs: list[str], status: int):
    return render_template(
        "accounts/proconnect_message.html", title=title, paragraphs=paragraphs
    ), status


def _refused(reason: str, user: User | None = None):
    """A refused ProConnect login: audited (durably: the request rolls back), a French page."""
    audit.record(
        None, "proconnect_refused", "user", user.id if user else None, reason, durable=True
    )
    current_app.logger.warning("ProConnect login refused: %s", reason)


def _unavailable():
    return _message(
        "ProConnect est indisponible",
        [
            "La connexion avec ProConnect n'a pas pu aboutir. Réessayez dans quelques instants, "
            "ou connectez-vous avec un lien reçu par courriel."
        ],
        502,
    )


def _open_session(user: User, id_token: str):
    next_url = session.get(NEXT)
    _start_session(user, "proconnect")
    session[proconnect.ID_TOKEN] = id_token  # the logout's id_token_hint
    flash(f"Bonjour {user.first_name}, vous êtes connecté·e.", "success")
    response = redirect(_safe_next(next_url) or url_for("accounts.space"), 303)
    return throttle.remember_device(response, user.email)


@bp.post("/connexion/proconnect")
@access.public
@requires_proconnect
def proconnect_login():
    """The ProConnect button: off to the provider, with a state, a nonce and PKCE."""
    session.pop(PENDING, None)
    session[NEXT] = _safe_next(request.form.get("next")) or ""
    try:
        return proconnect.authorize_redirect(external_url("accounts.proconnect_callback"))
    except (proconnect.RefusedError, *proconnect.FAILURES) as error:
        _refused(f"discovery: {type(error).__name__}")
        return _unavailable()


@bp.get("/connexion/proconnect/retour")
@access.public
@requires_proconnect
def proconnect_callback():
    """The provider's answer: checked, then the linked account opens, or a link is proposed."""
    if wait := throttle.attempt():
        return throttle.refused(wait)
    try:
        identity = proconnect.complete_login()
    except proconnect.RefusedError as error:
        _refused(str(error))
        return _message(
            "Connexion refusée",
            [
                "La réponse de ProConnect n'a pas pu être vérifiée : vous n'êtes pas connecté·e. "
                "Recommencez depuis la page de connexion."
            ],
            400,
        )
    user = services.user_by_proconnect_sub(identity.sub)
    if user is not None:
        if not user.is_active:
            _refused("inactive account", user)
            return _no_account(None)
        if not services.is_professional(user):
            return _not_a_professional(user)
        return _open_session(user, identity.id_token)
    if identity.email is None:
        _refused("email not asserted")
        return _message(
            "Adresse électronique non transmise",
            [
                "ProConnect ne nous a pas transmis d'adresse électronique vérifiée : nous ne "
                "pouvons pas retrouver votre compte. Connectez-vous avec un lien reçu par courriel."
            ],
            403,
        )
    candidate = services.proconnect_link_candidate(identity.email)
    if candidate is None:
        existing = services.user_by_email(identity.email)
        if existing is not None and existing.is_active and not services.is_professional(existing):
            return _not_a_professional(existing)
        if existing is not None and existing.is_active:
            _refused("account linked to another subject", existing)
            return _message(
                "Compte déjà relié",
                [
                    "Le compte du portail qui porte cette adresse est déjà relié à une autre "
                    "identité ProConnect. Connectez-vous avec un lien reçu par courriel, ou "
                    "demandez de l'aide au coordinateur ou à la coordinatrice de votre territoire."
                ],
                403,
            )
        _refused("no account for this email")
        return _no_account(identity.email)
    session[PENDING] = {
        "sub": identity.sub,
        "user_id": candidate.id,
        "email": candidate.email,
        "id_token": identity.id_token,
        "at": time.time(),
    }
    return redirect(url_for("accounts.proconnect_link"), 303)


def _not_a_professional(user: User):
    _refused("not a professional account", user)
    return _message(
        "ProConnect est réservé aux professionnels",
        [
            "Votre compte du portail n'a pas de rôle professionnel : connectez-vous avec un lien "
            "reçu par courriel, depuis la page de connexion."
        ],
        403,
    )


def _no_account(email: str | None):
    return render_template("accounts/proconnect_no_account.html", email=email), 403


def _pending_link():
    """The link waiting in this browser's session, with its account, or (None, None)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_TTL:
        return None, None
    # Still the same account, still active and unlinked, still with that email.
    user = services.proconnect_link_candidate(str(pending.get("email", "")))
    if user is None or user.id != pending.get("user_id"):
        return None, None
    return pending, user


@bp.route("/connexion/proconnect/relier", methods=["GET", "POST"])
@access.public
@requires_proconnect
def proconnect_link():
    """First ProConnect login: the owner confirms once that this account is theirs."""
    pending, user = _pending_link()
    if pending is None:
        return _message(
            "Demande expirée",
            [
                "Aucune connexion ProConnect n'attend de confirmation dans ce navigateur, ou elle "
                "a expiré. Recommencez depuis la page de connexion."
            ],
            410,
        )
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("accounts/proconnect_link.html", form=form, user=user)
    if wait := throttle.attempt(user.email):
        return throttle.refused(wait)
    if not form.validate():
        return render_template("accounts/proconnect_link.html", form=form, user=user), 400
    services.link_proconnect(user, pending["sub"])
    return _open_session(user, pending["id_token"])


@bp.get("/deconnexion/proconnect")
@access.public
@requires_proconnect
def proconnect_logged_out():
    """Back from the provider's end of session (the state is checked; the portal session had
    already ended before leaving)."""
    if not proconnect.logout_returned():
        current_app.logger.warning("ProConnect logout returned with an unknown state")
    return redirect(url_for("core.home"), 303)
