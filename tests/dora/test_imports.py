"""The conciergerie's bulk import: dry run listing each bad row, nothing imported until the file
is clean, re-import updating instead of duplicating, data·inclusion JSON, the background worker."""

from __future__ import annotations

import io
import json
from html import unescape

from openpyxl import Workbook
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.dora import imports
from app.dora.models import ImportJob, JobStatus, Provider, Service, ServiceStatus
from app.extensions import db
from app.tenancy.models import Structure
from tests.dora.factories import reload
from tests.factories import member

BASE = "/loire-atlantique/dora/coordination/import"
HEADER = (
    "structure_id;siret;structure_nom;typologie;structure_code_insee;structure_telephone;"
    "service_id;service_nom;resume;thematiques;modes_accueil;service_adresse;contact_telephone;"
    "zone_eligibilite;statut"
)
GOOD = [
    "S1;13003013300016;Garage solidaire de Nantes;association;44109;0240123456;"
    "A1;Location de voitures;Voitures à petit prix;mobilite--acceder-a-un-vehicule;en-presentiel;"
    "3 rue Kervégan;0240000001;44;publiée",
    "S1;13003013300016;Garage solidaire de Nantes;association;44109;0240123456;"
    "A2;Réparation solidaire;Au prix des pièces;mobilite--entretenir-reparer-son-vehicule;"
    "a-distance;;0240000002;44109;brouillon",
    "S2;;CCAS de Rezé;ccas;44143;;;;;;;;;;",
]


def csv_file(*rows, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def upload(client, content: bytes, filename="offre.csv", mode="dry_run"):
    return client.post(
        BASE,
        data={"file": (io.BytesIO(content), filename), "mode": mode},
        content_type="multipart/form-data",
    )


def coordinator(login_as):
    return login_as(member(Role.COORDINATOR, "loire-atlantique"))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_dry_run_lists_each_bad_row_and_imports_nothing(login_as):
    client = coordinator(login_as)
    bad = [
        GOOD[0],
        "S3;13003013300017;Mauvais SIRET;association;44109;;;;;;;;;;",
        "S4;;Zone fausse;association;44109;;B1;Atelier;Résumé;mobilite--preparer-un-permis;"
        "en-presentiel;1 rue A;0240000003;99999;brouillon",
        "S5;;Thématique inconnue;association;44109;;B2;Atelier;Résumé;pas-une-thematique;;;;44;",
    ]
    response = upload(client, csv_file(*bad), mode="import")
    assert response.status_code == 303
    page = unescape(client.get(response.headers["Location"]).text)
    assert "3 ligne(s) refusée(s) : rien n'a été importé" in page
    assert "SIRET : Ce SIRET n'est pas valide" in page
    assert "code inconnu « 99999 »" in page
    assert "valeur inconnue « pas-une-thematique »" in page
    assert count(Provider) == 0 and count(Service) == 0


def test_a_clean_dry_run_says_what_would_happen_then_the_import_does_it(login_as):
    client = coordinator(login_as)
    page = unescape(client.get(upload(client, csv_file(*GOOD)).headers["Location"]).text)
    assert "Le fichier est correct : 4 création(s)" in page
    assert count(Provider) == 0
    response = upload(client, csv_file(*GOOD), mode="import")
    page = unescape(client.get(response.headers["Location"]).text)
    assert "Import terminé : 4 création(s), 0 mise(s) à jour" in page
    assert count(Provider) == 2 and count(Service) == 2
    published = db.session.scalar(select(Service).where(Service.source_id == "A1"))
    assert published.status == ServiceStatus.PUBLISHED
    assert published.zone == ["44"]
    assert (
        db.session.scalar(select(Service).where(Service.source_id == "A2")).status
        == ServiceStatus.DRAFT
    )
    structure = db.session.scalar(select(Structure).where(Structure.siret == "13003013300016"))
    assert structure.commune == "Nantes"


def test_re_importing_the_same_file_updates_instead_of_duplicating(login_as):
    client = coordinator(login_as)
    upload(client, csv_file(*GOOD), mode="import")
    changed = GOOD[0].replace("Location de voitures", "Location de voitures et scooters")
    response = upload(client, csv_file(changed, *GOOD[1:]), mode="import")
    page = unescape(client.get(response.headers["Location"]).text)
    assert "0 création(s), 4 mise(s) à jour" in page
    assert count(Provider) == 2 and count(Service) == 2
    assert db.session.scalar(select(Service.name).where(Service.source_id == "A1")) == (
        "Location de voitures et scooters"
    )


def test_a_structure_already_in_the_directory_is_matched_by_siret(login_as):
    from tests.dora.factories import DoraStructureFactory

    existing = DoraStructureFactory(siret="13003013300016", name="Garage (Carnet de bord)")
    client = coordinator(login_as)
    upload(client, csv_file(GOOD[0]), mode="import")
    assert count(Structure) == 1
    assert db.session.scalar(select(Provider.structure_id)) == existing.id


def test_an_xlsx_file_is_read(login_as):
    workbook = Workbook()
    sheet = workbook.active
    for line in [HEADER, *GOOD]:
        sheet.append(line.split(";"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = coordinator(login_as)
    response = upload(client, buffer.getvalue(), filename="offre.xlsx", mode="import")
    assert response.status_code == 303
    assert count(Service) == 2


def test_data_inclusion_json_is_checked_with_the_schemas_own_models(login_as):
    document = {
        "structures": [
            {
                "source": "cd44",
                "id": "cd44--1",
                "nom": "Maison des solidarités de Rezé",
                "date_maj": "2026-01-05",
                "siret": "13003013300016",
                "code_insee": "44143",
                "telephone": "0240123456",
            },
            {"source": "cd44", "id": "cd44--2", "nom": "X", "date_maj": "2026-01-05"},
        ],
        "services": [
            {
                "source": "cd44",
                "id": "cd44--s1",
                "structure_id": "cd44--1",
                "nom": "Aide au permis",
                "description": "Une aide pour financer le permis.",
                "date_maj": "2026-01-05",
                "thematiques": ["mobilite--financer-ma-mobilite"],
                "modes_accueil": ["a-distance"],
                "telephone": "0240000000",
                "zone_eligibilite": ["44"],
            },
        ],
    }
    client = coordinator(login_as)
    response = upload(client, json.dumps(document).encode(), filename="offre.json", mode="import")
    page = unescape(client.get(response.headers["Location"]).text)
    assert "structures[1]" in page and "nom" in page
    assert count(Provider) == 0
    document["structures"].pop()
    upload(client, json.dumps(document).encode(), filename="offre.json", mode="import")
    service = db.session.scalar(select(Service))
    assert service.status == ServiceStatus.PUBLISHED
    assert service.thematiques == ["mobilite--financer-ma-mobilite"]


def test_an_unreadable_file_is_a_422_naming_why(login_as):
    client = coordinator(login_as)
    response = upload(client, b"\xff\xfe\x00b\x00a\x00d", filename="offre.csv")
    assert response.status_code == 422
    assert "n'est pas un fichier texte lisible" in unescape(response.text)
    response = upload(client, b"nom;prenom\nA;B\n", filename="offre.csv")
    assert response.status_code == 422
    assert "colonne manquante : structure_nom" in unescape(response.text)
    response = upload(client, b"x" * (imports.MAX_BYTES + 10), filename="offre.csv")
    assert response.status_code in (413, 422)
    response = upload(client, b"{}", filename="offre.txt")
    assert response.status_code == 422
    assert count(ImportJob) == 0


def test_a_large_file_waits_for_the_worker_which_commits_its_progress(login_as, app, monkeypatch):
    monkeypatch.setattr(imports, "INLINE_ROWS", 1)
    monkeypatch.setattr(imports, "CHUNK", 2)
    client = coordinator(login_as)
    response = upload(client, csv_file(*GOOD), mode="import")
    job = db.session.scalar(select(ImportJob))
    assert job.status == JobStatus.QUEUED
    polling = client.get(response.headers["Location"], headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in polling.text
    assert count(Provider) == 0
    result = app.test_cli_runner().invoke(args=["dora", "worker", "--once"])
    assert result.exit_code == 0, result.output
    job = reload(job)
    assert (job.status, job.processed, job.created) == (JobStatus.DONE, 4, 4)
    assert count(Service) == 2
    done = client.get(response.headers["Location"], headers={"HX-Request": "true"})
    assert "every 2s" not in done.text


def test_the_import_is_for_coordinators(login_as):
    client = login_as(member(Role.STRUCTURE_ADMIN, "loire-atlantique"))
    assert client.get(BASE).status_code == 403
    assert upload(client, csv_file(*GOOD), mode="import").status_code == 403


def test_the_command_imports_a_file_and_reports_bad_rows(app, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file("S9;123;X;association;;;;;;;;;;;"))
    result = runner.invoke(args=["dora", "import", str(bad), "--territory", "ardennes"])
    assert result.exit_code == 1
    assert "Ligne 2 refusée" in result.output and "SIRET" in result.output
    good = tmp_path / "good.csv"
    good.write_bytes(csv_file(*GOOD))
    dry = runner.invoke(args=["dora", "import", str(good), "--territory", "ardennes", "--dry-run"])
    assert "4 création(s) et 0 mise(s) à jour prévues" in dry.output
    assert count(Provider) == 0
    result = runner.invoke(args=["dora", "import", str(good), "--territory", "ardennes"])
    assert result.exit_code == 0, result.output
    assert count(Service) == 2
    refused = runner.invoke(args=["dora", "import", str(good), "--territory", "seine-saint-denis"])
    assert refused.exit_code == 2


def test_an_import_refused_halfway_writes_nothing(login_as):
    from tests.dora.factories import DoraStructureFactory

    DoraStructureFactory(siret="13003013300016", name="Autre structure")
    client = coordinator(login_as)
    clash = "S7;;Structure sans SIRET;association;44109;;;;;;;;;;"
    upload(client, csv_file(clash), mode="import")
    assert count(Provider) == 1
    # Same source id, now with the SIRET of another structure: refused, and the file's other
    # rows are not kept either.
    rows = ["S7;13003013300016;Structure sans SIRET;association;44109;;;;;;;;;;", GOOD[2]]
    response = upload(client, csv_file(*rows), mode="import")
    page = unescape(client.get(response.headers["Location"]).text)
    assert "Import interrompu" in page and "Autre structure" in page
    assert count(Provider) == 1


def test_a_hostile_json_is_refused_in_french_and_nothing_is_kept(login_as):
    """A data·inclusion file is bounded like a table: nesting beyond any real file (which made
    the parser itself fail) and more items than a table's rows are refused before validation."""
    client = coordinator(login_as)
    nested = b'{"structures": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    too_many = json.dumps({"structures": [{}] * (imports.MAX_ROWS + 1)}).encode()
    not_a_list = json.dumps({"structures": [], "services": {"a": 1}}).encode()
    for content, message in (
        (nested, "imbriqué trop profondément"),
        (too_many, f"au-delà de {imports.MAX_ROWS}"),
        (not_a_list, "au format data·inclusion v1"),
    ):
        response = upload(client, content, filename="offre.json", mode="import")
        assert response.status_code == 422, message
        assert message in unescape(response.text)
    assert count(ImportJob) == 0 and count(Provider) == 0
