"""Uploads, every kind: the type is sniffed from the content whatever the name says; a page or
an SVG with a script, named .pdf/.png/.csv/.xlsx/.json, is refused with a French field error and
nothing is stored; what is stored is served only to the parties, as an inert download."""

from __future__ import annotations

import io
from html import unescape

import pytest
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.carnet.models import Notebook
from app.core import uploads
from app.dora.models import ImportJob
from app.extensions import db
from app.reva.models import Attachment, Certification, Status
from tests.factories import UserFactory, member
from tests.reva.factories import World

HTML = b"<!DOCTYPE html><html><body><script>fetch('/x?c='+document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.domain)</script></svg>"
)
# Text first, the tag further on: still a page to a browser that sniffs.
LATE_HTML = b"nom;prenom;date_naissance\n" + b"<html><script>alert(1)</script></html>\n"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A PDF that also holds a page: accepted as a PDF, served so that no browser renders the page.
POLYGLOT = PDF + b"<html><script>alert(1)</script></html>"


def count(model) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).execution_options(all_territories=True)
    )


def post_file(client, url, content, filename, **data):
    return client.post(
        url,
        data={**data, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def refused(response) -> str:
    assert response.status_code == 422, response.status_code
    return unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("content", [HTML, SVG, LATE_HTML])
def test_kind_of_recognises_markup_whatever_comes_first(content):
    assert uploads.kind_of(content) == "markup"
    assert uploads.kind_of(b"\xef\xbb\xbf  " + content) == "markup"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"),
        (POLYGLOT, "pdf"),
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0....", "jpeg"),
        (b"PK\x03\x04 not a workbook", None),
        (b"MZ\x90\x00\x00", None),
        (b'{"structures": []}', "json"),
        (b"nom;prenom\nMoreau;Julien\n", "csv"),
    ],
)
def test_kind_of_reads_the_content(content, kind):
    assert uploads.kind_of(content) == kind


@pytest.mark.parametrize(
    ("name", "kind", "kept"),
    [
        ("cv.pdf", "pdf", "cv.pdf"),
        ("cv.html", "pdf", "cv.html.pdf"),
        ('"><img src=x>.png', "png", "img srcx.png"),
        ("", "jpeg", "piece.jpg"),
        ("Relevé été.PDF", "pdf", "Relevé été.PDF"),
    ],
)
def test_a_stored_name_ends_with_the_extension_of_its_real_type(name, kind, kept):
    assert uploads.safe_filename(name, kind) == kept


def test_a_stored_name_fits_its_column_whatever_its_length():
    assert len(uploads.safe_filename("a" * 500 + ".html", "pdf")) <= 200


@pytest.mark.parametrize("content", [HTML, SVG, LATE_HTML])
@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_carnet_import_refuses_a_page_disguised_as_a_table(client, login_as, content, extension):
    login_as(member(Role.COORDINATOR))
    response = post_file(
        client,
        "/seine-saint-denis/carnet/coordination/import",
        content,
        f"personnes.{extension}",
        kind="beneficiaries",
        confirm="1",
    )
    assert uploads.MARKUP_REFUSAL in refused(response) or "XLSX valide" in refused(response)
    assert count(Notebook) == 0


@pytest.mark.parametrize("content", [HTML, SVG, LATE_HTML])
@pytest.mark.parametrize("extension", ["csv", "json", "xlsx"])
def test_dora_import_refuses_a_page_disguised_as_a_file(client, login_as, content, extension):
    login_as(member(Role.COORDINATOR, "loire-atlantique"))
    response = post_file(
        client,
        "/loire-atlantique/dora/coordination/import",
        content,
        f"offre.{extension}",
        mode="import",
    )
    text = refused(response)
    assert uploads.MARKUP_REFUSAL in text or "XLSX valide" in text
    assert count(ImportJob) == 0


def test_dora_import_refuses_a_content_that_is_not_what_its_name_says(client, login_as):
    login_as(member(Role.COORDINATOR, "loire-atlantique"))
    response = post_file(
        client, "/loire-atlantique/dora/coordination/import", b'{"a": 1}', "offre.csv"
    )
    assert "n'est pas au format CSV qu'annonce son nom" in refused(response)
    assert count(ImportJob) == 0


@pytest.mark.parametrize("content", [HTML, SVG, LATE_HTML, PDF])
def test_reva_catalogue_import_refuses_anything_but_csv(client, login_as, content):
    world = World()
    login_as(world.admin)
    before = count(Certification)
    response = post_file(client, "/reva/admin/catalogue", content, "catalogue.csv", confirm="y")
    text = refused(response)
    assert uploads.MARKUP_REFUSAL in text or "format CSV" in text
    assert count(Certification) == before


@pytest.mark.parametrize(
    ("content", "filename"),
    [(HTML, "cv.pdf"), (SVG, "photo.png"), (LATE_HTML, "piece.jpg"), (SVG, "image.svg")],
)
def test_reva_attachment_refuses_a_page_or_an_svg_whatever_its_name(
    client, login_as, content, filename
):
    world = World()
    candidacy = world.candidacy(status=Status.PATH_CONFIRMED)
    login_as(world.accompagnateur)
    response = post_file(
        client, f"/reva/candidatures/{candidacy.public_id}/pieces", content, filename
    )
    text = refused(response)
    assert uploads.MARKUP_REFUSAL in text or "PDF, JPEG et PNG" in text
    assert count(Attachment) == 0


def test_a_reva_attachment_is_served_inertly_and_only_to_the_parties(app, client, login_as):
    world = World()
    candidacy = world.candidacy(status=Status.PATH_CONFIRMED)
    base = f"/reva/candidatures/{candidacy.public_id}"
    login_as(world.accompagnateur)
    sent = post_file(client, base + "/pieces", POLYGLOT, "relevé 是.html")
    assert sent.status_code == 303
    attachment = db.session.scalar(select(Attachment))
    assert (attachment.filename, attachment.content_type) == (
        "relevé 是.html.pdf",
        "application/pdf",
    )
    url = f"{base}/pieces/{attachment.public_id}"
    for party in (world.accompagnateur, world.certifier, candidacy.candidate):
        login_as(party)
        response = client.get(url)
        assert response.status_code == 200
        assert response.data == POLYGLOT
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert (
            "filename*=UTF-8''relev%C3%A9%20%E6%98%AF.html.pdf"
            in (response.headers["Content-Disposition"])
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
    other = World(department="44")
    for outsider in (other.accompagnateur, other.certifier, UserFactory()):
        login_as(outsider)
        assert client.get(url).status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(url).status_code in (302, 303)
    assert "/connexion" in anonymous.get(url).headers["Location"]


def test_a_body_beyond_the_upload_limit_is_a_french_413(client, login_as):
    login_as(member(Role.COORDINATOR))
    response = post_file(
        client,
        "/seine-saint-denis/carnet/coordination/import",
        b"x" * (7 * 1024 * 1024),
        "personnes.csv",
        kind="beneficiaries",
    )
    assert response.status_code == 413
    assert "Fichier trop volumineux" in unescape(response.get_data(as_text=True))
