"""The search reads the sheets around the commune first (the grid cells of `search._near`):
whatever served a page, the order is the whole search's — fresh sheets first, then the nearest,
then by name — page after page, with filters and keywords, and for a commune without
coordinates."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from app.core.models import utcnow
from app.core.querycount import count_queries
from app.dora.models import Commune, Service, ServiceStatus, ServiceThematique, ServiceZone
from app.dora.search import NO_CELL, PAGE_SIZE, Filters, _near, cell_of, rebuild, search
from app.extensions import db
from tests.dora.factories import ProviderFactory
from tests.dora.test_search import MOB, NANTES, place

# Around Nantes (47.2186, -1.5538): a few hundred metres to 60 km, in every direction.
OFFSETS_KM = [0.2, 0.4, 1, 2, 3, 5, 7, 9, 10.5, 11, 12, 15, 20, 30, 45, 60]
BEARINGS = range(5, 360, 15)


def add_sheets_around(latitude: float, longitude: float) -> list[dict]:
    """Sheets at every offset and bearing, a third out of date, some without coordinates,
    names repeated (the order's last keys); inserted in bulk, the search rows rebuilt."""
    provider = ProviderFactory()
    now = utcnow()
    start = db.session.scalar(select(Service.id).order_by(Service.id.desc()).limit(1)) or 0
    rows = []
    # Each bearing a little farther (no two sheets at the same distance but by rounding).
    places = [
        (km + i * 0.013, bearing) for km in OFFSETS_KM for i, bearing in enumerate(BEARINGS)
    ] + [(None, None)] * 8
    for n, (km, bearing) in enumerate(places, start=start + 1):
        lat = lon = None
        if km is not None:
            lat = latitude + km / 111.2 * math.cos(math.radians(bearing))
            lon = longitude + km / 111.2 * math.sin(math.radians(bearing)) / math.cos(
                math.radians(latitude)
            )
        rows.append(
            {
                "id": n,
                "public_id": f"n{n:011d}",
                "territory_id": provider.territory_id,
                "provider_id": provider.id,
                "name": f"Garage solidaire {n % 7}",
                "summary": "Réparer sa voiture à petit prix." if n % 2 else "Un garage.",
                "type": "aide-materielle",
                "fees": "gratuit" if n % 4 else "payant",
                "publics": [],
                "reception_modes": ["en-presentiel"],
                "commune": "Nantes",
                "latitude": lat,
                "longitude": lon,
                "status": ServiceStatus.PUBLISHED,
                "last_confirmed_at": now,
                "due_at": now + timedelta(days=-2 if n % 3 == 0 else 20),
            }
        )
    db.session.execute(insert(Service), rows)
    db.session.execute(
        insert(ServiceThematique),
        [
            {"service_id": r["id"], "thematique": MOB + "entretenir-reparer-son-vehicule"}
            for r in rows
        ],
    )
    db.session.execute(insert(ServiceZone), [{"service_id": r["id"], "code": "44"} for r in rows])
    rebuild(db.session.connection())
    db.session.commit()
    return rows


def expected_order(rows, commune, now, keep=lambda row: True) -> list[str]:
    """The whole search's order, computed here: out of date last, then without coordinates,
    then by (equirectangular) distance, name and id."""
    k = math.cos(math.radians(commune.latitude))

    def key(row):
        located = row["latitude"] is not None
        distance = 0.0
        if located:
            dlat = row["latitude"] - commune.latitude
            dlon = (row["longitude"] - commune.longitude) * k
            distance = dlat * dlat + dlon * dlon
        return (row["due_at"] <= now, not located, distance, row["name"], row["id"])

    return [row["public_id"] for row in sorted(filter(keep, rows), key=key)]


def every_page(commune, theme="mobilite", **filters) -> tuple[list[str], list[int]]:
    """The public ids of every page of a search, and the statements each page cost."""
    found, statements = [], []
    page = 1
    while True:
        with count_queries() as executed:
            results = search(commune, theme, {}, Filters(**filters), page=page)
        statements.append(len(executed))
        found += [row.public_id for row in results.rows]
        if page >= results.pages:
            return found, statements
        page += 1


def public_ids(results) -> list[str]:
    return [row.public_id for row in results.rows]


def test_every_page_comes_in_the_whole_search_order_whatever_served_it():
    nantes = place(NANTES)
    rows = add_sheets_around(nantes.latitude, nantes.longitude)
    now = utcnow()
    found, statements = every_page(nantes)
    assert found == expected_order(rows, nantes, now)
    # The first pages come from the cells around Nantes (one statement), the later ones
    # (farther, out of date, without coordinates) from the whole zone (one more).
    assert statements[0] == 1 and statements[-1] == 2


@pytest.mark.parametrize(
    "filters, keep",
    [
        ({"fees": "gratuit"}, lambda row: row["fees"] == "gratuit"),
        ({"keywords": "voitures"}, lambda row: "voiture" in row["summary"]),
    ],
    ids=["fees", "keywords"],
)
def test_filtered_searches_keep_the_order_page_after_page(filters, keep):
    nantes = place(NANTES)
    rows = add_sheets_around(nantes.latitude, nantes.longitude)
    found, _ = every_page(nantes, **filters)
    assert found == expected_order(rows, nantes, utcnow(), keep)
    assert len(found) < len(rows)


def test_a_commune_without_coordinates_orders_by_freshness_then_name():
    nantes = place(NANTES)
    rows = add_sheets_around(nantes.latitude, nantes.longitude)
    nowhere = Commune(
        code=NANTES, name="Nantes", department="44", epci=nantes.epci, postal_codes=["44000"]
    )
    found, statements = every_page(nowhere)
    now = utcnow()
    order = sorted(rows, key=lambda row: (row["due_at"] <= now, row["name"], row["id"]))
    assert found == [row["public_id"] for row in order]
    assert set(statements) == {1}


def test_out_of_date_sheets_next_door_come_after_fresh_ones_far_away():
    nantes = place(NANTES)
    rows = add_sheets_around(nantes.latitude, nantes.longitude)
    first = public_ids(search(nantes, "mobilite", {}, Filters()))
    assert len(first) == PAGE_SIZE
    fresh = {row["public_id"] for row in rows if row["due_at"] > utcnow()}
    assert set(first) <= fresh


def test_every_sheet_nearer_than_the_radius_lies_in_the_cells_around_the_commune():
    for latitude, longitude in [(47.2186, -1.5538), (49.7617, 4.7258), (-20.8823, 55.4504)]:
        k = math.cos(math.radians(latitude))
        cells, radius2 = _near(latitude, longitude, k)
        radius = math.sqrt(radius2)
        for bearing in range(0, 360, 15):
            lat = latitude + radius * math.cos(math.radians(bearing))
            lon = longitude + radius * math.sin(math.radians(bearing)) / k
            assert cell_of(lat, lon) in cells
        assert 10 < radius * 111.2 < 11.2  # about 11 km
    assert cell_of(None, 2.35) == NO_CELL


@pytest.mark.parametrize("stale", [False, True], ids=["all-fresh", "one-out-of-date"])
def test_a_few_sheets_all_fresh_and_near_cost_one_statement(stale):
    """When the fresh sheets around the commune are all the sheets found, they are the page."""
    nantes = place(NANTES)
    rows = add_sheets_around(nantes.latitude, nantes.longitude)
    fresh = [row for row in rows if row["due_at"] > utcnow()]
    kept = {row["public_id"] for row in fresh[:5]}  # 0.2 km away
    if stale:
        kept.add(next(row["public_id"] for row in rows if row["due_at"] <= utcnow()))
    db.session.execute(
        Service.__table__.update()
        .where(Service.public_id.not_in(kept))
        .values(status=ServiceStatus.ARCHIVED)
    )
    rebuild(db.session.connection())
    with count_queries() as executed:
        results = search(nantes, "mobilite", {}, Filters())
    assert public_ids(results) == expected_order(
        rows, nantes, utcnow(), lambda row: row["public_id"] in kept
    )
    assert results.total == len(kept)
    assert len(executed) == (2 if stale else 1)
