from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from app.core import access, bp, mail
from app.extensions import db, limiter


@bp.get("/")
@access.public
def home():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.space"))
    return render_template("core/home.html")


@bp.get("/healthz")
@access.public
@limiter.exempt
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.get("/mentions-legales")
@access.public
def legal():
    return render_template("core/legal.html")


@bp.get("/accessibilite")
@access.public
def accessibility():
    return render_template("core/accessibility.html")


@bp.get("/donnees-personnelles")
@access.public
def privacy():
    return render_template("core/privacy.html")


@bp.get("/dev/outbox")
@access.debug_only
def outbox():
    return render_template("core/outbox.html", messages=mail.outbox())
