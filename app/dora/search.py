"""The search: published sheets whose eligibility zone covers a commune, on a theme, narrowed by
the answers to the personalising questions (`questions.py`), optional keywords and filters.

Keywords are full-text with French stemming and accents folded, on two backends behind one
function: SQLite's FTS5 (no French stemmer there: the indexed text is folded and stemmed in Python
with snowballstemmer, and so is the query, each word quoted so FTS operators are plain words),
and PostgreSQL's `french` configuration with `unaccent`. Both keep their index in a side table,
`dora_service_fts`, written in the same transaction as the sheet (a flush hook), created by the
migration by hand and left out of Alembic's autogenerate.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

import snowballstemmer
from sqlalchemy import String, case, cast, event, exists, func, inspect, or_, select, text
from sqlalchemy.orm import Session

from app.core.models import utcnow
from app.dora.models import (
    Commune,
    Provider,
    Service,
    ServiceStatus,
    ServiceThematique,
    ServiceZone,
)
from app.dora.questions import Criteria, criteria_for
from app.extensions import db
from app.tenancy.models import Structure

FTS_TABLE = "dora_service_fts"
MAX_KEYWORDS_LENGTH = 200
MAX_WORDS = 12
PAGE_SIZE = 20
INDEXED = ("name", "summary", "description")

# PostgreSQL's `french` configuration drops these; SQLite's side does the same, so that both
# backends answer alike ("garde d'enfants" needs neither "d" nor a stop word in the sheet).
STOP_WORDS = frozenset(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "même",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "à",
        "m",
        "n",
        "s",
        "t",
        "y",
        "été",
        "être",
        "avoir",
        "est",
        "sont",
    ]
)
_WORD = re.compile(r"[0-9a-z]+")
_stemmer = snowballstemmer.stemmer("french")


def fold(value: str) -> str:
    """Lower case without accents ("Crèches" → "creches")."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("œ", "oe")


def words(value: str) -> list[str]:
    return [w for w in _WORD.findall(fold(value)) if w not in STOP_WORDS]


def stems(value: str) -> list[str]:
    """The folded, stemmed words of `value` ("Crèches" → ["crech"])."""
    return _stemmer.stemWords(words(value))


def _document(name: str | None, summary: str | None, description: str | None) -> str:
    return " ".join(part for part in (name, summary, description) if part)


# The index, kept in the sheet's own transaction.


def _write_index(connection, rows: list[tuple[int, str]]) -> None:
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "INSERT INTO dora_service_fts (service_id, document) "
                "VALUES (:id, to_tsvector('french', unaccent(:doc))) "
                "ON CONFLICT (service_id) DO UPDATE SET document = excluded.document"
            ),
            [{"id": i, "doc": doc} for i, doc in rows],
        )
    else:
        connection.execute(
            text("DELETE FROM dora_service_fts WHERE rowid = :id"), [{"id": i} for i, _ in rows]
        )
        connection.execute(
            text("INSERT INTO dora_service_fts (rowid, document) VALUES (:id, :doc)"),
            [{"id": i, "doc": " ".join(stems(doc))} for i, doc in rows],
        )


def _needs_indexing(service: Service, is_new: bool) -> bool:
    if is_new:
        return True
    state = inspect(service)
    return any(state.attrs[name].history.has_changes() for name in INDEXED)


@event.listens_for(Session, "after_flush")
def _index_flushed_sheets(session, flush_context) -> None:
    rows = [
        (s.id, _document(s.name, s.summary, s.description))
        for s in list(session.new) + list(session.dirty)
        if isinstance(s, Service) and s.id is not None and _needs_indexing(s, s in session.new)
    ]
    if rows:
        _write_index(session.connection(), rows)
    # Deleted sheets: PostgreSQL cascades through the foreign key, SQLite through a trigger.


def rebuild_index(connection=None, batch: int = 2000) -> int:
    """Rebuild the whole index from the sheets (after a bulk load that bypassed the ORM)."""
    connection = connection or db.session.connection()
    connection.execute(text("DELETE FROM dora_service_fts"))
    done = last = 0
    while True:
        rows = connection.execute(
            text(
                "SELECT id, name, summary, description FROM dora_service "
                "WHERE id > :last ORDER BY id LIMIT :batch"
            ),
            {"last": last, "batch": batch},
        ).all()
        if not rows:
            return done
        _write_index(connection, [(r[0], _document(r[1], r[2], r[3])) for r in rows])
        done += len(rows)
        last = rows[-1][0]


def _matching_ids(keywords: str):
    """The ids of the sheets matching every word of `keywords` (None: no usable word)."""
    if db.engine.dialect.name == "postgresql":
        if not words(keywords):
            return None
        return text(
            "SELECT service_id FROM dora_service_fts "
            "WHERE document @@ plainto_tsquery('french', unaccent(:keywords))"
        ).bindparams(keywords=keywords)
    terms = stems(keywords)[:MAX_WORDS]
    if not terms:
        return None
    # Each word quoted: FTS5 operators typed by the user (NEAR, OR, *, ^, :) stay plain words.
    match = " ".join(f'"{term}"' for term in terms)
    return text(
        "SELECT rowid FROM dora_service_fts WHERE dora_service_fts MATCH :match"
    ).bindparams(match=match)


# The search.


@dataclass
class Filters:
    """Refinements of the same results (not a new search)."""

    types: list[str] = field(default_factory=list)
    fees: str | None = None
    modes: list[str] = field(default_factory=list)
    keywords: str = ""

    def as_dict(self) -> dict:
        """For the search log: which filters were used, never the keywords typed."""
        return {"types": self.types, "fees": self.fees, "modes": self.modes}


@dataclass
class Results:
    rows: list
    total: int
    page: int
    criteria: Criteria

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))


def zone_codes(commune: Commune) -> list[str]:
    """The zone codes covering a commune: itself, its EPCI, its department, France."""
    return [c for c in (commune.code, commune.epci, commune.department, "france") if c]


def _json_contains(column, value: str):
    return cast(column, String).like(f'%"{value}"%')


def search(commune: Commune, theme: str, answers: dict, filters: Filters, page: int = 1):
    """Published sheets whose zone covers `commune`, on `theme`, meeting the answers' criteria
    and the filters; fresh sheets first, then the nearest; a constant number of queries."""
    criteria = criteria_for(theme, answers)
    conditions = [
        Service.status == ServiceStatus.PUBLISHED,
        Service.id.in_(
            select(ServiceZone.service_id).where(ServiceZone.code.in_(zone_codes(commune)))
        ),
        exists().where(
            ServiceThematique.service_id == Service.id,
            ServiceThematique.thematique.in_(sorted(criteria.thematiques)),
        ),
    ]
    if criteria.publics:
        conditions.append(
            or_(
                cast(Service.publics, String).in_(["[]", "null"]),
                _json_contains(Service.publics, "tous-publics"),
                *[_json_contains(Service.publics, p) for p in sorted(criteria.publics)],
            )
        )
    if criteria.types is not None:
        conditions.append(Service.type.in_(sorted(criteria.types)))
    if criteria.fees or filters.fees:
        conditions.append(Service.fees == (filters.fees or criteria.fees))
    modes = sorted(criteria.modes | set(filters.modes))
    if modes:
        conditions.append(or_(*[_json_contains(Service.reception_modes, m) for m in modes]))
    if filters.types:
        conditions.append(Service.type.in_(filters.types))
    if filters.keywords:
        matching = _matching_ids(filters.keywords)
        if matching is not None:
            conditions.append(Service.id.in_(matching))

    # One pass: the page's rows carry the total (a window count), so the matching sheets are
    # read once; a page past the end falls back to a plain count.
    rows = db.session.execute(
        _rows(commune)
        .add_columns(func.count().over().label("total"))
        .where(*conditions)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .execution_options(all_territories=True)
    ).all()
    if rows:
        total = rows[0].total
    elif page == 1:
        total = 0
    else:
        total = db.session.scalar(
            select(func.count(Service.id))
            .join(Provider, Provider.id == Service.provider_id)
            .where(*conditions)
            .execution_options(all_territories=True)
        )
    return Results(
        rows=[_row(r, commune) for r in rows], total=total or 0, page=page, criteria=criteria
    )


def _rows(commune: Commune):
    """The columns a result shows, ordered: fresh first, then by distance when known."""
    now = utcnow()
    order = [case((Service.due_at <= now, 1), else_=0)]
    if commune.latitude is not None and commune.longitude is not None:
        # Equirectangular distance: good enough to order results within a territory.
        k = math.cos(math.radians(commune.latitude))
        dlat = Service.latitude - commune.latitude
        dlon = (Service.longitude - commune.longitude) * k
        order += [case((Service.latitude.is_(None), 1), else_=0), dlat * dlat + dlon * dlon]
    return (
        select(
            Service.public_id,
            Service.name,
            Service.summary,
            Service.type,
            Service.fees,
            Service.commune,
            Service.reception_modes,
            Service.due_at,
            Service.latitude,
            Service.longitude,
            Structure.name.label("provider_name"),
        )
        .join(Provider, Provider.id == Service.provider_id)
        .join(Structure, Structure.id == Provider.structure_id)
        .order_by(*order, Service.name, Service.id)
    )


@dataclass
class Row:
    public_id: str
    name: str
    summary: str
    type: str | None
    fees: str | None
    commune: str | None
    reception_modes: list
    provider_name: str
    out_of_date: bool
    distance_km: float | None


def _row(r, commune: Commune) -> Row:
    distance = None
    if None not in (r.latitude, r.longitude, commune.latitude, commune.longitude):
        distance = haversine_km(commune.latitude, commune.longitude, r.latitude, r.longitude)
    return Row(
        public_id=r.public_id,
        name=r.name,
        summary=r.summary,
        type=r.type,
        fees=r.fees,
        commune=r.commune,
        reception_modes=r.reception_modes or [],
        provider_name=r.provider_name,
        out_of_date=r.due_at is not None and r.due_at <= utcnow(),
        distance_km=distance,
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))
