"""Reading a search from its URL (the whole query is in the URL: back, reload and a shared link
give the same results): the commune among the territory's, the theme, the answers, the
keywords and the filters, each refused with a French message rather than ignored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import select

from app.dora import questions
from app.dora.models import Commune, Frais, ModeAccueil, TypeService
from app.dora.search import MAX_KEYWORDS_LENGTH, Filters
from app.extensions import db

_LABEL = re.compile(r"^(?P<name>.+?)\s*\((?P<postal>[0-9]{5})\)\s*$")
MAX_PAGE = 500


@dataclass(frozen=True)
class Place:
    """A commune of the territory, as the search needs it (reference data, cached)."""

    code: str
    name: str
    postal_codes: tuple[str, ...]
    department: str
    epci: str | None
    latitude: float | None
    longitude: float | None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.postal_codes[0] if self.postal_codes else self.code})"


@lru_cache(maxsize=16)
def places_of(department: str) -> tuple[Place, ...]:
    """The communes of a department, by name (the autocomplete's list)."""
    rows = db.session.scalars(
        select(Commune).where(Commune.department == department).order_by(Commune.name)
    )
    return tuple(
        Place(
            c.code, c.name, tuple(c.postal_code_list), c.department, c.epci, c.latitude, c.longitude
        )
        for c in rows
    )


@lru_cache(maxsize=16)
def datalist_options(department: str) -> Markup:
    """The `<option>`s of the commune autocomplete (a `<datalist>`, so it works without
    JavaScript): one per commune and postal code, rendered once per process rather than on
    every search; `</option>` is optional in HTML and left out (a few KB of every page)."""
    return Markup(  # noqa: S704 (every value escaped)
        "".join(
            f'<option value="{escape(place.name)} ({escape(postal)})">'
            for place in places_of(department)
            for postal in place.postal_codes or (place.code,)
        )
    )


def _fold(value: str) -> str:
    from app.dora.search import fold

    return " ".join(fold(value).replace("-", " ").replace("'", " ").split())


@lru_cache(maxsize=16)
def _by_folded_name(department: str) -> dict[str, tuple[Place, ...]]:
    names: dict[str, tuple[Place, ...]] = {}
    for place in places_of(department):
        names[_fold(place.name)] = (*names.get(_fold(place.name), ()), place)
    return names


def find_place(department: str, value: str) -> Place | None:
    """The commune typed: an INSEE code, "Name (postal code)", a postal code or a name, if it
    designates one commune of the territory."""
    value = (value or "").strip()
    if not value or len(value) > 150:
        return None
    places = places_of(department)
    if value.isdigit() or value[:2].isdigit():
        by_code = [p for p in places if p.code == value]
        if by_code:
            return by_code[0]
    match = _LABEL.match(value)
    name, postal = (match["name"], match["postal"]) if match else (value, None)
    if postal is None and value.isdigit():
        candidates = [p for p in places if value in p.postal_codes]
        return candidates[0] if len(candidates) == 1 else None
    candidates = list(_by_folded_name(department).get(_fold(name), ()))
    if postal:
        candidates = [p for p in candidates if postal in p.postal_codes] or candidates
    return candidates[0] if len(candidates) == 1 else None


@dataclass
class SearchQuery:
    commune_text: str = ""
    theme: str = ""
    place: Place | None = None
    answers: dict = field(default_factory=dict)
    filters: Filters = field(default_factory=Filters)
    page: int = 1
    sid: str = ""
    barrier_grant: str = ""  # from a notebook's barrier (a grant, see carnet_link)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def submitted(self) -> bool:
        return bool(self.commune_text or self.theme)

    @property
    def ready(self) -> bool:
        return self.place is not None and bool(self.theme) and not self.errors


_TYPES = {t.value for t in TypeService}
_FEES = {f.value for f in Frais}
_MODES = {m.value for m in ModeAccueil}


def read_query(args, department: str) -> SearchQuery:
    """The search the URL's arguments describe, with an error per field that does not hold."""
    query = SearchQuery(
        commune_text=(args.get("commune") or "").strip()[:150],
        theme=(args.get("theme") or "").strip(),
        sid=(args.get("sid") or "")[:16],
        barrier_grant=(args.get("frein") or "")[:300],
    )
    if not query.submitted:
        return query
    if not query.commune_text:
        query.errors["commune"] = "Indiquez la commune de la personne."
    else:
        query.place = find_place(department, query.commune_text)
        if query.place is None:
            query.errors["commune"] = (
                "Commune inconnue sur ce territoire : choisissez-la dans la liste "
                "(nom ou code postal)."
            )
    if not query.theme:
        query.errors["theme"] = "Choisissez une thématique."
    elif not questions.is_theme(query.theme):
        query.errors["theme"] = "Thématique inconnue : choisissez-la dans la liste."
        query.theme = ""
    if query.theme:
        raw = {q.key: args.getlist(q.key) for q in questions.questions_for(query.theme)}
        query.answers, errors = questions.validate_answers(query.theme, raw)
        query.errors.update(errors)

    keywords = " ".join((args.get("mots") or "").split())
    if len(keywords) > MAX_KEYWORDS_LENGTH:
        query.errors["mots"] = (
            f"Les mots-clés font au plus {MAX_KEYWORDS_LENGTH} caractères (ici {len(keywords)})."
        )
        keywords = keywords[:MAX_KEYWORDS_LENGTH]
    types = args.getlist("type")
    fees = args.get("frais") or None
    modes = args.getlist("accueil")
    if set(types) - _TYPES or (fees and fees not in _FEES) or set(modes) - _MODES:
        query.errors["filtres"] = "Filtre inconnu : choisissez parmi les cases proposées."
    query.filters = Filters(
        types=sorted(set(types) & _TYPES),
        fees=fees if fees in _FEES else None,
        modes=sorted(set(modes) & _MODES),
        keywords=keywords,
    )
    page = args.get("page") or "1"
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        query.errors["page"] = "Page inconnue."
    else:
        query.page = int(page)
    return query


def url_args(query: SearchQuery, **overrides) -> dict:
    """The URL arguments of `query` (for links: pagination, the sheets, the feedback forms)."""
    args: dict = {
        "commune": query.place.label if query.place else query.commune_text,
        "theme": query.theme,
        **{key: values for key, values in query.answers.items()},
        "mots": query.filters.keywords or None,
        "type": query.filters.types or None,
        "frais": query.filters.fees,
        "accueil": query.filters.modes or None,
        "sid": query.sid or None,
        "frein": query.barrier_grant or None,
    }
    args.update(overrides)
    return {k: v for k, v in args.items() if v not in (None, "", [])}
