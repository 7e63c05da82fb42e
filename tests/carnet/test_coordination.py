"""Coordinator pages: structures, notebooks without a referent, file imports, access."""

import html
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Membership, User
from app.accounts.roles import Role
from app.accounts.services import grant
from app.carnet.models import Beneficiary, Notebook, NotebookMember, Situation
from app.core.models import AuditEntry, utcnow
from app.core.querycount import count_queries
from app.extensions import db
from app.tenancy.models import Structure
from tests.carnet.coordination_factories import csv_bytes, xlsx_bytes
from tests.carnet.factories import VALID_NIR, NotebookFactory, add_barrier, add_member
from tests.conftest import outbox_messages
from tests.factories import StructureFactory, UserFactory, member, territory

SSD = "/seine-saint-denis/carnet/coordination"
HEADER = ["nom", "prenom", "date_naissance", "courriel", "telephone", "situation", "nir"]


def seen(response) -> str:
    """The page as the user reads it (entities decoded)."""
    return html.unescape(response.text)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def coordinator(login_as):
    user = member(Role.COORDINATOR)
    login_as(user)
    return user


def professional_of(structure, slug="seine-saint-denis", **kwargs):
    user = UserFactory(roles=[], **kwargs)
    grant(user, territory(slug), Role.PROFESSIONAL, structure)
    return user


def upload(client, content, filename, kind="beneficiaries", confirm=False):
    data = {"kind": kind, "file": (io.BytesIO(content), filename)}
    if confirm:
        data["confirm"] = "1"
    return client.post(f"{SSD}/import", data=data, content_type="multipart/form-data")


# Access


COORDINATION_PAGES = ["/", "/structures", "/sans-referent", "/import", "/indicateurs"]


def test_a_professional_gets_403_on_every_coordination_page(client, login_as):
    notebook = NotebookFactory()
    login_as(member(Role.PROFESSIONAL))
    for path in COORDINATION_PAGES:
        assert client.get(SSD + path).status_code == 403, path
    assert upload(client, csv_bytes([HEADER]), "a.csv").status_code == 403
    assert client.post(f"{SSD}/carnets/{notebook.id}/referent").status_code == 403


def test_a_coordinator_reaches_the_pages_and_the_carnet_home_leads_there(client, coordinator):
    for path in COORDINATION_PAGES:
        assert client.get(SSD + path).status_code == 200, path
    home = client.get(SSD + "/")
    for title in ("Carnets sans référent", "Structures et accompagnateurs", "Importer un fichier"):
        assert title in seen(home)
    assert "Voir tous les indicateurs" in seen(home)
    entry = client.get("/seine-saint-denis/carnet/")
    assert entry.status_code == 302 and entry.headers["Location"].endswith("/coordination/")


def test_a_coordinator_of_another_territory_does_not_reach_these_pages(client, login_as):
    login_as(member(Role.COORDINATOR, "loire-atlantique"))
    assert client.get(SSD + "/").status_code == 404


# Structures


def test_structures_list_their_professionals_with_contacts_and_notebook_counts(client, coordinator):
    bondy = StructureFactory(name="Mission locale de Bondy")
    StructureFactory(name="CCAS de Pantin")
    StructureFactory(name="CCAS de Nantes", territory_id=territory("loire-atlantique").id)
    alice = professional_of(bondy, first_name="Alice", last_name="Martin", phone="0612345678")
    professional_of(bondy, first_name="Bruno", last_name="Petit")
    for _ in range(2):
        add_member(NotebookFactory(), alice)
    former = NotebookFactory()
    add_member(former, alice)
    db.session.execute(
        NotebookMember.__table__.update()
        .where(NotebookMember.notebook_id == former.id)
        .values(active=False)
    )
    db.session.commit()

    page = client.get(f"{SSD}/structures")

    assert page.status_code == 200
    text = seen(page)
    assert "Mission locale de Bondy" in text and "CCAS de Pantin" in text
    assert "CCAS de Nantes" not in text
    assert alice.email in text and "0612345678" in text
    assert "MARTIN Alice" in text and "PETIT Bruno" in text
    row = text[text.index("MARTIN Alice") : text.index("PETIT Bruno")]
    assert '<td class="portal-num">2</td>' in row  # the inactive membership does not count
    assert "Aucun accompagnateur rattaché à cette structure." in text


def test_structures_page_makes_the_same_number_of_queries_whatever_the_size(client, coordinator):
    structure = StructureFactory()
    add_member(NotebookFactory(), professional_of(structure))
    with count_queries() as few:
        assert client.get(f"{SSD}/structures").status_code == 200
    for _ in range(4):
        other = StructureFactory()
        for _ in range(2):
            add_member(NotebookFactory(), professional_of(other))
    with count_queries() as many:
        assert client.get(f"{SSD}/structures").status_code == 200
    assert len(many) == len(few)


# Notebooks without a referent


def test_assigning_a_referent_removes_the_notebook_from_the_list(client, coordinator):
    structure = StructureFactory(name="PLIE de Montreuil")
    pro = professional_of(structure, first_name="Chloé", last_name="Durand")
    orphan = NotebookFactory(beneficiary__first_name="Léa", beneficiary__last_name="Bernard")
    add_member(orphan, pro, structure=structure)
    add_barrier(orphan, situation="Situation très personnelle")
    followed = NotebookFactory(beneficiary__first_name="Marc", beneficiary__last_name="Roux")
    add_member(followed, pro, referent=True)

    page = client.get(f"{SSD}/sans-referent")
    assert "BERNARD Léa" in seen(page)
    assert "ROUX Marc" not in seen(page)
    assert "Chloé Durand — PLIE de Montreuil" in seen(page)
    assert "Situation très personnelle" not in seen(page)  # identity only, never the content

    member_id = db.session.scalar(
        select(NotebookMember.id).where(NotebookMember.notebook_id == orphan.id)
    )
    response = client.post(f"{SSD}/carnets/{orphan.id}/referent", data={"member_id": member_id})
    assert response.status_code == 303
    assert db.session.get(NotebookMember, member_id).is_referent is True
    after = client.get(response.headers["Location"])
    assert "Chloé Durand est désormais référent·e du carnet de Léa Bernard." in seen(after)
    assert "BERNARD Léa" not in seen(after)


def test_the_referent_kept_on_the_notebook_follows_its_members_whoever_writes_them(app):
    """`Notebook.referent_id` (what the lists without a referent read) follows every write of
    the members: a referent joining, leaving, being replaced, or the notebook losing them."""
    first, second = member(Role.PROFESSIONAL), member(Role.PROFESSIONAL)
    notebook = NotebookFactory()
    add_member(notebook, first)
    db.session.commit()
    assert db.session.get(Notebook, notebook.id).referent_id is None
    add_member(notebook, second, referent=True)
    db.session.commit()
    assert db.session.get(Notebook, notebook.id).referent_id == second.id
    members = {m.user_id: m for m in db.session.get(Notebook, notebook.id).members}
    members[second.id].is_referent, members[first.id].is_referent = False, True
    db.session.commit()
    assert db.session.get(Notebook, notebook.id).referent_id == first.id
    members[first.id].active = False
    db.session.commit()
    assert db.session.get(Notebook, notebook.id).referent_id is None
    members[second.id].is_referent = True
    db.session.commit()
    db.session.delete(members[second.id])
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Notebook, notebook.id).referent_id is None


def test_referent_of_another_territory_or_notebook_is_a_404_and_nothing_changes(
    client, coordinator
):
    pro = member(Role.PROFESSIONAL, "loire-atlantique")
    theirs = NotebookFactory(territory_id=territory("loire-atlantique").id)
    add_member(theirs, pro)
    their_member = db.session.scalar(select(NotebookMember.id))
    mine, other = NotebookFactory(), NotebookFactory()
    add_member(other, member(Role.PROFESSIONAL))
    other_member = db.session.scalar(
        select(NotebookMember.id).where(NotebookMember.notebook_id == other.id)
    )

    assert (
        client.post(
            f"{SSD}/carnets/{theirs.id}/referent", data={"member_id": their_member}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{SSD}/carnets/{mine.id}/referent", data={"member_id": other_member}
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert not any(m.is_referent for m in db.session.scalars(select(NotebookMember)))


def test_referent_without_a_choice_is_refused_with_a_french_message(client, coordinator):
    notebook = NotebookFactory(beneficiary__last_name="Garnier")
    add_member(notebook, member(Role.PROFESSIONAL))
    for data in ({}, {"member_id": ""}, {"member_id": "abc"}):
        response = client.post(f"{SSD}/carnets/{notebook.id}/referent", data=data)
        assert response.status_code == 422
        assert "GARNIER" in seen(response)
        assert "fr-message--error" in seen(response)
    assert "Choisissez l'accompagnateur à désigner." in seen(
        client.post(f"{SSD}/carnets/{notebook.id}/referent", data={})
    )


# Import


def beneficiary_rows(*rows):
    return [HEADER, *rows]


GOOD = [
    ["Moreau", "Julien", "12/04/1990", "julien@exemple.fr", "06 12 34 56 78", "rsa", VALID_NIR],
    ["Lefèvre", "Inès", "2001-09-30", "", "", "jeune_neet", ""],
    ["Nguyen", "Sophie", "03/02/1975", "", "", "Demandeur d'emploi depuis plus de 2 ans", ""],
]


def test_dry_run_reports_bad_rows_with_their_line_and_stores_nothing(client, coordinator):
    future = (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")
    rows = beneficiary_rows(
        GOOD[0],
        ["Petit", "Zoé", future, "", "", "", ""],  # line 3
        ["", "Sans", "01/01/1980", "", "", "", ""],  # line 4
        ["Blanc", "Hugo", "31/02/1980", "pas-un-courriel", "12", "", ""],  # line 5
        ["Roy", "Emma", "01/01/1985", "", "", "", "185077512345699"],  # line 6: bad NIR key
        ["moreau", "julien", "1990-04-12", "", "", "", ""],  # line 7: same as line 2
        ["Faure", "Léo", "01/01/1986", "", "", "martien", ""],  # line 8
    )
    response = upload(client, csv_bytes(rows), "personnes.csv")

    assert response.status_code == 422
    text = seen(response)
    assert "rien n'a été importé" in text
    assert "<td>ligne 3</td><td>Date de naissance dans le futur</td>" in text
    assert "<td>ligne 4</td><td>Nom manquant</td>" in text
    assert "<td>ligne 5</td><td>Date de naissance invalide « 31/02/1980 »" in text
    assert "<td>ligne 5</td><td>Adresse électronique invalide « pas-un-courriel »</td>" in text
    assert "<td>ligne 5</td><td>Numéro de téléphone invalide « 12 »</td>" in text
    assert "<td>ligne 6</td><td>NIR invalide : la clé du NIR" in text
    assert (
        "<td>ligne 7</td><td>Doublon : même personne (nom, prénom, date de naissance) qu'à la ligne 2</td>"
        in text
    )
    assert "<td>ligne 8</td><td>Situation inconnue « martien »" in text
    assert "ligne 2<" not in text.replace("la ligne 2<", "")
    assert count(Notebook) == count(Beneficiary) == 0
    # Even confirming a bad file stores nothing.
    assert upload(client, csv_bytes(rows), "personnes.csv", confirm=True).status_code == 422
    assert count(Notebook) == 0


def test_a_clean_file_is_checked_then_imported_on_confirmation(client, coordinator):
    content = csv_bytes(beneficiary_rows(*GOOD))

    check = upload(client, content, "personnes.csv")
    assert check.status_code == 200
    assert "Le fichier est valide : 3 personnes prêtes à être importées" in seen(check)
    assert "Confirmer l'import" in seen(check) and 'name="confirm" value="1"' in seen(check)
    assert count(Notebook) == 0

    done = upload(client, content, "personnes.csv", confirm=True)
    assert done.status_code == 303 and done.headers["Location"].endswith("/sans-referent")
    people = {b.last_name: b for b in db.session.scalars(select(Beneficiary))}
    assert set(people) == {"Moreau", "Lefèvre", "Nguyen"}
    assert count(Notebook) == 3 and count(NotebookMember) == 0
    moreau = people["Moreau"]
    assert (moreau.birth_date, moreau.nir, moreau.mobile, moreau.email) == (
        date(1990, 4, 12),
        VALID_NIR,
        "0612345678",
        "julien@exemple.fr",
    )
    assert moreau.territory_id == territory("seine-saint-denis").id
    assert people["Nguyen"].situation == Situation.LONG_TERM_JOBSEEKER
    assert people["Lefèvre"].situation == Situation.YOUNG_NEET
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "imported"))
    assert (entry.object_type, entry.detail) == ("notebook", "3 carnets importés")
    listing = client.get(done.headers["Location"])
    assert "3 carnets créés" in seen(listing)
    assert "MOREAU Julien" in seen(listing) and "Aucun accompagnateur ne suit encore" in seen(
        listing
    )

    # The same file again: everyone already has a notebook.
    again = upload(client, content, "personnes.csv")
    assert again.status_code == 422
    assert "<td>ligne 2</td><td>Cette personne a déjà un carnet sur le territoire</td>" in seen(
        again
    )
    assert count(Notebook) == 3


def test_a_person_known_by_nir_in_another_territory_is_not_a_duplicate_here(client, coordinator):
    NotebookFactory(
        territory_id=territory("loire-atlantique").id,
        beneficiary__nir=VALID_NIR,
        beneficiary__last_name="Moreau",
    )
    NotebookFactory(
        beneficiary__last_name="Lefèvre",
        beneficiary__first_name="Inès",
        beneficiary__birth_date=date(2001, 9, 30),
    )
    response = upload(client, csv_bytes(beneficiary_rows(*GOOD)), "personnes.csv")
    assert response.status_code == 422
    assert "<td>ligne 3</td><td>Cette personne a déjà un carnet sur le territoire</td>" in seen(
        response
    )
    assert "ligne 2</td>" not in seen(response)


def test_a_person_known_by_nir_here_is_a_duplicate_whatever_the_name(client, coordinator):
    NotebookFactory(beneficiary__nir=VALID_NIR, beneficiary__last_name="Autrenom")
    response = upload(client, csv_bytes(beneficiary_rows(*GOOD)), "personnes.csv")
    assert response.status_code == 422
    assert "<td>ligne 2</td><td>Cette personne a déjà un carnet sur le territoire</td>" in seen(
        response
    )
    assert "ligne 3</td>" not in seen(response)
    assert count(Notebook) == 1


def test_comma_separated_latin1_csv_is_read(client, coordinator):
    content = csv_bytes(
        [["Nom", "Prénom", "Date de naissance"], ["Lefèvre", "Inès", "30/09/2001"]],
        separator=",",
        encoding="latin-1",
    )
    assert upload(client, content, "export.CSV", confirm=True).status_code == 303
    assert db.session.scalar(select(Beneficiary.first_name)) == "Inès"


def test_an_xlsx_file_is_imported(client, coordinator):
    content = xlsx_bytes(
        [
            HEADER,
            ["Moreau", "Julien", date(1990, 4, 12), None, 612345678, "RSA", int(VALID_NIR)],
            ["Lefèvre", "Inès", "30/09/2001", None, None, None, None],
        ]
    )
    check = upload(client, content, "personnes.xlsx")
    assert check.status_code == 200, seen(check)
    assert "2 personnes prêtes" in seen(check)
    assert upload(client, content, "personnes.xlsx", confirm=True).status_code == 303
    moreau = db.session.scalar(select(Beneficiary).where(Beneficiary.last_name == "Moreau"))
    assert (moreau.birth_date, moreau.mobile, moreau.nir) == (
        date(1990, 4, 12),
        "0612345678",
        VALID_NIR,
    )
    assert count(Notebook) == 2


@pytest.mark.parametrize(
    ("content", "filename", "status", "message"),
    [
        (b"%PDF-1.4 " + b"x" * 100, "personnes.pdf", 422, "Le fichier doit être au format CSV"),
        (b"not a zip at all", "personnes.xlsx", 422, "n'est pas un classeur XLSX valide"),
        (xlsx_bytes([["a"]]), "personnes.csv", 422, "n'est pas un fichier CSV lisible"),
        (b"", "personnes.csv", 422, "Le fichier est vide"),
        (
            csv_bytes([["nom", "age"], ["Moreau", "30"]]),
            "personnes.csv",
            422,
            "colonnes manquantes : prenom, date_naissance",
        ),
        (csv_bytes([HEADER]), "personnes.csv", 422, "aucune ligne à importer"),
        (
            csv_bytes(beneficiary_rows(GOOD[0])) + b"\n" + b" " * (5 * 1024 * 1024),
            "personnes.csv",
            413,
            "dépasse la taille maximale de 5 Mo",
        ),
    ],
)
def test_unreadable_or_oversized_files_are_refused_in_french(
    client, coordinator, content, filename, status, message
):
    response = upload(client, content, filename, confirm=True)
    assert response.status_code == status
    assert message in seen(response)
    assert "fr-upload-group--error" in seen(response)
    assert count(Notebook) == count(Beneficiary) == 0


def test_a_request_over_the_upload_limit_is_refused_before_reading(client, coordinator):
    content = csv_bytes(beneficiary_rows(GOOD[0])) + b" " * (7 * 1024 * 1024)
    response = upload(client, content, "personnes.csv", confirm=True)
    assert response.status_code == 413
    assert "Fichier trop volumineux" in seen(response)
    assert count(Notebook) == 0


def test_missing_file_or_kind_is_refused_field_by_field(client, coordinator):
    response = client.post(f"{SSD}/import", data={"kind": "beneficiaries"})
    assert response.status_code == 422
    assert "Choisissez un fichier CSV ou XLSX." in seen(response)
    response = upload(client, csv_bytes(beneficiary_rows(GOOD[0])), "a.csv", kind="autre")
    assert response.status_code == 422
    assert "fr-select-group--error" in seen(response)
    assert count(Notebook) == 0


PRO_HEADER = ["nom", "prenom", "courriel", "telephone", "structure", "role"]


def test_professionals_are_imported_without_any_mail(app, client, coordinator):
    StructureFactory(name="Mission locale de Bondy")
    existing = UserFactory(email="deja@exemple.fr", first_name="Déjà", last_name="Là")
    rows = [
        PRO_HEADER,
        [
            "Martin",
            "Alice",
            "Alice.Martin@Exemple.fr",
            "06 11 22 33 44",
            "mission locale de bondy",
            "",
        ],
        ["Petit", "Bruno", "bruno@exemple.fr", "", "Association Nouvelle", "accompagnateur"],
        ["Là", "Déjà", "deja@exemple.fr", "", "Association Nouvelle", "coordinateur"],
    ]
    check = upload(client, csv_bytes(rows), "equipe.csv", kind="professionals")
    assert check.status_code == 200
    assert "3 accompagnateurs prêts" in seen(check)
    assert count(User) == 2  # the coordinator and the existing account

    done = upload(client, csv_bytes(rows), "equipe.csv", kind="professionals", confirm=True)
    assert done.status_code == 303 and done.headers["Location"].endswith("/structures")
    ssd = territory("seine-saint-denis")
    structures = {s.name: s for s in db.session.scalars(select(Structure))}
    assert set(structures) == {"Mission locale de Bondy", "Association Nouvelle"}
    assert structures["Association Nouvelle"].territory_id == ssd.id
    alice = db.session.scalar(select(User).where(User.email == "alice.martin@exemple.fr"))
    assert alice.phone == "0611223344"
    assert [(m.role, m.territory_id, m.structure.name) for m in alice.memberships] == [
        (Role.PROFESSIONAL, ssd.id, "Mission locale de Bondy")
    ]
    existing = db.session.get(User, existing.id)
    assert existing.first_name == "Déjà"
    assert [m.role for m in existing.memberships] == [Role.COORDINATOR]
    assert count(User) == 4
    assert outbox_messages(app) == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "imported"))
    assert (entry.object_type, entry.detail) == ("user", "3 accompagnateurs importés")
    page = client.get(done.headers["Location"])
    assert "Aucun courriel n'a été envoyé : invitez-les depuis la page Équipe." in seen(page)
    assert "MARTIN Alice" in seen(page) and "PETIT Bruno" in seen(page)


def test_professional_rows_are_checked(client, coordinator):
    rows = [
        PRO_HEADER,
        ["Martin", "Alice", "alice@exemple.fr", "", "", ""],  # line 2: no structure
        ["Petit", "Bruno", "pas-un-courriel", "", "CCAS", ""],  # line 3
        ["Roux", "Marc", "ALICE@exemple.fr", "", "CCAS", "directeur"],  # line 4
    ]
    response = upload(client, csv_bytes(rows), "equipe.csv", kind="professionals", confirm=True)
    assert response.status_code == 422
    text = seen(response)
    assert "<td>ligne 2</td><td>Structure manquante</td>" in text
    assert "<td>ligne 3</td><td>Adresse électronique invalide « pas-un-courriel »</td>" in text
    assert "<td>ligne 4</td><td>Doublon : même adresse électronique qu'à la ligne 2</td>" in text
    assert "<td>ligne 4</td><td>Rôle inconnu « directeur »" in text
    assert count(User) == 1
    assert db.session.scalar(select(func.count(Membership.id))) == 1
    assert count(Structure) == 0


def test_a_coordinator_erases_a_person_who_asked_for_deletion(client, login_as):
    from app.carnet.models import Barrier

    person = member(Role.BENEFICIARY)
    notebook = NotebookFactory(beneficiary__last_name="Lambert")
    notebook.beneficiary.user_id = person.id
    db.session.commit()
    add_barrier(notebook, with_children=True)
    elsewhere = NotebookFactory(territory_id=territory("loire-atlantique").id)
    elsewhere.beneficiary.deletion_requested_at = utcnow()
    db.session.commit()

    client.post("/connexion", data={"email": person.email, "password": "Mot-de-passe-de-test-1"})
    client.post(f"/seine-saint-denis/carnet/carnets/{notebook.id}/suppression")
    client.post("/deconnexion")

    login_as(member(Role.COORDINATOR))
    page = client.get("/seine-saint-denis/carnet/coordination/suppressions")
    assert "LAMBERT" in page.text
    assert (
        client.post(
            f"/seine-saint-denis/carnet/coordination/suppressions/{elsewhere.beneficiary_id}"
        ).status_code
        == 404
    )
    response = client.post(
        f"/seine-saint-denis/carnet/coordination/suppressions/{notebook.beneficiary_id}"
    )
    assert response.status_code == 303
    assert db.session.get(Notebook, notebook.id) is None
    assert db.session.get(Beneficiary, notebook.beneficiary_id) is None
    assert db.session.scalar(select(Barrier).where(Barrier.notebook_id == notebook.id)) is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "deleted")) is not None
    assert db.session.get(Notebook, elsewhere.id) is not None
    # The person's access as a beneficiary here is gone.
    assert client.post("/deconnexion").status_code == 303
    refused = client.post(
        "/connexion", data={"email": person.email, "password": "Mot-de-passe-de-test-1"}
    )
    assert refused.status_code == 401


def test_coordinators_issue_and_revoke_api_tokens(client, login_as):
    from app.accounts.models import hash_token
    from app.carnet.models import ApiToken

    login_as(member(Role.COORDINATOR))
    refused = client.post("/seine-saint-denis/carnet/coordination/jetons", data={"name": ""})
    assert refused.status_code == 422 and "Ce champ est obligatoire." in refused.text
    created = client.post(
        "/seine-saint-denis/carnet/coordination/jetons", data={"name": "SI France Travail"}
    )
    assert created.status_code == 201
    secret = created.text.split('<code class="portal-secret">', 1)[1].split("</code>", 1)[0]
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hash_token(secret) and secret not in row.token_hash
    assert row.structure_id is None and row.territory_id == territory("seine-saint-denis").id
    assert secret not in client.get("/seine-saint-denis/carnet/coordination/jetons").text

    api = client.get(
        "/api/v1/carnet/notebooks/999999", headers={"Authorization": f"Bearer {secret}"}
    )
    assert api.status_code == 404  # authenticated, the notebook does not exist
    client.post(f"/seine-saint-denis/carnet/coordination/jetons/{row.id}/revoquer")
    api = client.get(
        "/api/v1/carnet/notebooks/999999", headers={"Authorization": f"Bearer {secret}"}
    )
    assert api.status_code == 401


def test_a_coordinator_cannot_reach_content_through_a_token_they_issue(client, login_as):
    """Issue #6.6: a coordinator created a token bound to a structure the person shares with
    and read the notebook's barriers through the API."""
    from app.carnet.models import ApiToken

    structure = StructureFactory(name="CCAS de Bobigny")
    notebook = NotebookFactory()
    add_member(notebook, professional_of(structure), structure=structure)  # consented
    add_barrier(notebook, situation="Dettes de loyer")
    login_as(member(Role.COORDINATOR))
    created = client.post(
        "/seine-saint-denis/carnet/coordination/jetons",
        data={"name": "Jeton pirate", "structure_id": str(structure.id)},
    )
    assert created.status_code == 201
    secret = created.text.split('<code class="portal-secret">', 1)[1].split("</code>", 1)[0]
    assert db.session.scalar(select(ApiToken)).structure_id is None
    read = client.get(
        f"/api/v1/carnet/notebooks/{notebook.id}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert read.json["content_shared"] is False and read.json["barriers"] is None
    assert "Dettes" not in read.text
    # The structure administrators' page and tokens are not the coordinator's.
    page = client.get(f"/seine-saint-denis/carnet/structure/{structure.id}/jetons")
    assert page.status_code == 403


def test_a_structure_administrator_issues_the_structures_tokens_and_sees_only_them(
    client, login_as
):
    from app.accounts.services import grant
    from app.carnet.models import ApiToken

    structure = StructureFactory(name="CCAS de Bobigny")
    other = StructureFactory(name="Mission locale")
    admin = UserFactory(roles=[])
    grant(admin, territory("seine-saint-denis"), Role.STRUCTURE_ADMIN, structure)
    db.session.commit()
    from tests.carnet.api_factories import issue_token

    foreign, _ = issue_token(name="SI mission locale", structure=other)
    coordination, _ = issue_token(name="SI département")
    notebook = NotebookFactory()
    add_member(notebook, professional_of(structure), structure=structure)
    add_barrier(notebook, situation="Dettes de loyer")

    login_as(admin)
    home = client.get("/seine-saint-denis/carnet/", follow_redirects=True)
    assert home.status_code == 200 and "CCAS de Bobigny" in home.text
    base = f"/seine-saint-denis/carnet/structure/{structure.id}/jetons"
    created = client.post(base, data={"name": "SI du CCAS"})
    assert created.status_code == 201
    secret = created.text.split('<code class="portal-secret">', 1)[1].split("</code>", 1)[0]
    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "SI du CCAS"))
    assert row.structure_id == structure.id and row.created_by_id == admin.id
    listing = client.get(base).text
    assert "SI du CCAS" in listing
    assert "SI mission locale" not in listing and "SI département" not in listing
    read = client.get(
        f"/api/v1/carnet/notebooks/{notebook.id}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert read.json["barriers"][0]["situation"] == "Dettes de loyer"
    # Another structure's tokens and page are not theirs.
    assert client.get(f"/seine-saint-denis/carnet/structure/{other.id}/jetons").status_code == 404
    revoke_other = (
        f"/seine-saint-denis/carnet/structure/{structure.id}/jetons/{foreign.id}/revoquer"
    )
    assert client.post(revoke_other).status_code == 404
    assert client.get("/seine-saint-denis/carnet/coordination/jetons").status_code == 403
    revoke = client.post(f"{base}/{row.id}/revoquer")
    assert revoke.status_code == 303
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert db.session.get(ApiToken, coordination.id).revoked_at is None


def test_professionals_cannot_issue_tokens(client, login_as):
    login_as(member(Role.PROFESSIONAL))
    response = client.post("/seine-saint-denis/carnet/coordination/jetons", data={"name": "x"})
    assert response.status_code == 403


def test_an_xlsx_that_expands_beyond_50_mb_is_refused(client, login_as):
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    assert len(bomb.getvalue()) < 5 * 1024 * 1024
    login_as(member(Role.COORDINATOR))
    response = client.post(
        "/seine-saint-denis/carnet/coordination/import",
        data={"kind": "beneficiaries", "file": (io.BytesIO(bomb.getvalue()), "personnes.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "trop volumineux une fois ouvert" in html.unescape(response.text)
    assert db.session.scalar(select(func.count(Beneficiary.id))) == 0
