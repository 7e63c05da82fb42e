"""Bounded reading of uploaded tables (CSV and XLSX), shared by every import.

Whatever a file declares, the work is bounded before anything is checked: the upload is read to
`max_bytes` at most, an XLSX's declared sheet dimension is ignored (rows are streamed as they are
stored, with openpyxl's read-only mode), and reading stops at `max_lines` lines, `max_rows` data
rows, `max_columns` cells per row and `max_cells` cells in all. A file beyond a limit is refused
with a French message (`TableRefused`), which views show on the file field with a 422.

`read_table` returns the data rows as (line number in the file, {column: value}); the header row
is mapped to column names by the importer's own function. The content sniffing (markup refused,
the content must be the type the name announces) stays in `app.core.uploads`, called by each
importer before this. `ErrorPage` keeps at most one page of row errors, and their total.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

MAX_REPORTED_ERRORS = 100

# Messages an importer may word its own way (`messages=` overrides them by key).
MESSAGES = {
    "too_big": "Le fichier dépasse la taille maximale de {mb} Mo : découpez-le.",
    "not_text": (
        "Le fichier n'est pas un fichier CSV lisible : enregistrez-le au format CSV (UTF-8) ou XLSX."
    ),
    "encoding": "L'encodage du fichier n'est pas reconnu : enregistrez-le en CSV UTF-8.",
    "malformed": "Le fichier CSV est mal formé (ligne {line}) : vérifiez les guillemets.",
    "not_xlsx": (
        "Le fichier n'est pas un classeur XLSX valide : ouvrez-le dans votre tableur et "
        "enregistrez-le au format XLSX ou CSV."
    ),
    "expanded": (
        "Le classeur est trop volumineux une fois ouvert (plus de {mb} Mo) : découpez-le ou "
        "enregistrez-le au format CSV."
    ),
    "empty": "Le fichier est vide.",
}


class TableRefused(Exception):  # noqa: N818 (a refusal shown to the user, not a failure)
    """The file cannot be read as a table within the limits; the message is in French.

    `line` is the line of the file the refusal is about, when there is one (the header's)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int  # data rows kept
    max_cells: int  # non-empty cells read, header included
    max_lines: int | None = None  # lines read, blank ones included (default: twice max_rows)
    max_columns: int = 40  # cells read per row; the others are not read at all
    max_expanded_bytes: int = 50 * 1024 * 1024  # what an XLSX (a zip) expands to
    # Text encodings tried in turn; `fallback` decodes anything (None: refuse instead).
    encodings: tuple[str, ...] = ("utf-8-sig", "cp1252")
    fallback: str | None = "latin-1"

    @property
    def lines(self) -> int:
        return self.max_lines or 2 * self.max_rows


def _number(value: int) -> str:
    """5000 → '5 000' with a narrow no-break space, as French writes it."""
    return f"{value:,}".replace(",", "\u202f")


def too_many_rows(limits: Limits) -> str:
    return (
        f"Le fichier dépasse {_number(limits.max_rows)} lignes : découpez-le en plusieurs fichiers."
    )


def too_many_cells(limits: Limits) -> str:
    return (
        f"Le fichier contient trop de cellules (plus de {_number(limits.max_cells)}) : "
        "découpez-le en plusieurs fichiers."
    )


class ErrorPage(list):
    """The first `limit` errors (a page), and how many there were in all (`total`)."""

    def __init__(self, errors: Iterable = (), limit: int = MAX_REPORTED_ERRORS):
        super().__init__()
        self.limit = limit
        self.total = 0
        self.extend(errors)

    def append(self, error) -> None:
        self.total += 1
        if len(self) < self.limit:
            super().append(error)

    def extend(self, errors: Iterable) -> None:
        for error in errors:
            self.append(error)

    @property
    def omitted(self) -> int:
        return self.total - len(self)


def _message(messages: dict | None, key: str, **values) -> str:
    return ((messages or {}).get(key) or MESSAGES[key]).format(**values)


def read_upload(file: IO[bytes] | bytes, limits: Limits, messages: dict | None = None) -> bytes:
    """The content of an upload, reading one byte more than the limit at most; refused beyond."""
    content = file if isinstance(file, bytes) else file.read(limits.max_bytes + 1)
    if len(content) > limits.max_bytes:
        raise TableRefused(_message(messages, "too_big", mb=limits.max_bytes // (1024 * 1024)))
    return content


def decode(content: bytes, limits: Limits, messages: dict | None = None) -> str:
    """UTF-8 (with or without BOM), else what spreadsheets on Windows save, as `limits` says."""
    if b"\x00" in content:
        raise TableRefused(_message(messages, "not_text"))
    for encoding in limits.encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    if limits.fallback is None:
        raise TableRefused(_message(messages, "encoding"))
    return content.decode(limits.fallback)


def csv_rows(
    content: bytes, limits: Limits, messages: dict | None = None
) -> Iterator[tuple[int, list]]:
    """(line number, cells) of a CSV, `;` or `,` as its first line says; lazily parsed."""
    text = decode(content, limits, messages)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    # Cells are counted before parsing: one line of a million separators is a million cells.
    if text.count(delimiter) > limits.max_cells:
        raise TableRefused(too_many_cells(limits))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, row[: limits.max_columns]
    except csv.Error as error:
        raise TableRefused(_message(messages, "malformed", line=reader.line_num)) from error


def xlsx_rows(
    content: bytes, limits: Limits, messages: dict | None = None
) -> Iterator[tuple[int, list]]:
    """(row number, cells) of the first sheet of a workbook, streamed as stored."""
    from openpyxl import load_workbook

    refused = TableRefused(_message(messages, "not_xlsx"))
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise refused
    # An XLSX is a zip: bound what it expands to, not only what was uploaded (zip bombs).
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as error:
        raise refused from error  # a damaged archive that still looks like a zip
    if expanded > limits.max_expanded_bytes:
        raise TableRefused(
            _message(messages, "expanded", mb=limits.max_expanded_bytes // (1024 * 1024))
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on damaged or foreign files
        raise refused from error
    try:
        sheet = workbook.worksheets[0]
        # The sheet's declared dimension is not trusted (A1:XFD1048576 would pad every row to
        # 16,384 cells and add a million empty rows): rows are read as they are stored, at most
        # one more than the line limit, and max_columns cells each.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(
            max_row=limits.lines + 1, max_col=limits.max_columns, values_only=True
        )
        for number, values in enumerate(rows, start=1):
            yield number, list(values)
    except Exception as error:
        raise refused from error
    finally:
        workbook.close()


def _filled(value) -> bool:
    return value is not None and value != ""


def read_table(
    content: bytes,
    extension: str,
    limits: Limits,
    *,
    header: Callable[[int, list], list[str | None]],
    cell: Callable = lambda value: value,
    messages: dict | None = None,
) -> list[tuple[int, dict]]:
    """The data rows of a CSV or XLSX as (line number, {column: value}); raises TableRefused.

    `extension` is "csv" or "xlsx" (the importer has checked the name and sniffed the content).
    `cell` turns each raw value into the importer's value (empty: None or ""). The first
    non-blank row goes to `header(line, cells)`, which returns the column name of each cell
    (None or "" for a column not kept) or raises TableRefused (missing columns). Blank rows are
    skipped; a repeated column keeps its first cell. Line numbers are those of the file (the
    header is line 1 unless blank lines precede it), so that people find the row.
    """
    content = read_upload(content, limits, messages)
    if not content.strip():
        raise TableRefused(_message(messages, "empty"))
    numbered = (
        xlsx_rows(content, limits, messages)
        if extension.lstrip(".") == "xlsx"
        else csv_rows(content, limits, messages)
    )
    names: list | None = None
    table: list[tuple[int, dict]] = []
    cells_read = 0
    for number, values in numbered:
        if number > limits.lines:
            raise TableRefused(too_many_rows(limits))
        cells = [cell(v) for v in values]
        filled = sum(1 for c in cells if _filled(c))
        if not filled:
            continue  # blank lines and cells are bounded by the line and column limits
        cells_read += filled
        if cells_read > limits.max_cells:
            raise TableRefused(too_many_cells(limits))
        if names is None:
            names = header(number, cells)
            continue
        row: dict = {}
        for name, value in zip(names, cells, strict=False):
            if name and name not in row:
                row[name] = value
        if len(table) == limits.max_rows:
            raise TableRefused(too_many_rows(limits))
        table.append((number, row))
    if names is None:
        raise TableRefused(_message(messages, "empty"))
    return table
