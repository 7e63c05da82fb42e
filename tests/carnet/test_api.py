"""The Carnet de bord JSON API: bearer tokens bound to one territory, create-or-update, reads."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import hash_token
from app.accounts.roles import Role
from app.carnet.models import (
    ApiToken,
    BarrierTheme,
    Beneficiary,
    ContractType,
    Notebook,
    Situation,
    TimelineEvent,
    Visibility,
)
from app.carnet.schemas import BeneficiaryInput
from app.carnet.sync import CONFLICT
from app.core.models import AuditEntry, utcnow
from app.extensions import db
from tests.carnet.api_factories import bearer, issue_token
from tests.carnet.factories import VALID_NIR, NotebookFactory, add_barrier, add_member
from tests.factories import StructureFactory, member, territory

URL = "/api/v1/carnet/beneficiaries"

PAYLOAD = {
    "first_name": "Camille",
    "last_name": "Martin",
    "birth_date": "1985-07-14",
    "email": "Camille.Martin@Exemple.fr",
    "mobile": "06 12 34 56 78",
    "address": "3 rue de la République",
    "postal_code": "93200",
    "commune": "Saint-Denis",
    "situation": "rsa",
    "caf_number": "1234567",
    "france_travail_id": "FT1234567",
    "nir": "1 85 07 75 123 456 08",
    "work_situation": "Sans emploi depuis 2022",
    "education_level": "CAP",
    "contract_type": "cer",
    "contract_start": "2026-01-05",
    "contract_end": "2026-07-05",
}


@pytest.fixture
def token():
    return issue_token("seine-saint-denis", "France Travail 93")


def post(client, secret, payload):
    return client.post(URL, json=payload, headers=bearer(secret))


def beneficiaries():
    db.session.expire_all()
    return db.session.scalars(select(Beneficiary).order_by(Beneficiary.id)).all()


# Creating and updating


def test_create_stores_the_person_and_their_notebook_in_the_token_territory(client, token):
    row, secret = token
    response = post(client, secret, PAYLOAD)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["created"] is True

    [person] = beneficiaries()
    assert body["id"] == person.id
    assert person.territory_id == territory("seine-saint-denis").id
    assert (person.first_name, person.last_name) == ("Camille", "Martin")
    assert person.birth_date == date(1985, 7, 14)
    assert person.email == "camille.martin@exemple.fr"
    assert person.mobile == "0612345678"
    assert person.situation == Situation.RSA
    assert person.nir == VALID_NIR  # spaces removed
    notebook = db.session.get(Notebook, body["notebook_id"])
    assert notebook.beneficiary_id == person.id
    assert notebook.territory_id == person.territory_id
    assert notebook.contract_type == ContractType.CER
    assert notebook.contract_start == date(2026, 1, 5)
    assert notebook.work_situation == "Sans emploi depuis 2022"
    assert notebook.last_modified_at is not None

    [event] = db.session.scalars(select(TimelineEvent)).all()
    assert (event.notebook_id, event.kind, event.actor_id) == (notebook.id, "sync", None)
    assert event.summary == "Carnet créé depuis France Travail 93"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_id == notebook.id))
    assert (entry.action, entry.object_type, entry.territory_id) == (
        "modified",
        "notebook",
        person.territory_id,
    )
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_minimal_create_takes_the_defaults_and_accepts_a_nir_without_its_key(client, token):
    _, secret = token
    payload = {
        "first_name": " Léa ",
        "last_name": "Dupont",
        "birth_date": "1990-02-01",
        "nir": "2 90 02 93 066 123",
    }
    response = post(client, secret, payload)
    assert response.status_code == 201, response.json
    [person] = beneficiaries()
    assert person.first_name == "Léa"
    assert person.nir == "2900293066123"
    assert person.situation == Situation.OTHER
    assert person.email is None
    assert person.notebook.contract_type == ContractType.NONE


def test_update_by_nir_changes_only_the_fields_sent(client, token):
    row, secret = token
    existing = NotebookFactory(
        beneficiary__created_by_token_id=row.id,
        beneficiary__first_name="Camile",
        beneficiary__last_name="Martin",
        beneficiary__birth_date=date(1985, 7, 14),
        beneficiary__nir=VALID_NIR,
        beneficiary__email="ancienne@exemple.fr",
        beneficiary__commune="Bobigny",
    )
    response = post(
        client,
        secret,
        {
            "first_name": "Camille",
            "last_name": "Martin",
            "birth_date": "1985-07-14",
            "nir": VALID_NIR,
            "commune": "Saint-Denis",
            "contract_type": "ppae",
        },
    )
    assert response.status_code == 200, response.json
    assert response.json == {
        "id": existing.beneficiary_id,
        "notebook_id": existing.id,
        "created": False,
    }
    [person] = beneficiaries()
    assert person.first_name == "Camille"
    assert person.commune == "Saint-Denis"
    assert person.email == "ancienne@exemple.fr"  # not sent: unchanged
    assert person.notebook.contract_type == ContractType.PPAE
    [event] = db.session.scalars(select(TimelineEvent)).all()
    assert event.summary == "Mis à jour depuis France Travail 93 : prénom, commune, contrat"


def test_update_by_france_travail_id_then_by_identity_ignoring_case(client, token):
    row, secret = token
    by_id = NotebookFactory(
        beneficiary__france_travail_id="FT0001", beneficiary__created_by_token_id=row.id
    )
    by_identity = NotebookFactory(
        beneficiary__created_by_token_id=row.id,
        beneficiary__first_name="Jean-Marc",
        beneficiary__last_name="Petit",
        beneficiary__birth_date=date(1970, 3, 3),
    )
    first = post(
        client,
        secret,
        {
            "first_name": "Autre",
            "last_name": "Nom",
            "birth_date": "1980-01-01",
            "france_travail_id": "FT0001",
            "mobile": "0611223344",
        },
    )
    second = post(
        client,
        secret,
        {"first_name": "JEAN-MARC", "last_name": "petit", "birth_date": "1970-03-03"},
    )
    assert (first.status_code, first.json["id"]) == (200, by_id.beneficiary_id)
    assert (second.status_code, second.json["id"]) == (200, by_identity.beneficiary_id)
    assert len(beneficiaries()) == 2
    assert db.session.get(Beneficiary, by_id.beneficiary_id).mobile == "0611223344"


def test_sending_the_same_data_again_changes_nothing(client, token):
    _, secret = token
    assert post(client, secret, PAYLOAD).status_code == 201
    again = post(client, secret, PAYLOAD)
    assert (again.status_code, again.json["created"]) == (200, False)
    assert len(beneficiaries()) == 1
    assert db.session.scalar(select(func.count(TimelineEvent.id))) == 1


def test_an_identity_match_with_another_nir_is_a_conflict_and_nothing_is_overwritten(client, token):
    _, secret = token
    NotebookFactory(
        beneficiary__first_name="Camille",
        beneficiary__last_name="Martin",
        beneficiary__birth_date=date(1985, 7, 14),
        beneficiary__nir="2850775123456",
        beneficiary__commune="Bobigny",
    )
    response = post(client, secret, PAYLOAD)
    assert response.status_code == 409
    assert response.json["detail"] == CONFLICT
    [person] = beneficiaries()
    assert (person.nir, person.commune) == ("2850775123456", "Bobigny")


def test_an_archived_notebook_receiving_new_data_is_reactivated(client, token):
    row, secret = token
    archived = NotebookFactory(
        beneficiary__nir=VALID_NIR, beneficiary__created_by_token_id=row.id, archived_at=utcnow()
    )
    response = post(client, secret, PAYLOAD)
    assert (response.status_code, response.json["notebook_id"]) == (200, archived.id)
    db.session.expire_all()
    assert db.session.get(Notebook, archived.id).archived_at is None


# What a token may change (issue #6.8)


def test_a_token_cannot_overwrite_a_person_it_did_not_create(client, token):
    _, secret = token
    NotebookFactory(
        beneficiary__first_name="Camille",
        beneficiary__last_name="Martin",
        beneficiary__birth_date=date(1985, 7, 14),
        beneficiary__email="camille@exemple.fr",
        beneficiary__mobile="0611111111",
    )
    attack = {
        "first_name": "Camille",
        "last_name": "Martin",
        "birth_date": "1985-07-14",
        "email": "pirate@exemple.fr",
        "mobile": "0699999999",
        "situation": "other",
    }
    response = post(client, secret, attack)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.json == {
        "type": "urn:spie:probleme:conflit",
        "title": "Conflit",
        "status": 409,
        "detail": CONFLICT,
    }
    [person] = beneficiaries()
    assert (person.email, person.mobile) == ("camille@exemple.fr", "0611111111")
    assert db.session.scalar(select(func.count(TimelineEvent.id))) == 0


def test_conflict_answers_say_the_same_whatever_matched(client, token):
    """No answer tells a token that a NIR, an identifier or a name belongs to someone."""
    _, secret = token
    NotebookFactory(beneficiary__nir=VALID_NIR, beneficiary__first_name="Jeanne")
    NotebookFactory(beneficiary__france_travail_id="FT777")
    twin = {"beneficiary__first_name": "Paul", "beneficiary__last_name": "Durand"}
    NotebookFactory(beneficiary__birth_date=date(1970, 1, 1), **twin)
    answers = [
        post(client, secret, {**PAYLOAD, "first_name": "Autre"}),  # someone else's NIR
        post(
            client,
            secret,
            {
                "first_name": "X",
                "last_name": "Y",
                "birth_date": "1990-01-01",
                "france_travail_id": "FT777",
            },
        ),
        post(
            client,
            secret,
            {"first_name": "Paul", "last_name": "Durand", "birth_date": "1970-01-01"},
        ),
    ]
    assert [a.status_code for a in answers] == [409, 409, 409]
    assert all(a.json == answers[0].json for a in answers)
    assert "NIR" not in answers[0].json["detail"]
    assert len(beneficiaries()) == 3


def test_a_structure_token_updates_a_person_who_shares_with_its_structure(client):
    structure = StructureFactory(name="CCAS de Bobigny")
    _, secret = issue_token(name="SI du CCAS", structure=structure)
    notebook = NotebookFactory(beneficiary__nir=VALID_NIR, beneficiary__commune="Bobigny")
    add_member(notebook, member(Role.PROFESSIONAL), structure=structure)  # consented member
    response = post(client, secret, {**PAYLOAD, "commune": "Pantin"})
    assert response.status_code == 200, response.json
    assert beneficiaries()[0].commune == "Pantin"
    other = StructureFactory(name="Autre structure")
    _, other_secret = issue_token(name="SI autre", structure=other)
    refused = post(client, other_secret, {**PAYLOAD, "commune": "Aubervilliers"})
    assert refused.status_code == 409
    assert beneficiaries()[0].commune == "Pantin"


# Validation


def assert_nothing_stored():
    assert beneficiaries() == []
    assert db.session.scalar(select(func.count(Notebook.id))) == 0


def test_a_wrong_nir_key_is_refused_with_a_french_message(client, token):
    _, secret = token
    response = post(client, secret, {**PAYLOAD, "nir": "185077512345699"})
    assert response.status_code == 422
    assert response.json["title"] == "Données invalides"
    assert response.json["fields"] == {
        "nir": ["La clé du NIR (2 derniers chiffres) ne correspond pas au numéro."]
    }
    assert_nothing_stored()


def test_a_birth_date_in_the_future_is_refused(client, token):
    _, secret = token
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = post(client, secret, {**PAYLOAD, "birth_date": tomorrow})
    assert response.status_code == 422
    assert response.json["fields"] == {"birth_date": ["La date ne peut pas être dans le futur."]}
    assert_nothing_stored()


def test_bad_values_are_refused_field_by_field_never_truncated(client, token):
    _, secret = token
    response = post(
        client,
        secret,
        {
            **PAYLOAD,
            "last_name": "M" * 101,
            "birth_date": "14/07/1985",
            "situation": "chomeur",
            "postal_code": 93200,
            "contract_end": "2025-01-01",
            "couleur": "bleu",
        },
    )
    assert response.status_code == 422
    fields = response.json["fields"]
    assert fields["last_name"] == ["Ce champ ne peut pas dépasser 100 caractères."]
    assert fields["birth_date"] == [
        "Date invalide : utilisez le format AAAA-MM-JJ, par exemple 1985-07-14."
    ]
    assert fields["situation"] == [
        "Valeur inconnue : choisissez parmi rsa, young_neet, long_term_jobseeker, other."
    ]
    assert fields["postal_code"] == ["Ce champ doit être une chaîne de caractères (ou null)."]
    assert fields["contract_end"] == ["La fin du contrat doit suivre son début."]
    assert fields["couleur"] == ["Champ inconnu."]
    assert_nothing_stored()


def test_missing_required_fields_are_named(client, token):
    _, secret = token
    response = post(client, secret, {"first_name": "  ", "last_name": None})
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"first_name", "last_name", "birth_date"}
    assert response.json["fields"]["birth_date"] == ["Ce champ est obligatoire."]
    empty = post(client, secret, {})
    assert empty.status_code == 422
    assert set(empty.json["fields"]) == {"first_name", "last_name", "birth_date"}


@pytest.mark.parametrize("body", ["{pas du json", "[1, 2]", "null"])
def test_malformed_json_is_a_400_in_json(client, token, body):
    _, secret = token
    response = client.post(
        URL, data=body, headers={**bearer(secret), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["status"] == 400
    assert "objet JSON" in response.json["detail"]
    assert_nothing_stored()


# Tokens


def test_a_request_without_token_is_a_401_in_json(client):
    for response in (client.post(URL, json=PAYLOAD), client.get("/api/v1/carnet/notebooks/1")):
        assert response.status_code == 401
        assert response.json["status"] == 401
        assert response.json["title"] == "Jeton d'accès manquant"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_nothing_stored()


def test_an_unknown_or_malformed_token_is_a_401(client, token):
    assert post(client, "pas-un-jeton", PAYLOAD).status_code == 401
    response = client.post(URL, json=PAYLOAD, headers={"Authorization": f"Basic {token[1]}"})
    assert response.status_code == 401
    assert_nothing_stored()


def test_a_revoked_token_is_a_401(client):
    _, secret = issue_token(revoked=True)
    response = post(client, secret, PAYLOAD)
    assert response.status_code == 401
    assert response.json["title"] == "Jeton d'accès révoqué"
    assert_nothing_stored()


def test_a_token_only_reaches_its_own_territory(client):
    notebook_93 = NotebookFactory()
    _, secret_44 = issue_token("loire-atlantique", "Département 44")
    response = client.get(f"/api/v1/carnet/notebooks/{notebook_93.id}", headers=bearer(secret_44))
    assert response.status_code == 404
    assert response.json["status"] == 404
    # The same person sent by Loire-Atlantique is another record, in Loire-Atlantique.
    person = notebook_93.beneficiary
    created = post(
        client,
        secret_44,
        {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "birth_date": person.birth_date.isoformat(),
        },
    )
    assert created.status_code == 201
    stored = db.session.get(Beneficiary, created.json["id"])
    assert stored.territory_id == territory("loire-atlantique").id
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "api_read")
        )
        == 0
    )


def test_csrf_does_not_apply_to_the_api(app, client, token, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert post(client, token[1], PAYLOAD).status_code == 201


def test_requests_are_rate_limited_per_token(client, token):
    response = client.get("/api/v1/carnet/notebooks/1", headers=bearer(token[1]))
    assert response.headers["X-RateLimit-Limit"] == "300"


# Reading a notebook


def test_reading_a_notebook_lists_members_and_hides_summary_barriers_detail(client):
    notebook = NotebookFactory()
    referent = member(Role.PROFESSIONAL, first_name="Nadia", last_name="Benali", phone="0145678901")
    structure = StructureFactory(name="Mission locale de Saint-Denis")
    _, secret = issue_token(name="France Travail 93", structure=structure)
    add_member(notebook, referent, referent=True, structure=structure)
    add_barrier(notebook, theme=BarrierTheme.MOBILITY, situation="Pas de permis de conduire")
    add_barrier(
        notebook,
        theme=BarrierTheme.HEALTH,
        situation="Suivi pour une dépression",
        visibility=Visibility.SUMMARY,
    )
    response = client.get(f"/api/v1/carnet/notebooks/{notebook.id}", headers=bearer(secret))
    assert response.status_code == 200
    body = response.json
    assert body["id"] == notebook.id
    assert body["members"] == [
        {
            "name": "Nadia Benali",
            "structure": "Mission locale de Saint-Denis",
            "email": referent.email,
            "phone": "0145678901",
            "is_referent": True,
            "active": True,
        }
    ]
    mobility, health = sorted(body["barriers"], key=lambda b: b["theme"] != "mobilite")
    assert mobility["situation"] == "Pas de permis de conduire"
    assert (health["theme"], health["visibility"]) == ("sante", "summary")
    assert "situation" not in health
    assert "dépression" not in response.text

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_read"))
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("notebook", notebook.id, None)
    assert entry.detail == "France Travail 93"
    assert entry.territory_id == notebook.territory_id


def test_without_the_persons_consent_a_token_reads_contacts_only(client, token, login_as):
    from app.carnet.models import Consent, ConsentStatus

    _, secret = token  # bound to no structure
    notebook = NotebookFactory()
    pro = member(Role.PROFESSIONAL)
    structure = StructureFactory(name="CCAS de Bobigny")
    add_member(notebook, pro, structure=structure)
    add_barrier(notebook, situation="Pas de permis de conduire")
    response = client.get(f"/api/v1/carnet/notebooks/{notebook.id}", headers=bearer(secret))
    assert response.json["content_shared"] is False and response.json["barriers"] is None
    assert "Pas de permis" not in response.text
    assert len(response.json["members"]) == 1

    _, structure_secret = issue_token(name="SI du CCAS", structure=structure)
    shared = client.get(f"/api/v1/carnet/notebooks/{notebook.id}", headers=bearer(structure_secret))
    assert shared.json["content_shared"] is True
    assert shared.json["barriers"][0]["situation"] == "Pas de permis de conduire"

    consent = db.session.scalar(select(Consent))
    consent.status = ConsentStatus.REVOKED
    db.session.commit()
    revoked = client.get(
        f"/api/v1/carnet/notebooks/{notebook.id}", headers=bearer(structure_secret)
    )
    assert revoked.json["barriers"] is None

    # The person sees these reads in their access log.
    person = member(Role.BENEFICIARY)
    stored = db.session.get(type(notebook), notebook.id)
    stored.beneficiary.user_id = person.id
    db.session.commit()
    login_as(person)
    log = client.get(f"/seine-saint-denis/carnet/carnets/{notebook.id}/acces")
    assert "SI du CCAS" in log.text and "a lu votre carnet" in log.text


def test_an_archived_notebook_is_not_found(client, token):
    notebook = NotebookFactory(archived_at=utcnow())
    response = client.get(f"/api/v1/carnet/notebooks/{notebook.id}", headers=bearer(token[1]))
    assert response.status_code == 404


# OpenAPI


def test_the_openapi_document_is_public_and_describes_the_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json
    assert doc["openapi"].startswith("3.1")
    assert {"/api/v1/carnet/beneficiaries", "/api/v1/carnet/notebooks/{notebook_id}"} <= set(
        doc["paths"]
    )
    assert "post" in doc["paths"]["/api/v1/carnet/beneficiaries"]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        **doc["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    schemas = doc["components"]["schemas"]
    # The documented body is exactly what the API accepts.
    assert set(schemas["BeneficiaryInput"]["properties"]) == set(BeneficiaryInput.model_fields)
    assert {"Notebook", "Barrier", "NotebookMember", "Problem", "ValidationProblem"} <= set(schemas)


# Token management


def test_cli_creates_a_token_shown_once_and_revokes_it(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["carnet", "token", "create", "--territory", "loire-atlantique", "--name", "CD 44"]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    row = db.session.scalar(select(ApiToken).execution_options(all_territories=True))
    assert row.token_hash == hash_token(secret)
    assert secret not in row.token_hash
    assert (row.name, row.territory_id) == ("CD 44", territory("loire-atlantique").id)
    assert post(client, secret, PAYLOAD).status_code == 201

    result = runner.invoke(args=["carnet", "token", "revoke", str(row.id)])
    assert result.exit_code == 0, result.output
    assert "révoqué" in result.output
    assert post(client, secret, PAYLOAD).status_code == 401


def test_cli_refuses_a_territory_without_the_carnet_and_a_foreign_structure(app):
    runner = app.test_cli_runner()
    ardennes = runner.invoke(
        args=["carnet", "token", "create", "--territory", "ardennes", "--name", "X"]
    )
    assert ardennes.exit_code != 0
    assert "pas ouvert" in ardennes.output
    structure_93 = StructureFactory()
    foreign = runner.invoke(
        args=[
            "carnet",
            "token",
            "create",
            "--territory",
            "loire-atlantique",
            "--name",
            "X",
            "--structure-id",
            str(structure_93.id),
        ]
    )
    assert foreign.exit_code != 0
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_a_concurrent_api_creation_of_the_same_person_is_a_conflict(client, token, monkeypatch):
    from app.carnet import sync

    _, secret = token
    NotebookFactory(beneficiary__nir="185077512345608")
    monkeypatch.setattr(sync, "find_beneficiary", lambda **kwargs: None)
    response = post(client, secret, {**PAYLOAD, "nir": "185077512345608"})
    assert response.status_code == 409
    assert response.json["detail"] == CONFLICT
    assert len(beneficiaries()) == 1
