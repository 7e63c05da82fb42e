"""The search: published sheets whose eligibility zone covers a commune, on a theme, narrowed by
the answers to the personalising questions (`questions.py`), optional keywords and filters.

Keywords are full-text with French stemming and accents folded, on two backends behind one
function: SQLite's FTS5 (no French stemmer there: the indexed text is folded and stemmed in Python
with snowballstemmer, and so is the query, each word quoted so FTS operators are plain words),
and PostgreSQL's `french` configuration with `unaccent`. Both keep their index in a side table,
`dora_service_fts`, written in the same transaction as the sheet (a flush hook), created by the
migration by hand and left out of Alembic's autogenerate. On PostgreSQL the sheet's document is
also copied onto its search rows (`fts_document`, made by hand too): a keyword search filters the
commune's rows of the theme, read by the search table's key, instead of joining the whole
country's matches to them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from sqlalchemy import (
    JSON,
    Float,
    Integer,
    String,
    bindparam,
    cast,
    delete,
    event,
    false,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from app.core import paging
from app.core.models import UTCDateTime, utcnow
from app.dora.models import (
    Commune,
    Frais,
    Provider,
    Service,
    ServiceSearchRow,
    ServiceStatus,
    ServiceThematique,
    ServiceZone,
    Thematique,
    TypeService,
    category_of,
)
from app.dora.queries import DEPARTMENTS
from app.dora.questions import Criteria, criteria_for, theme_thematiques
from app.extensions import db
from app.tenancy.models import Structure

FTS_TABLE = "dora_service_fts"
MAX_KEYWORDS_LENGTH = 200
MAX_WORDS = 12
PAGE_SIZE = 20
# The grid the search rows are stored by (`ServiceSearchRow.cell`): 0.1° of latitude by 0.15° of
# longitude, about 11 km a side in metropolitan France and in La Réunion.
CELL_LATITUDE, CELL_LONGITUDE, CELL_COLUMNS = 0.1, 0.15, 10_000
NO_CELL = -1  # a sheet without coordinates
INDEXED = ("name", "summary", "description")
KNOWN_THEMATIQUES = frozenset(t.value for t in Thematique)

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
    return [_stem(word) for word in words(value)]


# Snowball in pure Python costs ~0.1 ms a word; the same words come back in every search and
# every sheet's text.
_stem = lru_cache(maxsize=20_000)(_stemmer.stemWord)


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


# What the narrow search table copies of a sheet (its zone and thematiques are its rows).
SEARCHED = (
    "status",
    "name",
    "due_at",
    "latitude",
    "longitude",
    "type",
    "fees",
    "publics",
    "reception_modes",
    "zone_rows",
    "thematique_rows",
)


def _search_rows(connection, ids: list[int] | None) -> list[dict]:
    """The narrow search rows of the published sheets `ids` (None: all of them)."""
    sheets = select(
        Service.id,
        Service.due_at,
        Service.latitude,
        Service.longitude,
        Service.name,
        Service.type,
        Service.fees,
        Service.publics,
        Service.reception_modes,
    ).where(Service.status == ServiceStatus.PUBLISHED)
    zones = select(ServiceZone.service_id, ServiceZone.code)
    thematiques = select(ServiceThematique.service_id, ServiceThematique.thematique)
    if ids is not None:
        sheets = sheets.where(Service.id.in_(ids))
        zones = zones.where(ServiceZone.service_id.in_(ids))
        thematiques = thematiques.where(ServiceThematique.service_id.in_(ids))
    codes_of: dict[int, set[str]] = {}
    for service_id, code in connection.execute(zones):
        codes_of.setdefault(service_id, set()).add(code)
    thematiques_of: dict[int, set[str]] = {}
    for service_id, thematique in connection.execute(thematiques):
        thematiques_of.setdefault(service_id, set()).add(thematique)
    all_codes = sorted(set().union(*codes_of.values())) if codes_of else []
    communes = {}  # code → (department, EPCI): what a search for that commune also matches
    for start in range(0, len(all_codes), 500):
        communes.update(
            (code, (department, epci))
            for code, department, epci in connection.execute(
                select(Commune.code, Commune.department, Commune.epci).where(
                    Commune.code.in_(all_codes[start : start + 500])
                )
            )
        )
    rows = []
    for sheet in connection.execute(sheets):
        codes = codes_of.get(sheet.id, set())
        kept = _uncovered_codes(codes, communes)
        found = thematiques_of.get(sheet.id, set())
        themes = found | {category_of(t) for t in found if t in KNOWN_THEMATIQUES}
        departments = sorted(c for c in codes if c in DEPARTMENTS)
        common = {
            "service_id": sheet.id,
            "cell": cell_of(sheet.latitude, sheet.longitude),
            "thematiques": _bars(sorted(found)),
            "due_at": sheet.due_at,
            "latitude": sheet.latitude,
            "longitude": sheet.longitude,
            "name": sheet.name,
            "type": sheet.type,
            "fees": sheet.fees,
            "publics": sheet.publics,
            "reception_modes": sheet.reception_modes,
        }
        for code in sorted(kept):
            extra = "" if code in communes or code in DEPARTMENTS else _bars(departments)
            rows += [
                {**common, "zone": code, "theme": theme, "departments": extra}
                for theme in sorted(themes)
            ]
    return rows


def _uncovered_codes(codes: set[str], communes: dict) -> set[str]:
    """The codes of a zone that no other of its codes covers for every commune: with 'france',
    'france' alone; a commune goes when its department or EPCI is there too. (An EPCI that
    straddles one of the departments is kept: its row carries them, see the search.)"""
    if "france" in codes:
        return {"france"}
    return {
        code
        for code in codes
        if code not in communes or not (codes & {c for c in communes[code] if c})
    }


def _bars(values) -> str:
    return "|" + "|".join(values) + "|" if values else ""


def cell_of(latitude: float | None, longitude: float | None) -> int:
    """The grid cell of a place (`NO_CELL` without coordinates)."""
    if latitude is None or longitude is None:
        return NO_CELL
    row, col = _grid(latitude, longitude)
    return row * CELL_COLUMNS + col


def _grid(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude / CELL_LATITUDE), math.floor((longitude + 180) / CELL_LONGITUDE)


def _near(latitude: float, longitude: float, k: float) -> tuple[list[int], float]:
    """The nine cells around a place's, and the square of the radius (in the search's
    equirectangular measure, see `_order`) of a circle around the place that lies inside them:
    every sheet nearer than that is in those cells."""
    row, col = _grid(latitude, longitude)
    cells = [r * CELL_COLUMNS + c for r in (row - 1, row, row + 1) for c in (col - 1, col, col + 1)]
    # The place is at least one cell from the block's edges: a cell's height in latitude,
    # its width in longitude (× k in the measure); a little less, for rounding.
    radius = 0.999 * min(CELL_LATITUDE, CELL_LONGITUDE * k)
    return cells, radius * radius


def _write_search_rows(connection, ids: list[int] | None, batch: int = 5000) -> int:
    """Replace the narrow search rows of the sheets `ids` (None: all of them)."""
    removed = delete(ServiceSearchRow)
    if ids is not None:
        removed = removed.where(ServiceSearchRow.service_id.in_(ids))
    connection.execute(removed)
    rows = _search_rows(connection, ids)
    statement = insert(ServiceSearchRow)
    if connection.dialect.name == "postgresql":
        statement = _insert_with_document()
    for start in range(0, len(rows), batch):
        connection.execute(statement, rows[start : start + batch])
    return len(rows)


@lru_cache(maxsize=1)
def _insert_with_document():
    """PostgreSQL: search rows written with their sheet's full-text document (a column made by
    hand, outside the model), read from the index in the same statement: no row is written
    twice."""
    columns = list(ServiceSearchRow.__table__.columns)
    names = ", ".join(c.name for c in columns)
    values = ", ".join(f":{c.key}" for c in columns)
    statement = (  # the model's column names, no input
        f"INSERT INTO dora_service_search ({names}, fts_document) VALUES ({values}, "  # noqa: S608
        "(SELECT document FROM dora_service_fts WHERE service_id = :service_id))"
    )
    return text(statement).bindparams(*[bindparam(c.key, type_=c.type) for c in columns])


def _copy_documents(connection, ids: list[int]) -> None:
    """PostgreSQL: the full-text documents of the sheets `ids`, whose text changed but not
    what their search rows copy otherwise, onto those rows. (SQLite searches its FTS5 table.)"""
    if connection.dialect.name != "postgresql" or not ids:
        return
    connection.execute(
        text(
            "UPDATE dora_service_search SET fts_document = f.document FROM dora_service_fts f"
            " WHERE f.service_id = dora_service_search.service_id"
            " AND dora_service_search.service_id = ANY(:ids)"
        ),
        {"ids": ids},
    )


def rebuild_search_rows(connection=None) -> int:
    """Rebuild the whole search table from the sheets."""
    return _write_search_rows(connection or db.session.connection(), None)


def _changed(service: Service, is_new: bool, names: tuple[str, ...]) -> bool:
    if is_new:
        return True
    state = inspect(service)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _index_flushed_sheets(session, flush_context) -> None:
    new, dirty = list(session.new), list(session.dirty)
    sheets = [
        (s, s in session.new)
        for s in new + dirty
        if isinstance(s, Service) and s.id is not None and s not in session.deleted
    ]
    rows = [
        (s.id, _document(s.name, s.summary, s.description))
        for s, is_new in sheets
        if _changed(s, is_new, INDEXED)
    ]
    if rows:
        _write_index(session.connection(), rows)
    searched = {s.id for s, is_new in sheets if _changed(s, is_new, SEARCHED)}
    _copy_documents(session.connection(), sorted({i for i, _ in rows} - searched))
    searched |= {
        row.service_id
        for row in new + dirty + list(session.deleted)
        if isinstance(row, ServiceZone | ServiceThematique) and row.service_id is not None
    }
    searched -= {s.id for s in session.deleted if isinstance(s, Service)}
    if searched:
        _write_search_rows(session.connection(), sorted(searched))
    # Deleted sheets: PostgreSQL cascades through the foreign keys, SQLite through a trigger
    # (full-text index) and its foreign keys (search table).


def rebuild_index(connection=None, batch: int = 2000) -> int:
    """Rebuild the whole full-text index from the sheets (after a bulk load that bypassed the
    ORM; `rebuild` does the search table too)."""
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


def rebuild(connection=None) -> int:
    """Rebuild the full-text index and the search table from the sheets (in this order: the
    search rows copy the index's documents on PostgreSQL)."""
    connection = connection or db.session.connection()
    count = rebuild_index(connection)
    rebuild_search_rows(connection)
    return count


def reorder(connection=None) -> str:
    """Keep the search table's rows in the order of its key (zone, theme), so that a search
    reads a few compact pages. SQLite's table has no rowid: it is always stored in that order.
    A PostgreSQL heap is not: rows written since the last run sit at its end, so a daily job
    rewrites it (`CLUSTER`, about 0.3 s for 50,000 sheets, searches waiting meanwhile), as
    does `flask dora reindex` after a rebuild. (In the rebuild's own transaction the rows it
    replaced would be kept: they are only dead once it commits.)"""
    connection = connection or db.session.connection()
    if connection.dialect.name != "postgresql":
        return "déjà dans l'ordre (SQLite)"
    # Searches wait while it runs, and while it waits for its lock: if a long transaction
    # holds the table, give up after a second (the job is recorded as failed, and runs again
    # the next day) rather than queue every search behind it.
    connection.execute(text("SET LOCAL lock_timeout = '1s'"))
    connection.execute(text("CLUSTER dora_service_search USING pk_dora_service_search"))
    connection.execute(text("ANALYZE dora_service_search"))
    return "table de recherche réordonnée"


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

    def page_links(self, around: int = 2) -> list[int | None]:
        """The pages the pagination links to: the first, the last, the current one and its
        `around` neighbours; None where pages are skipped."""
        last = self.pages
        shown = sorted(
            {1, last} | set(range(max(1, self.page - around), min(last, self.page + around) + 1))
        )
        links: list[int | None] = []
        for number in shown:
            if links and number == links[-1] + 2:  # one page skipped: shown rather than "…"
                links.append(number - 1)
            elif links and number > links[-1] + 2:
                links.append(None)
            links.append(number)
        return links


def zone_codes(commune: Commune) -> list[str]:
    """The zone codes covering a commune: itself, its EPCI, its department, France."""
    return [c for c in (commune.code, commune.epci, commune.department, "france") if c]


def _contains(column, fragment, dialect: str):
    """`fragment` (a bound parameter) occurs in the column's text: `instr` on SQLite (its LIKE
    folds case, row by row), `strpos` on PostgreSQL; no wildcard in either."""
    text_of = cast(column, String) if isinstance(column.type, JSON) else column
    if dialect == "postgresql":
        return func.strpos(text_of, fragment) > 0
    return func.instr(text_of, fragment) > 0


@dataclass(frozen=True)
class _Shape:
    """What the statement of a search depends on, apart from the values bound to it: searches of
    the same shape share one statement, built once per process."""

    dialect: str
    nothing: bool  # no thematique left by the answers
    narrowed: int  # thematiques of the category the answers kept (0: the whole theme)
    publics: int
    criteria_types: bool
    fees: bool
    modes: int
    filter_types: bool
    keywords: bool
    located: bool

    @property
    def narrows(self) -> bool:
        """Conditions besides the commune and the theme: some of its rows are filtered out."""
        return bool(
            self.keywords
            or self.narrowed
            or self.publics
            or self.criteria_types
            or self.fees
            or self.modes
            or self.filter_types
        )


def search(commune: Commune, theme: str, answers: dict, filters: Filters, page: int = 1):
    """Published sheets whose zone covers `commune`, on `theme`, meeting the answers' criteria
    and the filters; fresh sheets first, then the nearest; a constant number of queries.

    The matching and the ordering read the narrow search table only, where a sheet is found
    once per search (see `ServiceSearchRow`); the page's sheets alone are then read with their
    provider's name, in the same statement as the total."""
    criteria = criteria_for(theme, answers)
    dialect = db.engine.dialect.name
    params: dict = {
        "codes": zone_codes(commune),
        "department": f"|{commune.department}|",
        "theme": theme,
        "now": utcnow(),
        "offset": (page - 1) * PAGE_SIZE,
    }
    wanted = criteria.thematiques
    narrowed = []
    if wanted and wanted != theme_thematiques(theme):
        if len(wanted) == 1:
            params["theme"] = next(iter(wanted))
        else:  # some thematiques of the category, as the answers narrowed it
            narrowed = sorted(wanted)
    params.update((f"thematique_{i}", f"|{t}|") for i, t in enumerate(narrowed))
    publics = sorted(criteria.publics)
    params.update((f"public_{i}", f'"{p}"') for i, p in enumerate(publics))
    if criteria.types is not None:
        params["criteria_types"] = sorted(criteria.types)
    fees = filters.fees or criteria.fees
    if fees:
        params["fees"] = fees
    modes = sorted(criteria.modes | set(filters.modes))
    params.update((f"mode_{i}", f'"{m}"') for i, m in enumerate(modes))
    if filters.types:
        params["filter_types"] = filters.types
    keywords = _keywords_param(dialect, filters.keywords) if filters.keywords else None
    if keywords is not None:
        params["keywords"] = keywords
    located = commune.latitude is not None and commune.longitude is not None
    if located:
        # Equirectangular distance: good enough to order results within a territory.
        k = math.cos(math.radians(commune.latitude))
        cells, radius2 = _near(commune.latitude, commune.longitude, k)
        params.update(
            latitude=commune.latitude,
            longitude=commune.longitude,
            k=k,
            cells=cells,
            radius2=radius2,
        )
    page_statement, count_statement, near_statement = _statements(
        _Shape(
            dialect=dialect,
            nothing=not wanted,
            narrowed=len(narrowed),
            publics=len(publics),
            criteria_types=criteria.types is not None,
            fees=bool(fees),
            modes=len(modes),
            filter_types=bool(filters.types),
            keywords=keywords is not None,
            located=located,
        )
    )
    connection = db.session.connection()
    rows = []
    if near_statement is not None:
        rows = connection.execute(near_statement, params).all()
    if len(rows) < PAGE_SIZE and not (rows and params["offset"] + len(rows) >= rows[0].total):
        # The fresh sheets around the commune do not fill the page, and are not all the
        # sheets found: every sheet, ordered.
        rows = connection.execute(page_statement, params).all()
    if rows:
        count = rows[0].total
    elif page == 1:
        count = 0
    else:  # a page past the end: a plain count, then the last page (as every list)
        count = connection.execute(count_statement, params).scalar() or 0
        page = paging.within(page, count, PAGE_SIZE)
        if count:
            params["offset"] = paging.offset(page, PAGE_SIZE)
            rows = connection.execute(page_statement, params).all()
    return Results(
        rows=[_row(r, commune, params["now"]) for r in rows],
        total=count or 0,
        page=page,
        criteria=criteria,
    )


def _keywords_param(dialect: str, keywords: str) -> str | None:
    """The value bound to the full-text condition (None: no usable word)."""
    if dialect == "postgresql":
        return keywords if words(keywords) else None
    terms = stems(keywords)[:MAX_WORDS]
    # Each word quoted: FTS5 operators typed by the user (NEAR, OR, *, ^, :) stay plain words.
    return " ".join(f'"{term}"' for term in terms) if terms else None


_SEARCH = ServiceSearchRow.__table__.c
_SHEET = Service.__table__.c


@lru_cache(maxsize=256)
def _statements(shape: _Shape):
    """The page statement, the count statement and, for a located commune, the near statement
    of the searches of `shape` (bound values: see `search`). Conditions come cheapest and most
    selective first: SQLite tests them in order.

    The near statement orders only the fresh sheets in a circle around the commune, read from
    the nine grid cells around it (`_near`), instead of every sheet of the zone (4,500 for a
    theme in Nantes): when they fill the page, they are the page, since every other sheet is
    out of date, without coordinates or farther away, and comes after them. Otherwise the
    page statement orders them all."""
    entry = _SEARCH
    conditions = [entry.zone.in_(bindparam("codes", expanding=True))]
    conditions.append(entry.theme == bindparam("theme") if not shape.nothing else false())
    if shape.fees:
        conditions.append(entry.fees == bindparam("fees"))
    if shape.criteria_types:
        conditions.append(entry.type.in_(bindparam("criteria_types", expanding=True)))
    if shape.filter_types:
        conditions.append(entry.type.in_(bindparam("filter_types", expanding=True)))
    if shape.narrowed:
        conditions.append(
            or_(
                *[
                    _contains(entry.thematiques, bindparam(f"thematique_{i}"), shape.dialect)
                    for i in range(shape.narrowed)
                ]
            )
        )
    # An EPCI row whose sheet also covers the commune's department: found by that one.
    conditions.append(~_contains(entry.departments, bindparam("department"), shape.dialect))
    if shape.publics:
        conditions.append(
            or_(
                cast(entry.publics, String).in_(["[]", "null"]),
                _contains(entry.publics, literal('"tous-publics"'), shape.dialect),
                *[
                    _contains(entry.publics, bindparam(f"public_{i}"), shape.dialect)
                    for i in range(shape.publics)
                ],
            )
        )
    if shape.modes:
        conditions.append(
            or_(
                *[
                    _contains(entry.reception_modes, bindparam(f"mode_{i}"), shape.dialect)
                    for i in range(shape.modes)
                ]
            )
        )
    if shape.keywords:
        if shape.dialect == "postgresql":
            # The query parsed once (a subquery: `unaccent` is not folded into a constant).
            conditions.append(
                text(
                    "dora_service_search.fts_document @@ "
                    "(SELECT plainto_tsquery('french', unaccent(:keywords)))"
                ).bindparams(bindparam("keywords"))
            )
        else:
            # `+`: checked row by row; as a key, SQLite would probe each cell for each match.
            conditions.append(
                text(
                    "+dora_service_search.service_id IN (SELECT rowid FROM dora_service_fts"
                    " WHERE dora_service_fts MATCH :keywords)"
                ).bindparams(bindparam("keywords"))
            )

    structure = Structure.__table__.c
    columns = (
        _SHEET.public_id,
        _SHEET.name,
        _SHEET.summary,
        _SHEET.type,
        _SHEET.fees,
        _SHEET.commune,
        _SHEET.reception_modes,
        _SHEET.due_at,
        _SHEET.latitude,
        _SHEET.longitude,
        structure.name.label("provider_name"),
    )
    total = select(func.count()).select_from(entry.service_id.table).where(*conditions)
    found = entry
    if shape.narrows:
        # The sheets found, in a common table expression that the page and the total both
        # read, so that the conditions are evaluated once per row: the full-text matches are
        # looked up and joined once (SQLite, questions: 2.2 → 1.6 ms; PostgreSQL, questions:
        # 9.3 → 7.3 ms, keywords 11.8 → 8.9 ms). For a bare theme, where nothing is filtered
        # out, both count the zone's rows and read the cells around the commune from the key
        # instead (SQLite 7.9 → 2.2 ms, PostgreSQL 10.0 → 7.4 ms).
        found = (
            select(
                entry.service_id,
                entry.cell,
                entry.due_at,
                entry.latitude,
                entry.longitude,
                entry.name,
            )
            .where(*conditions)
            .cte("found")
            .prefix_with("MATERIALIZED")
            .c
        )
        conditions = []
        total = select(func.count()).select_from(found.service_id.table)
    page_ids = (
        select(found.service_id)
        .where(*conditions)
        .order_by(*_order(found, found.service_id, shape.located))
        .limit(PAGE_SIZE)
        .offset(bindparam("offset", type_=Integer))
    )
    # The page's sheets, ordered again on their own copy of the keys (equal to the narrow
    # rows'): SQLite reads `IN (… LIMIT)` as a bounded sort, a joined subquery as a full one.
    page = _page(columns, total, page_ids, shape.located)
    near = None
    if shape.located:
        near_ids = (
            select(found.service_id)
            .where(
                *conditions[:2],  # the key: zone and theme, then the cells
                found.cell.in_(bindparam("cells", expanding=True)),
                *conditions[2:],
                found.due_at > bindparam("now", type_=UTCDateTime),
                _distance(found) <= bindparam("radius2", type_=Float),
            )
            .order_by(_distance(found), found.name, found.service_id)
            .limit(PAGE_SIZE)
            .offset(bindparam("offset", type_=Integer))
        )
        near = _page(columns, total, near_ids, located=True)
    return page, total, near


def _page(columns, total, ids, located: bool):
    provider, structure = Provider.__table__.c, Structure.__table__.c
    return (
        select(*columns, total.scalar_subquery().label("total"))
        .join_from(Service.__table__, Provider.__table__, provider.id == _SHEET.provider_id)
        .join(Structure.__table__, structure.id == provider.structure_id)
        .where(_SHEET.id.in_(ids))
        .order_by(*_order(_SHEET, _SHEET.id, located))
    )


def _distance(table):
    """The square of the distance to the commune, in degrees of latitude (equirectangular)."""
    latitude, longitude, k = (
        bindparam("latitude", type_=Float),
        bindparam("longitude", type_=Float),
        bindparam("k", type_=Float),
    )
    dlat = table.latitude - latitude
    dlon = (table.longitude - longitude) * k
    return dlat * dlat + dlon * dlon


def _order(table, service_id, located: bool) -> list:
    """Fresh sheets first, then by distance when known, then by name. Booleans (false first)
    rather than CASE: one expression less per row and key (`due_at` is never null)."""
    keys = [table.due_at <= bindparam("now", type_=UTCDateTime)]
    if located:
        keys += [table.latitude.is_(None), _distance(table)]
    return [*keys, table.name, service_id]


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

    @property
    def details(self) -> str:
        """One line under the summary: type, fees, place and distance, remote reception."""
        place = self.commune or ""
        if self.distance_km is not None:
            km = f"{self.distance_km:.0f}" if self.distance_km >= 1 else "moins de 1"
            place = f"{place}, à {km} km" if place else f"à {km} km"
        parts = [
            _TYPE_LABELS.get(self.type, self.type) if self.type else "",
            _FEE_LABELS.get(self.fees, self.fees) if self.fees else "",
            place,
            "à distance possible" if "a-distance" in self.reception_modes else "",
        ]
        return " · ".join(part for part in parts if part)


_TYPE_LABELS = {t.value: t.label for t in TypeService}
_FEE_LABELS = {f.value: f.label for f in Frais}


def _row(r, commune: Commune, now) -> Row:
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
        out_of_date=r.due_at is not None and r.due_at <= now,
        distance_km=distance,
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))
