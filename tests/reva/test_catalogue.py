"""The catalogue CSV import: dry run first, every bad row reported, nothing half-imported."""

from __future__ import annotations

import html
import io

from sqlalchemy import func, select

from app.extensions import db
from app.reva import catalogue
from app.reva.models import Certification, Competence, CompetenceBlock
from app.reva.seed import DEMO_CATALOGUE
from tests.reva.factories import admin

HEADER = "rncp_code;label;level;certifier;keywords;block_code;block_label;competence\n"
GOOD = HEADER + (
    "RNCP34692;TP Assistant de vie aux familles;3;Ministère du Travail;aide à domicile;RNCP34692BC01;Entretenir le logement;Entretenir le linge\n"
    "RNCP34692;TP Assistant de vie aux familles;3;Ministère du Travail;aide à domicile;RNCP34692BC01;Entretenir le logement;Nettoyer les sols\n"
    "RNCP34692;TP Assistant de vie aux familles;3;Ministère du Travail;aide à domicile;RNCP34692BC02;Accompagner la personne;Aider au repas\n"
)  # fmt: skip
BAD = HEADER + (
    "RNCP34692;TP Assistant de vie aux familles;3;Ministère du Travail;;RNCP34692BC01;Entretenir;Linge\n"
    "12345;Sans code;3;Ministère;;BC01;Bloc;Compétence\n"
    "RNCP11111;Niveau faux;9;Ministère;;BC01;Bloc;Compétence\n"
    "RNCP34692;Autre intitulé;3;Ministère du Travail;;RNCP34692BC01;Entretenir;Repas\n"
)  # fmt: skip


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_dry_run_checks_and_imports_nothing():
    report = catalogue.import_catalogue(GOOD.encode(), dry_run=True)
    assert report.ok and (report.rows, report.certifications) == (3, 1)
    assert count(Certification) == 0


def test_every_bad_row_is_reported_and_nothing_is_imported():
    report = catalogue.import_catalogue(BAD.encode(), dry_run=False)
    lines = {line for line, _ in report.errors}
    assert lines == {3, 4, 5}
    messages = " ".join(m for _, m in report.errors)
    assert "code RNCP invalide" in messages and "niveau invalide" in messages
    assert "différents des lignes précédentes" in messages
    assert count(Certification) == 0


def test_missing_columns_and_wrong_encoding_are_explained():
    assert "Colonnes manquantes" in catalogue.parse(b"rncp_code;label\nRNCP1;x\n")[1].errors[0][1]
    assert "UTF-8" in catalogue.parse("é".encode("latin-1"))[1].errors[0][1]


def test_an_import_creates_then_updates_without_duplicates():
    catalogue.import_catalogue(GOOD.encode(), dry_run=False)
    catalogue.import_catalogue(
        GOOD.replace("Aider au repas", "Préparer les repas").encode(), dry_run=False
    )
    db.session.commit()
    certification = db.session.scalar(select(Certification))
    assert certification.level == 3 and certification.authority.name == "Ministère du Travail"
    assert [b.code for b in certification.blocks] == ["RNCP34692BC01", "RNCP34692BC02"]
    # competences are added, never deleted (candidacies refer to them)
    assert [c.label for c in certification.blocks[1].competences] == [
        "Aider au repas",
        "Préparer les repas",
    ]
    assert count(CompetenceBlock) == 2 and count(Competence) == 4


def test_the_demo_catalogue_has_a_dozen_clean_certifications():
    report = catalogue.import_catalogue(DEMO_CATALOGUE.read_bytes(), dry_run=True)
    assert report.ok and report.certifications >= 12


def test_the_admin_page_checks_then_imports(client, login_as):
    login_as(admin())
    url = "/reva/admin/catalogue"
    checked = client.post(
        url, data={"file": (io.BytesIO(GOOD.encode()), "c.csv")}, content_type="multipart/form-data"
    )
    assert checked.status_code == 200 and "Vérification réussie" in html.unescape(checked.text)
    assert count(Certification) == 0
    refused = client.post(
        url,
        data={"file": (io.BytesIO(BAD.encode()), "c.csv"), "confirm": "y"},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "Ligne 3 : code RNCP invalide" in html.unescape(
        refused.text
    )
    imported = client.post(
        url,
        data={"file": (io.BytesIO(GOOD.encode()), "c.csv"), "confirm": "y"},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 200 and "Import terminé" in html.unescape(imported.text)
    assert count(Certification) == 1
    assert client.post(url, data={}).status_code == 422


def test_the_command_imports_with_a_dry_run_option(app, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["reva", "catalogue", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "vérifiées" in dry.output
    assert count(Certification) == 0
    done = runner.invoke(args=["reva", "catalogue", str(path)])
    assert done.exit_code == 0, done.output
    assert count(Certification) == 1
    path.write_text(BAD, encoding="utf-8")
    assert runner.invoke(args=["reva", "catalogue", str(path)]).exit_code != 0
