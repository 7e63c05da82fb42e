"""The search: zones, personalising questions, full-text on both backends, order, filters,
bad input, htmx and plain pages, the search log and a constant number of queries."""

from __future__ import annotations

from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.core.models import utcnow
from app.core.querycount import count_queries
from app.dora import questions
from app.dora.models import SearchLog, ServiceStatus
from app.dora.search import Filters, search, stems
from app.dora.search_form import find_place, places_of
from app.extensions import db
from tests.dora.factories import ProviderFactory, ServiceFactory, reload, territory
from tests.factories import member

BASE = "/loire-atlantique/dora"
NANTES, SAINT_HERBLAIN, SAINT_NAZAIRE, CHARLEVILLE = "44109", "44162", "44184", "08105"
NANTES_METROPOLE = "244400404"
MOB = "mobilite--"


def place(code=NANTES):
    department = "08" if code.startswith("08") else "44"
    return next(p for p in places_of(department) if p.code == code)


def names(results) -> list[str]:
    return [r.name for r in results.rows]


def sheet(name, thematiques=(MOB + "acceder-a-un-vehicule",), zone=("44",), **kwargs):
    kwargs.setdefault("published", True)
    return ServiceFactory(name=name, thematiques=list(thematiques), zone=list(zone), **kwargs)


def run(theme="mobilite", answers=None, code=NANTES, **filters):
    return search(place(code), theme, answers or {}, Filters(**filters))


# Zones


def test_a_sheet_is_found_where_its_eligibility_zone_covers_the_commune():
    sheet("Commune de Nantes", zone=[NANTES])
    sheet("Nantes Métropole", zone=[NANTES_METROPOLE])
    sheet("Loire-Atlantique", zone=["44"])
    sheet("Partout en France", zone=["france"])
    sheet("Saint-Nazaire seulement", zone=[SAINT_NAZAIRE])
    sheet("Ardennes", zone=["08"])
    assert sorted(names(run(code=NANTES))) == [
        "Commune de Nantes",
        "Loire-Atlantique",
        "Nantes Métropole",
        "Partout en France",
    ]
    assert sorted(names(run(code=SAINT_HERBLAIN))) == [
        "Loire-Atlantique",
        "Nantes Métropole",
        "Partout en France",
    ]
    assert sorted(names(run(code=SAINT_NAZAIRE))) == [
        "Loire-Atlantique",
        "Partout en France",
        "Saint-Nazaire seulement",
    ]


def test_only_published_sheets_on_the_theme_are_found():
    sheet("Publiée")
    sheet("Brouillon", published=False)
    sheet("Archivée", published=False, status=ServiceStatus.ARCHIVED)
    sheet("Logement", thematiques=["logement-hebergement--louer-un-logement"])
    assert names(run("mobilite")) == ["Publiée"]
    assert names(run("logement-hebergement")) == ["Logement"]
    assert names(run(MOB + "acceder-a-un-vehicule")) == ["Publiée"]
    assert names(run(MOB + "preparer-un-permis")) == []


def test_a_sheet_of_another_territory_is_found_by_its_zone():
    ardennes = ProviderFactory(territory_id=territory("ardennes").id)
    sheet("Plateforme nationale", zone=["france"], provider=ardennes)
    sheet("Ardennes seulement", zone=["08"], provider=ardennes)
    assert names(run(code=NANTES)) == ["Plateforme nationale"]


# Personalising questions, each on known data


@pytest.fixture
def mobility_offer():
    sheet("Auto-école sociale", thematiques=[MOB + "preparer-un-permis"])
    sheet("Location de voitures", thematiques=[MOB + "acceder-a-un-vehicule"])
    sheet("Garage solidaire", thematiques=[MOB + "entretenir-reparer-son-vehicule"])
    sheet("Vélos partagés", thematiques=[MOB + "mobilite-douce-partagee-collective"])


def test_without_a_driving_licence_the_licence_not_the_car_rental(mobility_offer):
    found = names(run(answers={"permis": ["non"]}))
    assert "Auto-école sociale" in found and "Vélos partagés" in found
    assert "Location de voitures" not in found and "Garage solidaire" not in found


def test_with_a_licence_and_no_vehicle_access_to_a_vehicle(mobility_offer):
    found = names(run(answers={"permis": ["oui"], "vehicule": ["non"]}))
    assert sorted(found) == ["Location de voitures", "Vélos partagés"]


def test_a_broken_down_vehicle_finds_the_garage(mobility_offer):
    assert "Garage solidaire" in names(run(answers={"vehicule": ["en-panne"]}))
    assert "Vélos partagés" not in names(run(answers={"vehicule": ["en-panne"]}))


def test_the_public_question_keeps_sheets_for_those_publics_or_everyone():
    sheet("Jeunes", publics=["jeunes"])
    sheet("Tous publics", publics=["tous-publics"])
    sheet("Non précisé", publics=[])
    sheet("Seniors", publics=["seniors"])
    assert sorted(names(run(answers={"public": ["jeune"]}))) == [
        "Jeunes",
        "Non précisé",
        "Tous publics",
    ]
    assert sorted(names(run(answers={"public": ["jeune", "rsa"]}))) == [
        "Jeunes",
        "Non précisé",
        "Tous publics",
    ]
    assert len(names(run())) == 4


def test_who_cannot_pay_gets_free_services_only():
    sheet("Gratuit", fees="gratuit")
    sheet("Payant", fees="payant")
    assert names(run(answers={"payer": ["non"]})) == ["Gratuit"]
    assert sorted(names(run(answers={"payer": ["oui"]}))) == ["Gratuit", "Payant"]


def test_who_cannot_travel_gets_remote_services_only():
    sheet("Sur place", reception_modes=["en-presentiel"])
    sheet("À distance", reception_modes=["a-distance", "en-presentiel"])
    assert names(run(answers={"deplacer": ["non"]})) == ["À distance"]


@pytest.fixture
def childcare_offer():
    garde = ["famille--garde-denfants"]
    sheet("Crèche familiale", thematiques=garde, publics=["familles"], type="aide-materielle")
    sheet(
        "Aide à la garde à domicile",
        thematiques=garde,
        publics=["familles"],
        type="aide-financiere",
    )
    sheet(
        "Accueil jeunes étudiants", thematiques=garde, publics=["etudiants"], type="accompagnement"
    )
    sheet(
        "Soutien à la parentalité",
        thematiques=["famille--soutien-a-la-parentalite-et-a-leducation"],
        publics=["familles"],
    )


def test_childcare_children_age_maps_to_families(childcare_offer):
    found = names(run("famille--garde-denfants", {"age_enfant": ["moins-3-ans"]}))
    assert sorted(found) == ["Aide à la garde à domicile", "Crèche familiale"]
    teen = names(run("famille", {"age_enfant": ["12-ans-et-plus"]}))
    assert "Soutien à la parentalité" in teen


def test_childcare_atypical_hours_maps_to_service_types(childcare_offer):
    found = names(run("famille--garde-denfants", {"horaires": ["decales"]}))
    assert sorted(found) == ["Accueil jeunes étudiants", "Aide à la garde à domicile"]


def test_housing_questions_map_to_sub_needs_and_emergency_public():
    sheet(
        "Hébergement d'urgence",
        thematiques=["logement-hebergement--rechercher-une-solution-dhebergement-temporaire"],
        publics=["personnes-en-situation-durgence"],
    )
    sheet("Impayés de loyer", thematiques=["logement-hebergement--reduire-les-impayes-de-loyer"])
    assert names(run("logement-hebergement", {"logement": ["sans-solution"]})) == [
        "Hébergement d'urgence"
    ]
    assert names(run("logement-hebergement", {"logement": ["oui"], "impayes": ["oui"]})) == [
        "Impayés de loyer"
    ]


def test_each_question_answer_is_declared_with_a_label_and_a_known_vocabulary():
    from app.dora.models import ModeAccueil, Public, Thematique, TypeService

    known = {
        "thematiques": {t.value for t in Thematique},
        "publics": {p.value for p in Public},
        "types": {t.value for t in TypeService},
        "modes": {m.value for m in ModeAccueil},
    }
    for question in questions.QUESTIONS:
        assert question.label and question.answers
        for answer in question.answers:
            for name, values in known.items():
                assert set(getattr(answer, name) or ()) <= values, (question.key, answer.value)


# Full text: the same cases on SQLite and PostgreSQL (the suite runs on both)


@pytest.fixture
def texts():
    sheet("Crèches parentales", summary="Places en crèche pour parents en reprise d'emploi.")
    sheet(
        "Garage solidaire",
        summary="Réparations à petit prix.",
        description="Pièces détachées d'occasion.",
    )
    sheet("Permis B accompagné", summary="Code de la route et conduite.")


@pytest.mark.parametrize(
    "keywords, expected",
    [
        ("creche", ["Crèches parentales"]),
        ("crèches", ["Crèches parentales"]),
        ("CRECHE", ["Crèches parentales"]),
        ("réparation", ["Garage solidaire"]),
        ("pieces detachees", ["Garage solidaire"]),
        ("garage permis", []),
        ("la route", ["Permis B accompagné"]),
        ("permis OR garage", []),
        ('"permis" NEAR(garage) * ^code :', []),
        ('permis"', ["Permis B accompagné"]),
        ("de la", ["Crèches parentales", "Garage solidaire", "Permis B accompagné"]),
    ],
)
def test_keywords_are_stemmed_and_accent_folded_on_both_backends(texts, keywords, expected):
    found = sorted(names(search(place(), "mobilite", {}, Filters(keywords=keywords))))
    assert found == expected


def test_the_index_follows_edits_and_deletions_in_the_same_transaction(texts):
    service = sheet("Atelier vélo", summary="Apprendre à réparer.")
    service.summary = "Apprendre la trottinette."
    db.session.commit()
    assert names(search(place(), "mobilite", {}, Filters(keywords="trottinettes"))) == [
        "Atelier vélo"
    ]
    assert names(search(place(), "mobilite", {}, Filters(keywords="reparer"))) == [
        "Garage solidaire"
    ]
    db.session.delete(reload(service))
    db.session.commit()
    assert names(search(place(), "mobilite", {}, Filters(keywords="trottinette"))) == []


def test_french_stems_in_python_fold_plurals_and_accents():
    assert stems("Crèches") == stems("creche") == ["crech"]
    assert stems("les crèches de la ville") == stems("crèche ville")


# Order and filters


def test_fresh_sheets_first_then_the_nearest():
    saint_nazaire = (47.2742, -2.21415)
    sheet("Loin et à jour", latitude=saint_nazaire[0], longitude=saint_nazaire[1])
    sheet("Près et à jour", latitude=47.2184, longitude=-1.5536)
    sheet("Près mais à actualiser", latitude=47.2184, longitude=-1.5536, due=True)
    sheet("Sans adresse")
    results = run()
    assert names(results) == [
        "Près et à jour",
        "Loin et à jour",
        "Sans adresse",
        "Près mais à actualiser",
    ]
    assert results.rows[0].distance_km < 1
    assert 45 < results.rows[1].distance_km < 55
    assert results.rows[2].distance_km is None
    assert results.rows[3].out_of_date


def test_filters_by_type_fees_and_reception_mode():
    sheet("Formation payante", type="formation", fees="payant", reception_modes=["en-presentiel"])
    sheet(
        "Aide gratuite à distance",
        type="aide-financiere",
        fees="gratuit",
        reception_modes=["a-distance"],
    )
    assert names(run(types=["formation"])) == ["Formation payante"]
    assert names(run(fees="gratuit")) == ["Aide gratuite à distance"]
    assert names(run(modes=["a-distance"])) == ["Aide gratuite à distance"]
    assert names(run(types=["formation"], fees="gratuit")) == []


# Communes


@pytest.mark.parametrize("typed", ["Nantes (44000)", "nantes", "44109", "44300", "NANTES (44100)"])
def test_the_commune_is_found_by_name_or_postal_code(typed):
    assert find_place("44", typed).code == NANTES


@pytest.mark.parametrize("typed", ["Charleville-Mézières", "Atlantis", "", "4", "x" * 200])
def test_a_commune_outside_the_territory_or_unknown_is_not_found(typed):
    assert find_place("44", typed) is None


def test_the_commune_list_comes_with_the_form_and_loads_on_focus_once_a_commune_is_chosen(
    client,
):
    form = client.get(f"{BASE}/recherche").text
    assert '<option value="Nantes (44000)">' in form  # no JavaScript needed to pick one
    located = client.get(
        client.get(
            f"{BASE}/recherche", query_string={"commune": "44109", "theme": "mobilite"}
        ).headers["Location"]
    )
    assert located.status_code == 200
    assert '<option value="Nantes (44000)">' not in located.text
    assert f'data-hx-get="{BASE}/recherche/communes"' in located.text
    communes = client.get(f"{BASE}/recherche/communes")
    assert communes.status_code == 200
    assert '<option value="Nantes (44000)">' in communes.text
    assert "Charleville" not in communes.text  # this territory's communes only
    assert communes.headers["Cache-Control"] == "private, max-age=86400"
    ardennes = client.get("/ardennes/dora/recherche/communes").text
    assert "Charleville-Mézières (08000)" in unescape(ardennes) and "Nantes" not in ardennes


# Pages


def test_anyone_searches_without_an_account_and_the_url_carries_the_whole_query(client):
    sheet("Location de voitures", summary="Voitures à petit prix.")
    response = client.get(
        f"{BASE}/recherche",
        query_string={"commune": "Nantes (44000)", "theme": "mobilite", "permis": "oui"},
    )
    # A new search gets its id in the URL, so that refining it stays the same search.
    assert response.status_code == 303
    location = response.headers["Location"]
    args = parse_qs(urlsplit(location).query)
    assert (
        args["commune"] == ["Nantes (44000)"]
        and args["theme"] == ["mobilite"]
        and args["permis"] == ["oui"]
    )
    page = client.get(location)
    assert page.status_code == 200
    text = unescape(page.text)
    assert "1 solution pour « Mobilité » à Nantes" in text
    assert "Location de voitures" in text
    assert "Je n'ai pas trouvé de solution" in text
    # Reloading the same URL is the same search.
    client.get(location)
    assert db.session.scalar(select(SearchLog.result_count)) == 1
    assert len(db.session.scalars(select(SearchLog)).all()) == 1


def test_htmx_gets_the_fragment_and_the_url_to_push(htmx_client):
    sheet("Location de voitures")
    response = htmx_client.get(
        f"{BASE}/recherche", query_string={"commune": "44109", "theme": "mobilite"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="recherche">')
    assert "<html" not in response.text
    assert (
        "sid=" in response.headers["HX-Push-Url"]
        and "commune=Nantes" in response.headers["HX-Push-Url"]
    )
    assert "HX-Request" in response.headers["Vary"]


def test_refining_filters_is_the_same_search_and_new_answers_a_new_one(client):
    sheet("Location de voitures", fees="payant")
    first = client.get(f"{BASE}/recherche", query_string={"commune": "44109", "theme": "mobilite"})
    sid = parse_qs(urlsplit(first.headers["Location"]).query)["sid"][0]
    refined = client.get(
        f"{BASE}/recherche",
        query_string={
            "commune": "44109",
            "theme": "mobilite",
            "sid": sid,
            "frais": "gratuit",
            "mots": "Jeanne Dupont voiture",
        },
    )
    assert refined.status_code == 200
    logs = db.session.scalars(select(SearchLog)).all()
    assert len(logs) == 1
    assert logs[0].filters == {"types": [], "fees": "gratuit", "modes": []}
    assert logs[0].result_count == 0
    assert logs[0].with_keywords is True
    # No free text is ever logged.
    assert "Jeanne" not in repr(logs[0].__dict__)
    client.get(
        f"{BASE}/recherche",
        query_string={"commune": "44109", "theme": "mobilite", "sid": sid, "permis": "non"},
    )
    assert len(db.session.scalars(select(SearchLog)).all()) == 2


def test_the_questions_follow_the_theme(client, htmx_client):
    fragment = htmx_client.get(f"{BASE}/recherche/questions", query_string={"theme": "mobilite"})
    assert "permis de conduire" in unescape(fragment.text)
    fragment = htmx_client.get(
        f"{BASE}/recherche/questions", query_string={"theme": "famille--garde-denfants"}
    )
    assert "plus jeune enfant" in unescape(fragment.text) and "permis" not in fragment.text
    page = client.get(f"{BASE}/recherche", query_string={"theme": "mobilite"})
    assert "permis de conduire" in unescape(page.text)


@pytest.mark.parametrize(
    "args, message",
    [
        ({"commune": "Atlantis", "theme": "mobilite"}, "Commune inconnue sur ce territoire"),
        ({"commune": "08105", "theme": "mobilite"}, "Commune inconnue sur ce territoire"),
        ({"commune": "44109", "theme": "astronautique"}, "Thématique inconnue"),
        (
            {"commune": "44109", "theme": "mobilite", "permis": "peut-etre"},
            "Cette réponse n'est pas proposée",
        ),
        (
            {"commune": "44109", "theme": "mobilite", "permis": ["oui", "non"]},
            "Choisissez une seule réponse",
        ),
        (
            {"commune": "44109", "theme": "mobilite", "mots": "crèche " * 2000},
            "Les mots-clés font au plus 200 caractères",
        ),
        ({"commune": "44109", "theme": "mobilite", "frais": "cher"}, "Filtre inconnu"),
        ({"commune": "44109", "theme": "mobilite", "page": "-3"}, "Page inconnue"),
        ({"commune": "", "theme": "mobilite"}, "Indiquez la commune"),
    ],
)
def test_bad_input_gets_a_french_message_and_nothing_is_logged(client, args, message):
    response = client.get(f"{BASE}/recherche", query_string=args)
    assert response.status_code == 422
    assert message in unescape(response.text)
    assert db.session.scalars(select(SearchLog)).all() == []


def test_fts_operators_and_quotes_in_keywords_never_fail(client):
    sheet("Location de voitures")
    for typed in ['"', "NEAR(", "voiture*", "a:b", "^", "((", "'; DROP TABLE dora_service; --"]:
        response = client.get(
            f"{BASE}/recherche",
            query_string={"commune": "44109", "theme": "mobilite", "mots": typed, "sid": "x"},
        )
        assert response.status_code in (200, 303), typed


def test_a_search_costs_a_constant_number_of_queries(client):
    for i in range(3):
        sheet(f"Service {i}", summary="Voitures à petit prix.")
    args = {"commune": "44109", "theme": "mobilite", "mots": "voiture"}
    location = client.get(f"{BASE}/recherche", query_string=args).headers["Location"]
    with count_queries() as few:
        client.get(location)
    for i in range(3, 30):
        sheet(f"Service {i}", summary="Voitures à petit prix.")
    client.get(location)  # the log's count changes once
    with count_queries() as many:
        client.get(location)
    assert len(many) == len(few)


# The sheet opened from the results


def test_a_sheet_opened_from_the_results_ends_the_search_on_a_sheet(client):
    service = sheet("Location de voitures")
    location = client.get(
        f"{BASE}/recherche", query_string={"commune": "44109", "theme": "mobilite"}
    ).headers["Location"]
    page = client.get(location)
    assert f"/recherche/fiches/{service.public_id}?sid=" in page.text
    sid = parse_qs(urlsplit(location).query)["sid"][0]
    response = client.get(f"{BASE}/recherche/fiches/{service.public_id}", query_string={"sid": sid})
    assert response.status_code == 200
    assert db.session.scalar(select(SearchLog.sheet_opened_at)) is not None
    # Anonymous: the public content, and an invitation to log in to orient.
    assert "Connectez-vous" in response.text
    assert "agnes.durand@structure.fr" not in response.text


def test_a_sheet_opened_after_30_minutes_does_not_count(client):
    service = sheet("Location de voitures")
    log = SearchLog(
        territory_id=territory("loire-atlantique").id,
        commune_code=NANTES,
        theme="mobilite",
        answers={},
        filters={},
        created_at=utcnow() - timedelta(minutes=31),
    )
    db.session.add(log)
    db.session.commit()
    client.get(f"{BASE}/recherche/fiches/{service.public_id}", query_string={"sid": log.public_id})
    assert reload(log).sheet_opened_at is None


def test_a_caseworker_sees_the_whole_sheet_and_the_two_actions(login_as):
    service = sheet(
        "Location de voitures",
        access_conditions="Être inscrit à France Travail.",
        required_documents="Permis de conduire, justificatif de domicile.",
        opening_hours="Du lundi au vendredi, 9 h – 17 h",
    )
    client = login_as(member(Role.PROFESSIONAL, "loire-atlantique"))
    response = client.get(f"{BASE}/recherche/fiches/{service.public_id}")
    text = unescape(response.text)
    assert "Orienter la personne" in text
    assert "Partager par courriel" in text and "mailto:?subject=" in text
    assert f"/fiches/{service.public_id}" in text  # the public page's link in the SMS text
    assert "agnes.durand@structure.fr" in text  # the contact reserved to caseworkers
    # Who it is for, conditions, documents, how to mobilise, contacts, freshness.
    for shown in (
        "Pour qui",
        "Demandeurs d’emploi",
        "Conditions d'accès",
        "Être inscrit à France Travail.",
        "Justificatifs à fournir",
        "Permis de conduire, justificatif de domicile.",
        "Mobiliser le service",
        "Accompagnateurs :",
        "Du lundi au vendredi, 9 h – 17 h",
        "0240987654",
        f"Informations confirmées le {service.last_confirmed_at.strftime('%d/%m/%Y')}",
    ):
        assert shown in text, shown


def test_drafts_and_unknown_sheets_are_not_found(client):
    draft = sheet("Brouillon", published=False)
    assert client.get(f"{BASE}/recherche/fiches/{draft.public_id}").status_code == 404
    assert client.get(f"{BASE}/recherche/fiches/inconnue").status_code == 404
