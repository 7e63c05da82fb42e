"""Provider pages: creating and editing a structure and its sheets, publishing, the two-click
freshness confirmation, crowdsourcing, members; scoping (other territory, drafts) and access."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.core.models import utcnow
from app.core.querycount import count_queries
from app.dora.models import (
    MemberStatus,
    Moderation,
    Provider,
    ProviderMember,
    Service,
    ServiceStatus,
    Suggestion,
)
from app.extensions import db
from app.tenancy.models import Structure
from tests.dora.factories import ProviderFactory, ServiceFactory, provider_member, reload, territory
from tests.factories import member

LA = "loire-atlantique"
BASE = "/loire-atlantique/dora"


def provider_data(**overrides):
    data = {
        "name": "Plateforme mobilité Nantes",
        "kind": "association",
        "siret": "130 030 133 00016",
        "short_description": "Diagnostic et solutions de mobilité.",
        "postal_code": "44000",
        "code_insee": "44109",
        "phone": "02 40 12 34 56",
        "email": "contact@mobilite.fr",
        "opening_hours": "Mo-Fr 09:00-12:00",
    }
    data.update(overrides)
    return data


def service_data(**overrides):
    data = {
        "name": "Préparation au permis B",
        "summary": "Code et conduite avec un accompagnement renforcé.",
        "thematiques": ["mobilite--preparer-un-permis"],
        "type": "formation",
        "fees": "payant",
        "publics": ["demandeurs-emploi"],
        "reception_modes": ["en-presentiel"],
        "address": "3 rue Kervégan",
        "code_insee": "44109",
        "modes_for_professionals": ["telephoner"],
        "contact_phone": "02 40 00 00 01",
        "zone": "44109, 44",
        "update_frequency_days": "",
    }
    data.update(overrides)
    return data


def test_a_caseworker_creates_a_structure_and_becomes_its_administrator(login_as):
    user = member(Role.PROFESSIONAL, LA)
    client = login_as(user)
    response = client.post(f"{BASE}/structures/nouvelle", data=provider_data())
    assert response.status_code == 303
    provider = db.session.scalar(select(Provider))
    assert response.headers["Location"].endswith(f"/structures/{provider.slug}/")
    assert provider.structure.siret == "13003013300016"
    assert provider.structure.commune == "Nantes"
    assert provider.latitude is not None  # from the commune
    assert provider.moderation == Moderation.TO_MODERATE
    membership = db.session.scalar(select(ProviderMember))
    assert (membership.user_id, membership.is_admin, membership.status) == (
        user.id,
        True,
        MemberStatus.ACTIVE,
    )
    page = client.get(response.headers["Location"])
    assert "En attente de validation" in unescape(page.text)
    assert "Ajouter une fiche" in unescape(page.text)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siret", "13003013300017", "Ce SIRET n'est pas valide"),
        ("siret", "1234", "Le SIRET comporte 14 chiffres"),
        ("phone", "12", "numéro de téléphone n'est pas valide"),
        ("email", "pas-une-adresse", "adresse électronique valide"),
        ("postal_code", "4400", "Le code postal comporte 5 chiffres"),
        ("opening_hours", "lundi de 9h à 12h", "format OpenStreetMap"),
    ],
)
def test_bad_structure_input_is_a_422_naming_the_field_and_nothing_is_saved(
    login_as, field, value, message
):
    client = login_as(member(Role.PROFESSIONAL, LA))
    response = client.post(f"{BASE}/structures/nouvelle", data=provider_data(**{field: value}))
    assert response.status_code == 422
    assert message in unescape(response.text)
    assert db.session.scalar(select(func.count(Provider.id))) == 0


def test_a_second_structure_with_the_same_siret_is_refused(login_as):
    existing = ProviderFactory(structure__siret="13003013300016")
    client = login_as(member(Role.PROFESSIONAL, LA))
    response = client.post(f"{BASE}/structures/nouvelle", data=provider_data())
    assert response.status_code == 422
    assert existing.structure.name in unescape(response.text)
    assert db.session.scalar(select(func.count(Structure.id))) == 1


def test_a_member_edits_the_structure_but_not_another_one(login_as):
    provider = ProviderFactory()
    other = ProviderFactory()
    client = login_as(provider_member(provider))
    response = client.post(
        f"{BASE}/structures/{provider.slug}/modifier",
        data=provider_data(name="Nouveau nom", siret=""),
    )
    assert response.status_code == 303
    provider_structure = reload(provider.structure)
    assert provider_structure.name == "Nouveau nom"
    assert client.get(f"{BASE}/structures/{other.slug}/modifier").status_code == 403
    assert (
        client.post(f"{BASE}/structures/{other.slug}/modifier", data=provider_data()).status_code
        == 403
    )


def test_a_coordinator_edits_any_structure_of_the_territory(login_as):
    provider = ProviderFactory()
    client = login_as(member(Role.COORDINATOR, LA))
    response = client.post(
        f"{BASE}/structures/{provider.slug}/modifier", data=provider_data(name="Corrigé", siret="")
    )
    assert response.status_code == 303


def test_another_territorys_structure_and_sheet_are_404(login_as):
    ardennes = ProviderFactory(territory_id=territory("ardennes").id)
    sheet = ServiceFactory(provider=ardennes, published=True)
    client = login_as(member(Role.COORDINATOR, LA))
    assert client.get(f"{BASE}/structures/{ardennes.slug}/").status_code == 404
    assert client.get(f"{BASE}/services/{sheet.public_id}/").status_code == 404
    assert client.post(f"{BASE}/services/{sheet.public_id}/publier").status_code == 404


def test_a_draft_is_a_404_outside_its_structure_and_a_published_sheet_is_readable(login_as):
    draft = ServiceFactory()
    published = ServiceFactory(provider=draft.provider, published=True)
    client = login_as(member(Role.PROFESSIONAL, LA))
    assert client.get(f"{BASE}/services/{draft.public_id}/").status_code == 404
    page = client.get(f"{BASE}/services/{published.public_id}/")
    assert page.status_code == 200
    assert published.name in unescape(page.text)
    # Read, not edit: a 403 on the edit page of a sheet they can see.
    assert client.get(f"{BASE}/services/{published.public_id}/modifier").status_code == 403
    provider_page = client.get(f"{BASE}/structures/{draft.provider.slug}/")
    assert published.name in unescape(provider_page.text)
    assert draft.name not in unescape(provider_page.text)


def test_a_member_creates_a_sheet_as_draft_then_publishes_it(login_as):
    provider = ProviderFactory()
    client = login_as(provider_member(provider))
    response = client.post(
        f"{BASE}/structures/{provider.slug}/services/nouveau", data=service_data()
    )
    assert response.status_code == 303
    sheet = db.session.scalar(select(Service))
    assert sheet.status == ServiceStatus.DRAFT
    assert sheet.thematiques == ["mobilite--preparer-un-permis"]
    assert sorted(sheet.zone) == ["44", "44109"]
    assert sheet.update_frequency_days == 15  # the experiment's themes
    assert sheet.commune == "Nantes"
    response = client.post(f"{BASE}/services/{sheet.public_id}/publier")
    assert response.status_code == 303
    sheet = reload(sheet)
    assert sheet.status == ServiceStatus.PUBLISHED
    assert sheet.published_at is not None


def test_the_default_frequency_is_30_days_outside_the_experiments_themes(login_as):
    provider = ProviderFactory()
    client = login_as(provider_member(provider))
    client.post(
        f"{BASE}/structures/{provider.slug}/services/nouveau",
        data=service_data(thematiques=["numerique--acquerir-un-equipement"]),
    )
    assert db.session.scalar(select(Service.update_frequency_days)) == 30


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"zone": "99999"}, "code inconnu « 99999 »"),
        ({"zone": ""}, "Ce champ est obligatoire"),
        ({"summary": "x" * 281}, "280 caractères"),
        ({"publics": ["tous-publics", "femmes"]}, "Tous publics"),
        ({"address": ""}, "Indiquez l'adresse du lieu d'accueil en présentiel"),
        ({"contact_email": "faux@"}, "adresse électronique valide"),
        ({"thematiques": ["pas-une-thematique"]}, "n'est pas un choix valide"),
    ],
)
def test_bad_sheet_input_is_a_422_and_nothing_is_saved(login_as, overrides, message):
    provider = ProviderFactory()
    client = login_as(provider_member(provider))
    response = client.post(
        f"{BASE}/structures/{provider.slug}/services/nouveau", data=service_data(**overrides)
    )
    assert response.status_code == 422
    assert message in unescape(response.text)
    assert db.session.scalar(select(func.count(Service.id))) == 0


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"contact_phone": None, "contact_email": None}, "indiquez un contact"),
        ({"reception_modes": []}, "indiquez le mode d'accueil"),
    ],
)
def test_publishing_refuses_a_sheet_missing_what_it_needs_each_with_its_message(
    login_as, missing, message
):
    sheet = ServiceFactory(**missing)
    client = login_as(provider_member(sheet.provider))
    response = client.post(f"{BASE}/services/{sheet.public_id}/publier")
    assert response.status_code == 422
    assert message in unescape(response.text)
    sheet = reload(sheet)
    assert sheet.status == ServiceStatus.DRAFT


def test_publishing_refuses_a_sheet_without_zone(login_as):
    sheet = ServiceFactory(zone=[])
    client = login_as(provider_member(sheet.provider))
    response = client.post(f"{BASE}/services/{sheet.public_id}/publier")
    assert response.status_code == 422
    assert "indiquez la zone d'éligibilité" in unescape(response.text)


def test_nothing_changed_in_two_clicks_sets_the_confirmation_date_without_editing(
    login_as, htmx_client
):
    sheet = ServiceFactory(due=True)
    user = provider_member(sheet.provider)
    client = login_as(user)
    before_modified = sheet.modified_at
    dashboard = client.get(f"{BASE}/structures/{sheet.provider.slug}/")
    assert "Des fiches sont à actualiser" in unescape(dashboard.text)
    assert "À actualiser" in unescape(dashboard.text)
    # First click: the confirmation, in place (no change on GET).
    first = client.get(
        f"{BASE}/services/{sheet.public_id}/rien-n-a-change", headers={"HX-Request": "true"}
    )
    assert first.status_code == 200
    assert "Confirmer : rien n'a changé" in unescape(first.text)
    assert "<html" not in unescape(first.text)
    sheet = reload(sheet)
    assert sheet.is_due()
    # Second click: the POST.
    second = client.post(
        f"{BASE}/services/{sheet.public_id}/rien-n-a-change", headers={"HX-Request": "true"}
    )
    assert second.status_code == 200
    assert "Fiche confirmée à jour" in unescape(second.text)
    sheet = reload(sheet)
    assert not sheet.is_due()
    assert sheet.last_confirmed_at > utcnow() - timedelta(minutes=1)
    assert sheet.modified_at == before_modified
    assert "Des fiches sont à actualiser" not in unescape(
        client.get(f"{BASE}/structures/{sheet.provider.slug}/").text
    )


def test_nothing_changed_works_without_javascript(login_as):
    sheet = ServiceFactory(due=True)
    client = login_as(provider_member(sheet.provider))
    page = client.get(f"{BASE}/services/{sheet.public_id}/rien-n-a-change")
    assert "<html" in unescape(page.text) and "Confirmer : rien n'a changé" in unescape(page.text)
    response = client.post(f"{BASE}/services/{sheet.public_id}/rien-n-a-change")
    assert response.status_code == 303
    sheet = reload(sheet)
    assert not sheet.is_due()


def test_a_non_member_cannot_confirm_a_sheet(login_as):
    sheet = ServiceFactory(due=True)
    client = login_as(member(Role.PROFESSIONAL, LA))
    assert client.post(f"{BASE}/services/{sheet.public_id}/rien-n-a-change").status_code == 403
    sheet = reload(sheet)
    assert sheet.is_due()


def test_out_of_date_sheets_rank_after_fresh_ones(login_as):
    provider = ProviderFactory()
    due = ServiceFactory(provider=provider, due=True, name="A — ancienne")
    fresh = ServiceFactory(provider=provider, published=True, name="B — récente")
    client = login_as(member(Role.PROFESSIONAL, LA))
    text = unescape(client.get(f"{BASE}/structures/{provider.slug}/").text)
    assert text.index(fresh.name) < text.index(due.name)


def test_a_caseworker_reports_an_error_and_the_structure_decides(login_as, app):
    sheet = ServiceFactory(published=True)
    caseworker = member(Role.PROFESSIONAL, LA)
    client = login_as(caseworker)
    response = client.post(
        f"{BASE}/services/{sheet.public_id}/signaler", data={"message": "Le numéro a changé."}
    )
    assert response.status_code == 200
    assert "la structure est prévenue" in unescape(response.text)
    suggestion = db.session.scalar(select(Suggestion))
    assert suggestion.author_id == caseworker.id
    # The coordinator sees what waits.
    coordinator_page = app.test_client()
    coordinator_page.post(
        "/connexion",
        data={"email": member(Role.COORDINATOR, LA).email, "password": "Mot-de-passe-de-test-1"},
    )
    assert sheet.provider.name in coordinator_page.get(f"{BASE}/coordination/").text
    admin = app.test_client()
    admin.post(
        "/connexion",
        data={"email": provider_member(sheet.provider).email, "password": "Mot-de-passe-de-test-1"},
    )
    assert "Le numéro a changé." in admin.get(f"{BASE}/structures/{sheet.provider.slug}/").text
    response = admin.post(
        f"{BASE}/structures/{sheet.provider.slug}/suggestions/{suggestion.id}/accepter"
    )
    assert response.status_code == 303
    suggestion = reload(suggestion)
    assert suggestion.status.value == "accepted"


def test_a_draft_cannot_be_reported(login_as):
    sheet = ServiceFactory(provider=ProviderFactory())
    client = login_as(member(Role.PROFESSIONAL, LA))
    assert (
        client.post(
            f"{BASE}/services/{sheet.public_id}/signaler", data={"message": "x"}
        ).status_code
        == 404
    )


def test_join_request_is_accepted_by_an_administrator_and_gives_no_carnet_access(login_as, app):
    provider = ProviderFactory()
    admin_user = provider_member(provider)
    caseworker = member(Role.PROFESSIONAL, LA)
    client = login_as(caseworker)
    assert client.post(f"{BASE}/structures/{provider.slug}/rejoindre").status_code == 303
    request_row = db.session.scalar(
        select(ProviderMember).where(ProviderMember.user_id == caseworker.id)
    )
    assert request_row.status == MemberStatus.REQUESTED
    # Still not an editor.
    assert client.get(f"{BASE}/structures/{provider.slug}/modifier").status_code == 403
    admin = app.test_client()
    admin.post("/connexion", data={"email": admin_user.email, "password": "Mot-de-passe-de-test-1"})
    assert (
        admin.post(
            f"{BASE}/structures/{provider.slug}/membres/{request_row.id}/accepter"
        ).status_code
        == 200
    )
    assert client.get(f"{BASE}/structures/{provider.slug}/modifier").status_code == 200
    # DORA membership only: no Carnet de bord membership of the structure was given.
    db.session.expire_all()
    roles = {
        (m.role, m.structure_id)
        for m in db.session.get(type(caseworker), caseworker.id).memberships
    }
    assert (Role.PROFESSIONAL, provider.structure_id) not in roles


def test_the_first_member_is_accepted_by_a_coordinator_and_becomes_administrator(login_as, app):
    provider = ProviderFactory()
    caseworker = member(Role.PROFESSIONAL, LA)
    login_as(caseworker).post(f"{BASE}/structures/{provider.slug}/rejoindre")
    row = db.session.scalar(select(ProviderMember))
    coordinator = app.test_client()
    coordinator.post(
        "/connexion",
        data={"email": member(Role.COORDINATOR, LA).email, "password": "Mot-de-passe-de-test-1"},
    )
    assert coordinator.post(f"{BASE}/coordination/membres/{row.id}/accepter").status_code == 303
    row = reload(row)
    assert (row.status, row.is_admin) == (MemberStatus.ACTIVE, True)


def test_an_administrator_invites_someone_who_accepts(login_as, app):
    from tests.conftest import outbox_messages

    provider = ProviderFactory()
    client = login_as(provider_member(provider))
    response = client.post(
        f"{BASE}/structures/{provider.slug}/membres",
        data={"email": "Nouvelle@Exemple.fr", "first_name": "Léa", "last_name": "Roux"},
    )
    assert response.status_code == 303
    messages = outbox_messages(app)
    assert messages[-1]["to"] == "nouvelle@exemple.fr"
    assert provider.slug in messages[-1]["body"]
    row = db.session.scalar(
        select(ProviderMember).where(ProviderMember.status == MemberStatus.INVITED)
    )
    assert row is not None


def test_a_member_may_not_manage_members(login_as):
    provider = ProviderFactory()
    client = login_as(provider_member(provider, admin=False))
    assert client.get(f"{BASE}/structures/{provider.slug}/membres").status_code == 403


def test_the_public_page_needs_no_account_and_hides_a_private_contact(client):
    sheet = ServiceFactory(published=True, contact_public=False)
    page = client.get(f"{BASE}/fiches/{sheet.public_id}")
    assert page.status_code == 200
    assert sheet.name in unescape(page.text)
    assert sheet.contact_phone not in unescape(page.text)
    assert sheet.provider.structure.phone in unescape(page.text)
    public = ServiceFactory(published=True, contact_public=True, contact_phone="0240111111")
    assert "0240111111" in unescape(client.get(f"{BASE}/fiches/{public.public_id}").text)


@pytest.mark.parametrize("trait", ["draft", "archived"])
def test_drafts_and_archived_sheets_are_never_public(client, trait):
    sheet = ServiceFactory(**({"archived": True} if trait == "archived" else {}))
    assert client.get(f"{BASE}/fiches/{sheet.public_id}").status_code == 404


def test_the_poster_has_a_qr_code_per_published_sheet(login_as):
    sheet = ServiceFactory(published=True)
    ServiceFactory(provider=sheet.provider, name="Brouillon caché")
    client = login_as(member(Role.PROFESSIONAL, LA))
    page = client.get(f"{BASE}/structures/{sheet.provider.slug}/affiche")
    assert unescape(page.text).count("<svg") == 1
    assert f"/fiches/{sheet.public_id}" in unescape(page.text)
    assert "Brouillon caché" not in unescape(page.text)


def test_the_dashboard_query_count_does_not_grow_with_sheets(login_as, app):
    provider = ProviderFactory()
    client = login_as(provider_member(provider))
    ServiceFactory(provider=provider, published=True)
    with count_queries() as few:
        client.get(f"{BASE}/structures/{provider.slug}/")
    for _ in range(6):
        ServiceFactory(provider=provider, due=True)
    with count_queries() as many:
        client.get(f"{BASE}/structures/{provider.slug}/")
    assert len(many) == len(few)


def test_dora_is_a_404_where_the_territory_does_not_run_it(login_as):
    client = login_as(member(Role.PROFESSIONAL, "seine-saint-denis"))
    assert client.get("/seine-saint-denis/dora/").status_code == 404


@pytest.mark.parametrize("path", ["/", "/structures/nouvelle", "/coordination/"])
def test_anonymous_is_sent_to_login_and_a_person_is_refused(client, login_as, path):
    response = client.get(BASE + path)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]
    person = login_as(member(Role.BENEFICIARY, LA))
    assert person.get(BASE + path).status_code == 403


def test_the_coordination_page_is_for_coordinators(login_as):
    client = login_as(member(Role.PROFESSIONAL, LA))
    assert client.get(f"{BASE}/coordination/").status_code == 403


def test_a_coordinator_validates_a_structure(login_as):
    provider = ProviderFactory(to_moderate=True)
    client = login_as(member(Role.COORDINATOR, LA))
    assert provider.name in unescape(client.get(f"{BASE}/coordination/").text)
    assert client.post(f"{BASE}/coordination/structures/{provider.slug}/valider").status_code == 303
    provider = reload(provider)
    assert provider.moderation == Moderation.VALIDATED


def test_a_coordinator_opens_a_directory_structure_on_dora_without_duplicating_it(login_as):
    from tests.dora.factories import DoraStructureFactory

    carnet_structure = DoraStructureFactory(name="Mission locale de Saint-Nazaire")
    elsewhere = DoraStructureFactory(territory_id=territory("ardennes").id)
    client = login_as(member(Role.COORDINATOR, LA))
    assert "Mission locale de Saint-Nazaire" in unescape(client.get(f"{BASE}/coordination/").text)
    response = client.post(f"{BASE}/coordination/repertoire/{carnet_structure.id}")
    assert response.status_code == 303
    provider = db.session.scalar(select(Provider))
    assert provider.structure_id == carnet_structure.id
    assert provider.moderation == Moderation.VALIDATED
    assert db.session.scalar(select(func.count(Structure.id))) == 2
    assert client.post(f"{BASE}/coordination/repertoire/{elsewhere.id}").status_code == 404
