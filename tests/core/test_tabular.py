"""Every import reads tables through one bounded reader (`app.core.tabular`): whatever a file
declares, DORA's and REVA's imports stream its rows, stop at their row and cell limits, and show
at most one page of errors. (Carnet's own limits: tests/carnet/test_import_limits.py.)"""

from __future__ import annotations

import io
from html import unescape

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.accounts.roles import Role
from app.core import tabular
from app.dora import imports as dora_imports
from app.dora.models import ImportJob, Provider
from app.extensions import db
from app.reva import catalogue
from app.reva.models import Certification
from tests.carnet.coordination_factories import xlsx_bytes
from tests.carnet.test_import_limits import with_dimension
from tests.core.test_uploads import count, post_file
from tests.factories import member
from tests.reva.factories import admin

DORA_IMPORT = "/loire-atlantique/dora/coordination/import"
REVA_IMPORT = "/reva/admin/catalogue"
ONE_LETTER_LINES = "a\n" * 1_000_000  # 2 MB of one-letter lines: a million rows


@pytest.fixture
def rows_read(monkeypatch):
    """How many rows the reader took from the files (the guard on work done, not on time)."""
    counted = {"rows": 0}
    for name in ("csv_rows", "xlsx_rows"):
        original = getattr(tabular, name)

        def counting(*args, _original=original, **kwargs):
            for row in _original(*args, **kwargs):
                counted["rows"] += 1
                yield row

        monkeypatch.setattr(tabular, name, counting)
    return counted


def far_cell_workbook(header: list[str]) -> bytes:
    """A small workbook with a header and one cell a million rows down."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    sheet.cell(row=1_048_576, column=1, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The reader itself


def test_the_reader_stops_at_the_line_limit_of_a_file_of_one_letter_lines(rows_read):
    limits = tabular.Limits(max_bytes=5 * 1024 * 1024, max_rows=100, max_cells=10_000)
    content = ("nom\n" + ONE_LETTER_LINES).encode()

    with pytest.raises(tabular.TableRefused, match="dépasse 100 lignes"):
        tabular.read_table(content, "csv", limits, header=lambda line, cells: cells)

    assert rows_read["rows"] <= limits.lines + 1


def test_the_reader_refuses_more_than_max_bytes_without_reading_the_rest():
    limits = tabular.Limits(max_bytes=10, max_rows=10, max_cells=100)
    stream = io.BytesIO(b"x" * 1000)
    with pytest.raises(tabular.TableRefused, match="dépasse la taille maximale"):
        tabular.read_upload(stream, limits)
    assert stream.tell() == 11


def test_an_error_page_keeps_a_page_and_counts_them_all():
    page = tabular.ErrorPage((n, "erreur") for n in range(250))
    assert (len(page), page.total, page.omitted) == (100, 250, 150)


# DORA


@pytest.fixture
def dora_coordinator(login_as):
    return login_as(member(Role.COORDINATOR, "loire-atlantique"))


def test_dora_reads_a_tiny_xlsx_declaring_a_huge_dimension_as_stored(
    client, dora_coordinator, rows_read
):
    content = with_dimension(
        xlsx_bytes([["structure_nom", "typologie"], ["Garage solidaire", "association"]]),
        "A1:XFD1048576",
    )
    assert len(content) < 8 * 1024

    response = post_file(client, DORA_IMPORT, content, "offre.xlsx", mode="import")

    assert response.status_code < 400
    assert rows_read["rows"] == 2 * 2  # the rows as stored, read by the view then by the job
    assert count(ImportJob) == 1 and count(Provider) == 1


def test_dora_refuses_an_xlsx_with_a_cell_a_million_rows_down(client, dora_coordinator, rows_read):
    content = far_cell_workbook(["structure_nom"])

    response = post_file(client, DORA_IMPORT, content, "offre.xlsx")

    assert response.status_code == 422
    assert "dépasse 5\u202f000 lignes" in unescape(response.text)
    assert rows_read["rows"] <= dora_imports.LIMITS.lines + 1
    assert count(ImportJob) == 0


def test_dora_refuses_a_csv_of_one_letter_lines(client, dora_coordinator, rows_read):
    content = ("structure_nom\n" + ONE_LETTER_LINES).encode()

    response = post_file(client, DORA_IMPORT, content, "offre.csv")

    assert response.status_code == 422
    assert len(response.data) < 100_000
    assert "dépasse 5\u202f000 lignes" in unescape(response.text)
    assert rows_read["rows"] <= dora_imports.LIMITS.lines + 1
    assert count(ImportJob) == 0


def test_dora_keeps_and_shows_one_page_of_refused_lines(client, dora_coordinator):
    content = ("structure_nom\n" + "a\n" * 150).encode()  # names too short: every row refused

    response = post_file(client, DORA_IMPORT, content, "offre.csv")
    job = db.session.scalar(select(ImportJob))
    page = client.get(f"{DORA_IMPORT}/{job.public_id}")

    assert response.status_code < 400
    assert len([r for r in job.report if r["kind"] == "refused"]) == 100
    text = unescape(page.text)
    assert "150 ligne(s) refusée(s)" in text
    assert "Seules les 100 premières erreurs sont affichées." in text
    assert text.count("<td>Refusée</td>") == 100
    assert count(Provider) == 0


# REVA


def test_reva_refuses_a_tiny_xlsx_declaring_a_huge_dimension(client, login_as, rows_read):
    login_as(admin())
    content = with_dimension(xlsx_bytes([list(catalogue.COLUMNS)]), "A1:XFD1048576")

    response = post_file(client, REVA_IMPORT, content, "catalogue.csv", confirm="y")

    assert response.status_code == 422
    assert "format CSV" in unescape(response.text)
    assert rows_read["rows"] == 0
    assert count(Certification) == 0


def test_reva_refuses_a_csv_of_one_letter_lines(client, login_as, rows_read):
    login_as(admin())
    content = (";".join(catalogue.COLUMNS) + "\n" + ONE_LETTER_LINES).encode()
    assert len(content) < catalogue.MAX_BYTES

    response = post_file(client, REVA_IMPORT, content, "catalogue.csv", confirm="y")

    assert response.status_code == 422
    assert len(response.data) < 100_000
    assert "dépasse 20\u202f000 lignes" in unescape(response.text)
    assert rows_read["rows"] <= catalogue.LIMITS.lines + 1
    assert count(Certification) == 0


def test_reva_refuses_a_file_over_its_size_limit(client, login_as):
    login_as(admin())
    content = (";".join(catalogue.COLUMNS) + "\n").encode() + b"a" * (3 * 1024 * 1024)

    response = post_file(client, REVA_IMPORT, content, "catalogue.csv", confirm="y")

    assert response.status_code == 422
    assert "Le fichier dépasse 2 Mo." in unescape(response.text)
    assert count(Certification) == 0


def test_reva_shows_one_page_of_errors_and_their_total(client, login_as):
    login_as(admin())
    content = (";".join(catalogue.COLUMNS) + "\n" + "a\n" * 300).encode()

    response = post_file(client, REVA_IMPORT, content, "catalogue.csv", confirm="y")

    text = unescape(response.text)
    assert response.status_code == 422
    assert "2100 erreurs : rien n'a été importé." in text  # seven per line
    assert "Seules les 100 premières erreurs sont affichées." in text
    assert text.count("<li>Ligne ") == 100
    assert count(Certification) == 0
