"""Configuration: defaults, then the environment, then instance/config.py (if present)."""

import os
from datetime import timedelta
from urllib.parse import urlsplit

from dotenv import load_dotenv


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name, "").strip()
    return [item.strip() for item in value.split(",") if item.strip()] or None


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "portal.sqlite3")
    # PaaS providers hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load(app) -> None:
    """Fill app.config from defaults and the environment (call before test overrides)."""
    load_dotenv(os.path.join(app.root_path, os.pardir, ".env"))
    debug = _bool("FLASK_DEBUG", False)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        SQLALCHEMY_DATABASE_URI=_database_url(app.instance_path),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        # Mail: SMTP when MAIL_SERVER is set; otherwise written to the outbox file.
        MAIL_SERVER=os.environ.get("MAIL_SERVER", ""),
        MAIL_PORT=int(os.environ.get("MAIL_PORT", "587")),
        MAIL_USERNAME=os.environ.get("MAIL_USERNAME", ""),
        MAIL_PASSWORD=os.environ.get("MAIL_PASSWORD", ""),
        MAIL_USE_TLS=_bool("MAIL_USE_TLS", True),
        MAIL_DEFAULT_SENDER=os.environ.get(
            "MAIL_DEFAULT_SENDER", "Portail SPIE <ne-pas-repondre@inclusion.beta.gouv.fr>"
        ),
        MAIL_OUTBOX_PATH=os.environ.get(
            "MAIL_OUTBOX_PATH", os.path.join(app.instance_path, "outbox.jsonl")
        ),
        # Rate limits (Flask-Limiter reads these names).
        RATELIMIT_ENABLED=_bool("RATELIMIT_ENABLED", True),
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
        # Sessions and cookies.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not debug,
        SESSION_COOKIE_NAME="spie_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=not debug,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        WTF_I18N_ENABLED=False,  # WTForms' bundled French messages (BaseForm.Meta.locales)
        MAGIC_LINK_TTL=timedelta(minutes=15),
        INVITATION_TTL=timedelta(days=7),
        # How long each process keeps a territory's indicators (they move by the day); 0: never.
        INDICATORS_CACHE_SECONDS=int(os.environ.get("INDICATORS_CACHE_SECONDS", "300")),
        # Benchmarks only: each response carries its SQL statement count (X-SQL-Queries).
        QUERY_COUNT_HEADER=_bool("QUERY_COUNT_HEADER", False),
        # The portal's public address: every absolute link in mail is built from it (never from
        # the request's Host). Required outside debug.
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL", ""),
        # Hosts the portal answers for (others get a 400); defaults to PUBLIC_BASE_URL's host.
        TRUSTED_HOSTS=_list("TRUSTED_HOSTS"),
        # How many reverse proxies stand in front (their X-Forwarded-* headers are trusted).
        PROXY_COUNT=int(os.environ.get("PROXY_COUNT", "0")),
        MAX_CONTENT_LENGTH=6 * 1024 * 1024,
        # ProConnect (OpenID Connect) login for professionals: on when the three are set.
        PROCONNECT_ISSUER=os.environ.get("PROCONNECT_ISSUER", "").strip().rstrip("/"),
        PROCONNECT_CLIENT_ID=os.environ.get("PROCONNECT_CLIENT_ID", "").strip(),
        PROCONNECT_CLIENT_SECRET=os.environ.get("PROCONNECT_CLIENT_SECRET", "").strip(),
        PROCONNECT_SCOPE=os.environ.get(
            "PROCONNECT_SCOPE", "openid email given_name usual_name uid siret"
        ),
        PROCONNECT_ACR_VALUES=os.environ.get("PROCONNECT_ACR_VALUES", "eidas1").strip(),
    )


def check(app) -> None:
    """Refuse to start with an unsafe configuration."""
    if not app.config.get("SECRET_KEY"):
        if app.debug or app.testing:
            app.config["SECRET_KEY"] = "dev-only-not-secret"  # noqa: S105 (debug only)
        else:
            raise RuntimeError(
                "SECRET_KEY manquant : définissez la variable d'environnement SECRET_KEY "
                "(voir .env.example). Le portail refuse de démarrer sans elle hors mode debug."
            )
    if not app.config.get("PUBLIC_BASE_URL"):
        if app.debug or app.testing:
            server = app.config.get("SERVER_NAME") or "127.0.0.1:5000"
            app.config["PUBLIC_BASE_URL"] = f"http://{server}"
        else:
            raise RuntimeError(
                "PUBLIC_BASE_URL manquant : définissez l'adresse publique du portail "
                "(ex. https://portail.inclusion.beta.gouv.fr). Les liens des courriels en dépendent."
            )
    if app.config.get("TRUSTED_HOSTS") is None:
        host = urlsplit(app.config["PUBLIC_BASE_URL"]).hostname
        hosts = [host] if host else []
        if app.debug or app.testing:
            hosts += ["localhost", "127.0.0.1"]
        app.config["TRUSTED_HOSTS"] = hosts
