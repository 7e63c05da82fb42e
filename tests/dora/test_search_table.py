"""The search's narrow table: kept in step with the sheets in their own transaction, each sheet
found once per search, and a search page whose SQL statements do not grow with the results."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from app.core import jobs
from app.core.models import utcnow
from app.core.querycount import count_queries
from app.dora import sheets
from app.dora.models import Service, ServiceSearchRow, ServiceStatus, ServiceThematique, ServiceZone
from app.dora.search import Filters, rebuild, rebuild_search_rows, search
from app.extensions import db
from tests.dora.factories import ProviderFactory, reload
from tests.dora.test_search import BASE, MOB, NANTES, NANTES_METROPOLE, names, place, sheet


def stored(service=None) -> set[tuple]:
    query = select(ServiceSearchRow.zone, ServiceSearchRow.theme, ServiceSearchRow.name)
    if service is not None:
        query = query.where(ServiceSearchRow.service_id == service.id)
    return set(db.session.execute(query).all())


def test_the_table_follows_creation_edits_unpublishing_and_deletion():
    service = sheet("Garage solidaire", thematiques=[MOB + "entretenir-reparer-son-vehicule"])
    assert stored(service) == {
        ("44", "mobilite", "Garage solidaire"),
        ("44", MOB + "entretenir-reparer-son-vehicule", "Garage solidaire"),
    }
    service.name = "Garage associatif"
    service.zone = [NANTES]
    service.thematiques = ["famille--garde-denfants"]
    db.session.commit()
    assert stored(service) == {
        (NANTES, "famille", "Garage associatif"),
        (NANTES, "famille--garde-denfants", "Garage associatif"),
    }
    assert names(search(place(), "famille--garde-denfants", {}, Filters())) == ["Garage associatif"]
    sheets.unpublish(None, reload(service))
    db.session.commit()
    assert stored(service) == set()
    assert names(search(place(), "famille", {}, Filters())) == []
    reload(service).status = ServiceStatus.PUBLISHED
    db.session.commit()
    assert len(stored(service)) == 2
    db.session.delete(reload(service))
    db.session.commit()
    assert stored() == set()


def test_a_draft_is_not_copied_and_a_rebuild_gives_the_same_rows():
    sheet("Brouillon", published=False)
    sheet("Publiée", zone=["44", NANTES_METROPOLE, "44162"])
    sheet("Partout", zone=["france", "44"], thematiques=[MOB + "preparer-un-permis", "sante"])
    kept = stored()
    assert {row[2] for row in kept} == {"Publiée", "Partout"}
    rebuild_search_rows()
    db.session.commit()
    assert stored() == kept


def test_a_sheet_is_found_once_whatever_its_zones_and_thematiques_cover():
    both = [MOB + "preparer-un-permis", MOB + "acceder-a-un-vehicule"]
    sheet("Commune et département", zone=[NANTES, "44"], thematiques=both)
    sheet("EPCI et commune", zone=[NANTES_METROPOLE, NANTES], thematiques=both)
    sheet("EPCI et département", zone=[NANTES_METROPOLE, "44"], thematiques=both)
    sheet("France et commune", zone=["france", NANTES], thematiques=both)
    everything = [
        "Commune et département",
        "EPCI et commune",
        "EPCI et département",
        "France et commune",
    ]
    results = search(place(), "mobilite", {}, Filters())
    assert sorted(names(results)) == everything
    assert results.total == 4
    # Answers that keep both thematiques, then one of them: still once each.
    narrowed = search(place(), "mobilite", {"permis": ["non"]}, Filters())
    assert sorted(names(narrowed)) == everything
    assert narrowed.total == 4
    assert sorted(names(search(place(), MOB + "preparer-un-permis", {}, Filters()))) == everything


def add_sheets(count: int) -> None:
    """`count` published mobility sheets for Loire-Atlantique, inserted in bulk."""
    provider = ProviderFactory()
    now = utcnow()
    start = db.session.scalar(select(Service.id).order_by(Service.id.desc()).limit(1)) or 0
    ids = range(start + 1, start + count + 1)
    db.session.execute(
        insert(Service),
        [
            {
                "id": i,
                "public_id": f"t{i:011d}",
                "territory_id": provider.territory_id,
                "provider_id": provider.id,
                "name": f"Location de voitures {i:05d}",
                "summary": "Des voitures à petit prix.",
                "type": "aide-materielle",
                "fees": "payant",
                "publics": [],
                "reception_modes": ["en-presentiel"],
                "commune": "Nantes",
                "latitude": 47.2,
                "longitude": -1.55,
                "status": ServiceStatus.PUBLISHED,
                "last_confirmed_at": now,
                "due_at": now + timedelta(days=15 if i % 3 else -1),
            }
            for i in ids
        ],
    )
    db.session.execute(
        insert(ServiceThematique),
        [{"service_id": i, "thematique": MOB + "acceder-a-un-vehicule"} for i in ids],
    )
    db.session.execute(insert(ServiceZone), [{"service_id": i, "code": "44"} for i in ids])
    rebuild(db.session.connection())
    db.session.commit()


def test_a_search_page_costs_the_same_statements_with_10_or_1000_results(client):
    """Page 1 of 1,000 sheets around Nantes comes from the cells around it; 10 sheets, or page
    50, from the whole zone."""
    add_sheets(10)
    args = {"commune": NANTES, "theme": "mobilite"}
    location = client.get(f"{BASE}/recherche", query_string=args).headers["Location"]
    with count_queries() as few:
        assert "10 solutions" in client.get(location).text
    add_sheets(990)
    client.get(location)  # the log's count changes once
    with count_queries() as many:
        assert "1000 solutions" in client.get(location).text
    with count_queries() as last_page:
        assert client.get(location + "&page=50").status_code == 200
    # One statement more when the fresh sheets around the commune do not fill the page (10
    # results; page 50, past the 667 fresh ones): never one more per result.
    assert len(few) == len(last_page) == len(many) + 1


def test_a_results_page_past_the_last_shows_the_last_page(client):
    add_sheets(25)
    args = {"commune": NANTES, "theme": "mobilite"}
    location = client.get(f"{BASE}/recherche", query_string=args).headers["Location"]
    second = client.get(location + "&page=2").text
    past_the_end = client.get(location + "&page=40")
    assert past_the_end.status_code == 200
    assert "25 solutions" in past_the_end.text
    sheets = re.compile(r'href="([^"]*/recherche/fiches/[^"]+)"')
    assert len(sheets.findall(past_the_end.text)) == 5
    assert sheets.findall(past_the_end.text) == sheets.findall(second)
    assert "Page 2 sur 2" in past_the_end.text


def test_results_come_20_a_page_with_the_count_and_links_to_the_neighbouring_pages(client):
    add_sheets(130)
    args = {"commune": NANTES, "theme": "mobilite"}
    location = client.get(f"{BASE}/recherche", query_string=args).headers["Location"]
    first = client.get(location).text
    assert "130 solutions" in first and "Page 1 sur 7" in first
    assert first.count("/recherche/fiches/") == 20
    assert "page=2" in first and "page=7" in first and "page=5" not in first
    assert "Page suivante" in first and "Page précédente" not in first
    middle = client.get(location + "&page=4").text
    assert "Page 4 sur 7" in middle
    assert all(f"page={n}" in middle for n in (1, 2, 3, 5, 6, 7))
    assert "Page précédente" in middle and "Page suivante" in middle
    last = client.get(location + "&page=7").text
    assert last.count("/recherche/fiches/") == 10 and "Page suivante" not in last
    first_ids = {part.split("?")[0] for part in first.split("/recherche/fiches/")[1:]}
    last_ids = {part.split("?")[0] for part in last.split("/recherche/fiches/")[1:]}
    assert not first_ids & last_ids


def test_the_pages_listed_are_the_ends_and_the_neighbours_of_the_current_one():
    from app.dora.search import Results

    def links(total, page):
        return Results(rows=[], total=total, page=page, criteria=None).page_links()

    assert links(0, 1) == [1]
    assert links(60, 1) == [1, 2, 3]
    assert links(200, 1) == [1, 2, 3, None, 10]
    assert links(200, 5) == [1, 2, 3, 4, 5, 6, 7, None, 10]
    assert links(200, 9) == [1, None, 7, 8, 9, 10]


def stored_in_place() -> list[tuple]:
    """The search rows in the order they are stored: a scan of the table itself (`name` is
    in no index, so no index can stand in for it)."""
    scan = "SELECT zone, theme, service_id, name FROM dora_service_search"
    return [tuple(row) for row in db.session.execute(text(scan)).all()]


def test_the_daily_job_stores_the_rows_in_key_order_and_keywords_still_find_them():
    sheet("Partout", zone=["france"], summary="Voitures à petit prix.")
    sheet("Nantes", zone=[NANTES], summary="Trottinettes.")
    sheet("Département", zone=["44"], summary="Voitures de location.")
    db.session.commit()
    before = stored_in_place()

    outcome = jobs.run_due(only="dora.search_order")

    assert outcome["dora.search_order"].startswith("exécuté")
    after = stored_in_place()
    assert after == sorted(before)  # on PostgreSQL the heap was in writing order before
    assert sorted(names(search(place(), "mobilite", {}, Filters(keywords="voiture")))) == [
        "Département",
        "Partout",
    ]


def bulk_loaded() -> None:
    """As after a load that bypassed the application: no full-text index, no search rows."""
    db.session.execute(text("DELETE FROM dora_service_fts"))
    db.session.execute(text("DELETE FROM dora_service_search"))
    db.session.commit()


def test_a_rebuild_keeps_the_full_text_search_of_the_search_rows():
    sheet("Garage solidaire", summary="Réparations à petit prix.")
    sheet("Crèches parentales", summary="Places en crèche.")
    bulk_loaded()
    rebuild(db.session.connection())
    db.session.commit()
    assert names(search(place(), "mobilite", {}, Filters(keywords="reparation"))) == [
        "Garage solidaire"
    ]
    assert names(search(place(), "mobilite", {}, Filters(keywords="creche"))) == [
        "Crèches parentales"
    ]


def test_editing_only_the_description_updates_what_keywords_find():
    service = sheet("Garage solidaire", description="Pièces détachées.")
    db.session.commit()
    reload(service).description = "Bicyclettes d'occasion."
    db.session.commit()
    assert names(search(place(), "mobilite", {}, Filters(keywords="bicyclette"))) == [
        "Garage solidaire"
    ]
    assert names(search(place(), "mobilite", {}, Filters(keywords="pieces"))) == []


def test_the_reindex_command_rebuilds_then_stores_in_key_order(app):
    sheet("Partout", zone=["france"], summary="Voitures à petit prix.")
    sheet("Département", zone=["44"], summary="Voitures de location.")
    db.session.commit()
    bulk_loaded()

    result = app.test_cli_runner().invoke(args=["dora", "reindex"])

    assert "2 fiche(s) indexée(s)" in result.output
    assert stored_in_place() == sorted(stored_in_place())
    assert sorted(names(search(place(), "mobilite", {}, Filters(keywords="voitures")))) == [
        "Département",
        "Partout",
    ]


def test_the_reorder_gives_up_rather_than_queue_searches_behind_a_long_transaction():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's table is always in key order: nothing to rewrite")
    sheet("Partout", zone=["france"])
    db.session.commit()
    with db.engine.connect() as other:  # a long transaction reading the table
        other.execute(text("SELECT count(*) FROM dora_service_search"))
        outcome = jobs.run_due(only="dora.search_order")
        other.rollback()
    assert outcome["dora.search_order"] == "échec"
    assert names(search(place(), "mobilite", {}, Filters())) == ["Partout"]
