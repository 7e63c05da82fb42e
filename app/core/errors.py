"""Error pages in French and in the DSFR; JSON for the API."""

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.extensions import db

MESSAGES = {
    400: (
        "Requête invalide",
        "La demande n'a pas pu être traitée. Rechargez la page et réessayez.",
    ),
    401: ("Connexion requise", "Vous devez vous connecter pour accéder à cette page."),
    403: ("Accès refusé", "Vous n'avez pas les droits nécessaires pour accéder à cette page."),
    404: ("Page non trouvée", "La page que vous cherchez est introuvable ou n'existe plus."),
    405: ("Méthode non autorisée", "Cette action n'est pas possible sur cette page."),
    413: ("Fichier trop volumineux", "Le fichier envoyé dépasse la taille autorisée."),
    429: (
        "Trop de tentatives",
        "Vous avez fait trop de tentatives en peu de temps. Patientez quelques minutes avant de réessayer.",
    ),
    500: (
        "Erreur inattendue",
        "Une erreur est survenue de notre côté : rien n'a été enregistré. L'équipe a été "
        "prévenue ; vous pouvez réessayer dans quelques instants.",
    ),
}


def _render(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    title, message = title or default_title, message or default_message
    from flask.globals import request_ctx

    if request_ctx.url_adapter is None:
        # The request names a host we do not serve: no page (its links would need that host).
        return f"{title}\n", code, {"Content-Type": "text/plain; charset=utf-8"}
    if request.path.startswith("/api/"):
        return jsonify(error=title, detail=message, status=code), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


render_error = _render


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(
            400,
            "Session expirée",
            "Le formulaire a expiré ou n'est pas valide. Rechargez la page et recommencez : "
            "ce que vous aviez saisi n'a pas été enregistré.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in MESSAGES:
            return _render(error.code)
        return error

    @app.errorhandler(SQLAlchemyError)
    def database_error(error):
        # The request's transaction is rolled back as a whole: say so.
        app.logger.exception("database error")
        db.session.rollback()
        return _render(
            500,
            "Enregistrement impossible",
            "Une erreur de la base de données a interrompu l'opération : rien n'a été "
            "enregistré. Réessayez dans quelques instants.",
        )

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("unexpected error")
        db.session.rollback()
        return _render(500)
