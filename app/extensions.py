"""Extensions, created unbound and bound to the app in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that Alembic migrations are stable on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


# The embedded default serves pages from several workers: readers never wait for a writer (WAL),
# a commit does not wait for the disk twice (NORMAL is durable in WAL but for a power cut's last
# commits), and each connection keeps the hot pages at hand (32 MiB of cache, 256 MiB mapped).
SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA cache_size=-32000",
    "PRAGMA mmap_size=268435456",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA busy_timeout=5000",
)


@event.listens_for(Engine, "connect")
def _sqlite_behaves_like_postgresql(dbapi_connection, connection_record):
    """SQLite ignores foreign keys unless asked, and its lower() only folds ASCII (LEFÈVRE would
    not match Lefèvre): per connection, enforce the keys and fold case as PostgreSQL does; and
    tune it for concurrent pages (SQLITE_PRAGMAS)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()
        dbapi_connection.create_function(
            "lower",
            1,
            lambda value: value.lower() if isinstance(value, str) else value,
            deterministic=True,
        )
