from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from app.accounts import bp, proconnect, services, team_bp, throttle
from app.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    InvitationForm,
    MagicLinkForm,
    PasswordLoginForm,
    SetPasswordForm,
)
from app.accounts.roles import Role
from app.core import access, spaces, transaction
from app.core.forms import choices
from app.tenancy.services import structures


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _start_session(user, method: str) -> None:
    # A fresh session at login: nothing from before (fixation) survives.
    session.clear()
    login_user(user)
    services.record_login(user, method)


def _render_login(password_form=None, link_form=None, status=200):
    next_url = _safe_next(request.values.get("next")) or ""
    password_form = password_form or PasswordLoginForm(next=next_url, formdata=None)
    link_form = link_form or MagicLinkForm(next=next_url, formdata=None)
    return (
        render_template(
            "accounts/login.html",
            password_form=password_form,
            link_form=link_form,
            proconnect=proconnect.enabled(),
            next_url=next_url,
        ),
        status,
    )


@bp.route("/connexion", methods=["GET", "POST"])
@access.public
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("accounts.space"))
        return _render_login()
    if wait := throttle.attempt(request.form.get("email", "")):
        return throttle.refused(wait)
    form = PasswordLoginForm()
    if not form.validate():
        return _render_login(password_form=form, status=422)
    user = services.authenticate(form.email.data, form.password.data)
    if user is None:
        form.password.errors.append("Adresse électronique ou mot de passe incorrect.")
        return _render_login(password_form=form, status=401)
    _start_session(user, "password")
    flash(f"Bonjour {user.first_name}, vous êtes connecté·e.", "success")
    response = redirect(_safe_next(form.next.data) or url_for("accounts.space"), 303)
    return throttle.remember_device(response, user.email)


@bp.post("/connexion/lien")
@access.public
def request_magic_link():
    if wait := throttle.attempt(request.form.get("email", "")):
        return throttle.refused(wait)
    form = MagicLinkForm()
    if not form.validate():
        return _render_login(link_form=form, status=422)
    response = redirect(url_for("accounts.magic_link_sent"), 303)
    # Everything that depends on the address (looking it up, the token, the mail) happens once
    # the answer has left: it takes the same time whether the address exists or not.
    email, next_url = form.email.data, _safe_next(form.next.data) or ""
    transaction.after_response(
        response, lambda: services.send_login_link(email, next_url), what="login link"
    )
    return response


@bp.get("/connexion/lien-envoye")
@access.public
def magic_link_sent():
    return render_template("accounts/magic_link_sent.html")


@bp.route("/connexion/lien/<token>", methods=["GET", "POST"])
@access.public
def magic_link(token: str):
    """GET only shows a button (mail previewers follow links); the POST consumes the token."""
    if wait := throttle.attempt():
        return throttle.refused(wait)
    form = ConfirmForm()
    if request.method == "GET":
        valid = services.pending_login_token(token) is not None
        return render_template("accounts/magic_link.html", form=form, valid=valid), (
            200 if valid else 410
        )
    if not form.validate():
        return render_template("accounts/magic_link.html", form=form, valid=True), 400
    user = services.consume_login_token(token)
    if user is None:
        return render_template("accounts/magic_link.html", form=form, valid=False), 410
    _start_session(user, "magic_link")
    flash(f"Bonjour {user.first_name}, vous êtes connecté·e.", "success")
    response = redirect(_safe_next(request.args.get("next")) or url_for("accounts.space"), 303)
    return throttle.remember_device(response, user.email)


@bp.post("/deconnexion")
@access.authenticated
def logout():
    id_token = session.get(proconnect.ID_TOKEN)
    services.logout(current_user._get_current_object())
    session.clear()
    flash("Vous êtes déconnecté·e.", "info")
    if id_token and proconnect.enabled():
        # Logged in with ProConnect: its session ends too, then the provider sends the browser
        # back to the portal.
        try:
            return proconnect.logout_redirect(id_token)
        except (proconnect.RefusedError, *proconnect.FAILURES):
            current_app.logger.warning("ProConnect logout unavailable")
    return redirect(url_for("core.home"), 303)


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@access.authenticated
def change_password():
    """Change one's password: every other session of the account ends, this one is renewed."""
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if request.method == "GET":
        return render_template("accounts/password.html", form=form)
    if wait := throttle.attempt(user.email):
        return throttle.refused(wait)
    if not form.validate():
        return render_template("accounts/password.html", form=form), 422
    if user.password_hash and not user.check_password(form.current.data or ""):
        form.current.errors.append("Le mot de passe actuel n'est pas le bon.")
        return render_template("accounts/password.html", form=form), 422
    services.change_password(user, form.password.data)
    _start_session(user, "password_change")
    flash("Votre mot de passe est changé. Vos autres sessions sont fermées.", "success")
    return redirect(url_for("accounts.space"), 303)


@bp.get("/espace")
@access.authenticated
def space():
    """Where the user lands: straight into their only space, else what awaits them in each."""
    entries = user_spaces(current_user)
    if len(entries) == 1 and not request.args.get("tous"):
        entry = entries[0]
        return redirect(entry["url"])
    return render_template("accounts/space.html", entries=entries)


def user_spaces(user) -> list[dict]:
    """One entry per (space, territory) the user sees, with its cards, from the registry."""
    entries = []
    for territory in user.territories:
        for space in spaces.spaces_of(user, territory):
            entries.append(
                {
                    "title": f"{space.label} — {territory.name}",
                    "space": space,
                    "territory": territory,
                    "url": url_for(space.entry_endpoint, territory=territory.slug),
                    "cards": space.cards(user, territory),
                }
            )
    for space in spaces.national_spaces_of(user):
        entries.append(
            {
                "title": space.label,
                "space": space,
                "territory": None,
                "url": url_for(space.entry_endpoint),
                "cards": space.cards(user, None),
            }
        )
    return entries


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@access.public
def invitation(token: str):
    if wait := throttle.attempt():
        return throttle.refused(wait)
    pending = services.pending_invitation(token)
    if pending is None:
        return render_template("accounts/invitation.html", invitation=None, form=None), 410
    form = SetPasswordForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("accounts/invitation.html", invitation=pending, form=form), 422
        user = services.accept_invitation(pending, form.password.data or None)
        _start_session(user, "invitation")
        flash(f"Bienvenue {user.first_name} ! Votre compte est activé.", "success")
        return redirect(url_for("accounts.space"), 303)
    return render_template("accounts/invitation.html", invitation=pending, form=form)


# The territory's team: coordinators see members and invite people.


def _invitation_form(formdata=None):
    form = InvitationForm(formdata=formdata)
    form.structure_id.choices = choices(
        [("", "— Aucune —")] + [(str(s.id), s.name) for s in structures()]
    )
    return form


@team_bp.get("/equipe/")
def team():
    return render_template(
        "accounts/team.html",
        members=services.territory_members(g.territory),
        invitations=services.pending_invitations(),
        form=_invitation_form(),
    )


@team_bp.post("/equipe/inviter")
def invite():
    form = _invitation_form(request.form)
    if not form.validate():
        return (
            render_template(
                "accounts/team.html",
                members=services.territory_members(g.territory),
                invitations=services.pending_invitations(),
                form=form,
            ),
            422,
        )
    structure = None
    if form.structure_id.data:
        structure = next(s for s in structures() if str(s.id) == form.structure_id.data)
    services.invite(
        current_user._get_current_object(),
        g.territory,
        email=form.email.data,
        first_name=form.first_name.data.strip(),
        last_name=form.last_name.data.strip(),
        phone=form.phone.data or None,
        role=Role(form.role.data),
        structure=structure,
    )
    flash(f"Invitation envoyée à {form.email.data}.", "success")
    return redirect(url_for("team.team"), 303)
