"""Imports do bounded work whatever the file declares: rows are streamed and reading stops at the
line, row and cell limits; the page shows at most one page of errors."""

import html
import io
import re
import time
import tracemalloc
import zipfile

import pytest

from app.accounts.roles import Role
from app.carnet import imports
from tests.carnet.coordination_factories import csv_bytes, xlsx_bytes
from tests.factories import member

SSD_IMPORT = "/seine-saint-denis/carnet/coordination/import"
HEADER = ["nom", "prenom", "date_naissance"]


def upload(client, content, filename):
    return client.post(
        SSD_IMPORT,
        data={"kind": "beneficiaries", "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def coordinator(login_as):
    login_as(member(Role.COORDINATOR))


def with_dimension(content: bytes, ref: str) -> bytes:
    """The same workbook whose first sheet declares the dimension `ref`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), data
                )
                assert f'ref="{ref}"'.encode() in data
            target.writestr(item, data)
    return out.getvalue()


def bounded(fn):
    """Run fn; return its result, the seconds and the peak MiB it took."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = fn()
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return result, elapsed, peak


def test_a_tiny_xlsx_declaring_a_huge_dimension_is_read_as_stored():
    content = with_dimension(
        xlsx_bytes([HEADER, ["Moreau", "Julien", "12/04/1990"]]), "A1:XFD1048576"
    )
    assert len(content) < 8 * 1024

    table, seconds, peak = bounded(
        lambda: imports.read_table("personnes.xlsx", content, imports.BENEFICIARIES)
    )

    assert [row for _, row in table] == [
        {"nom": "Moreau", "prenom": "Julien", "date_naissance": "12/04/1990"}
    ]
    assert seconds < 2 and peak < 50


def test_an_xlsx_with_a_cell_a_million_rows_down_stops_at_the_line_limit():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.cell(row=1_048_576, column=1, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)

    with pytest.raises(imports.FileRefused, match="dépasse 5\u202f000 lignes"):
        bounded(lambda: imports.read_table("p.xlsx", buffer.getvalue(), imports.BENEFICIARIES))


def test_a_csv_of_one_letter_lines_is_refused_quickly(client, coordinator):
    content = ("nom;prenom;date_naissance\n" + "a\n" * (2 * 1024 * 1024)).encode()
    assert len(content) < 5 * 1024 * 1024

    start = time.perf_counter()
    response = upload(client, content, "personnes.csv")

    assert time.perf_counter() - start < 3
    assert response.status_code == 422
    assert len(response.data) < 100_000
    assert "dépasse 5\u202f000 lignes" in html.unescape(response.text)


def test_a_csv_line_of_a_million_cells_is_refused_before_parsing():
    content = ("nom;prenom;date_naissance\n" + ";" * 1_000_000).encode()
    with pytest.raises(imports.FileRefused, match="trop de cellules"):
        imports.read_table("p.csv", content, imports.BENEFICIARIES)


def test_extra_columns_are_not_read():
    header = HEADER + [f"extra{i}" for i in range(200)]
    row = ["Moreau", "Julien", "12/04/1990"] + ["x"] * 200
    table = imports.read_table("p.csv", csv_bytes([header, row]), imports.BENEFICIARIES)
    assert table == [(2, {"nom": "Moreau", "prenom": "Julien", "date_naissance": "12/04/1990"})]


def test_the_page_shows_one_page_of_errors_and_their_total(client, coordinator):
    rows = [HEADER] + [["Nom", "Prénom", "pas une date"] for _ in range(400)]

    response = upload(client, csv_bytes(rows), "personnes.csv")

    text = html.unescape(response.text)
    assert response.status_code == 422
    assert "Le fichier contient 400 erreurs" in text
    assert "Seules les 100 premières erreurs sont affichées." in text
    assert text.count("<td>ligne ") == imports.MAX_REPORTED_ERRORS
    assert "<td>ligne 101</td>" in text and "<td>ligne 102</td>" not in text


def test_a_file_at_the_row_limit_is_read():
    rows = [HEADER] + [["Nom", f"Prénom{i}", "01/01/1980"] for i in range(imports.MAX_ROWS)]
    assert len(imports.read_table("p.csv", csv_bytes(rows), imports.BENEFICIARIES)) == (
        imports.MAX_ROWS
    )
    rows.append(["Nom", "Un de trop", "01/01/1980"])
    with pytest.raises(imports.FileRefused, match="lignes"):
        imports.read_table("p.csv", csv_bytes(rows), imports.BENEFICIARIES)
