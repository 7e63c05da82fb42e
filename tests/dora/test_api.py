"""Open data: validated structures and published sheets in the data·inclusion v1 format,
validated against the package's own pydantic models; paginated, filtered, without a token."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from data_inclusion.schema import v1 as di

from app.core.models import utcnow
from tests.dora.factories import ProviderFactory, ServiceFactory, territory


def test_structures_are_validated_ones_in_the_data_inclusion_format(client):
    validated = ProviderFactory(structure__siret="13003013300016", networks=["caf"])
    ProviderFactory(to_moderate=True)
    body = client.get("/api/v1/structures").get_json()
    assert body["total"] == 1
    item = body["items"][0]
    model = di.Structure.model_validate(item)
    assert model.id == f"dora--{validated.slug}"
    assert model.siret == "13003013300016"
    assert model.telephone == "+33240123456"
    assert {r.value for r in model.reseaux_porteurs} == {"caf"}


def test_services_are_published_sheets_of_validated_structures(client):
    published = ServiceFactory(published=True, contact_public=False)
    ServiceFactory(provider=published.provider)  # draft
    ServiceFactory(provider=published.provider, archived=True)
    ServiceFactory(provider=ProviderFactory(to_moderate=True), published=True)
    body = client.get("/api/v1/services").get_json()
    assert body["total"] == 1
    model = di.Service.model_validate(body["items"][0], context={"ignore_warnings": False})
    assert model.id == f"dora--{published.public_id}"
    assert model.structure_id == f"dora--{published.provider.slug}"
    assert {t.value for t in model.thematiques} == {"mobilite--acceder-a-un-vehicule"}
    assert model.zone_eligibilite == ["44"]
    assert {m.value for m in model.mobilisable_par} == {"professionnels", "usagers"}
    assert str(model.lien_source).endswith(f"/loire-atlantique/dora/fiches/{published.public_id}")
    # A non-public contact is never published.
    assert published.contact_phone[1:] not in (model.telephone or "")
    assert model.courriel != published.contact_email
    assert model.contact_nom_prenom is None


def test_a_public_contact_is_published(client):
    sheet = ServiceFactory(published=True, contact_public=True)
    model = di.Service.model_validate(client.get("/api/v1/services").get_json()["items"][0])
    assert model.courriel == sheet.contact_email
    assert model.contact_nom_prenom == sheet.contact_name


def test_filters_department_thematique_and_modification_date(client):
    nantes = ServiceFactory(published=True)
    ardennes = ServiceFactory(
        provider=ProviderFactory(territory_id=territory("ardennes").id, code_insee="08105"),
        published=True,
        thematiques=["famille--garde-denfants"],
        zone=["08"],
    )
    old = ServiceFactory(published=True, thematiques=["logement-hebergement--louer-un-logement"])
    old.modified_at = old.last_confirmed_at = utcnow() - timedelta(days=40)
    from app.extensions import db

    db.session.commit()

    def ids(query):
        return {i["id"] for i in client.get("/api/v1/services" + query).get_json()["items"]}

    assert ids("?departement=08") == {f"dora--{ardennes.public_id}"}
    assert ids("?thematique=mobilite") == {f"dora--{nantes.public_id}"}
    assert ids("?thematique=famille--garde-denfants") == {f"dora--{ardennes.public_id}"}
    since = (utcnow() - timedelta(days=10)).date().isoformat()
    assert f"dora--{old.public_id}" not in ids(f"?modifie_depuis={since}")
    assert len(ids(f"?modifie_depuis={since}")) == 2


def test_pagination(client):
    for _ in range(3):
        ServiceFactory(published=True)
    first = client.get("/api/v1/services?taille=2").get_json()
    second = client.get("/api/v1/services?taille=2&page=2").get_json()
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (
        3,
        2,
        2,
        1,
    )
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_bad_parameters_are_a_422_problem_in_french(client):
    response = client.get("/api/v1/services?departement=XX&thematique=inconnue&page=0&x=1")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    fields = response.get_json()["fields"]
    assert set(fields) == {"departement", "thematique", "page", "x"}
    assert "département inconnu" in fields["departement"][0]


def test_the_api_is_documented_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/structures" in doc["paths"] and "/api/v1/services" in doc["paths"]
    assert doc["paths"]["/api/v1/services"]["get"]["security"] == []
    assert "ServicePage" in doc["components"]["schemas"]


def test_export_writes_the_same_data_to_sqlite(app, tmp_path):
    sheet = ServiceFactory(published=True)
    ServiceFactory(provider=sheet.provider)
    output = tmp_path / "dora.sqlite"
    result = app.test_cli_runner().invoke(args=["dora", "export", str(output)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(output) as conn:
        assert conn.execute("select count(*) from structures").fetchone() == (1,)
        assert conn.execute("select id, nom from services").fetchall() == [
            (f"dora--{sheet.public_id}", sheet.name)
        ]


def test_the_query_count_does_not_grow_with_the_page(client):
    from app.core.querycount import count_queries

    ServiceFactory(published=True)
    with count_queries() as few:
        client.get("/api/v1/services")
    for _ in range(8):
        ServiceFactory(published=True, provider=ProviderFactory())
    with count_queries() as many:
        body = client.get("/api/v1/services").get_json()
    assert body["total"] == 9
    assert len(many) == len(few)
