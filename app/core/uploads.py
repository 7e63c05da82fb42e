"""Uploaded files, for every service: the type is decided from the content (never from the name
or the browser's claim), and a file is served back only as an inert download.

`kind_of(data)` sniffs with strict content checks (no dependency): PDF, JPEG and PNG by their
signatures, XLSX as a zip holding a workbook, JSON and CSV as text. Markup (HTML, SVG, XML) is
recognised first, whatever the name says, and every upload refuses it (MARKUP_REFUSAL); each
import also refuses a content that is not the type its name announces. `safe_filename` keeps a
stored file's name with the extension of its real type; `download(...)` answers a stored file as
an attachment, with a Content-Type from a short list of safe types and `nosniff`.
"""

from __future__ import annotations

import io
import re
import zipfile

from flask import send_file

LABELS = {
    "pdf": "PDF",
    "jpeg": "JPEG",
    "png": "PNG",
    "xlsx": "XLSX",
    "csv": "CSV",
    "json": "JSON",
}
EXTENSIONS = {
    "pdf": {"pdf"},
    "jpeg": {"jpg", "jpeg"},
    "png": {"png"},
    "xlsx": {"xlsx"},
    "csv": {"csv"},
    "json": {"json"},
}
SAFE_TYPES = {"application/pdf", "image/jpeg", "image/png"}
SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
# What a browser would render as a page or run as a script, wherever it lies in the first bytes.
MARKUP = re.compile(
    rb"^\s*<|<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)\b",
    re.IGNORECASE,
)
SNIFFED_BYTES = 4096


MARKUP_REFUSAL = (
    "Le fichier contient une page web ou une image SVG (balises HTML ou XML) : il est refusé."
)


def kind_of(data: bytes) -> str | None:
    """The file's type from its content: a key of LABELS, "markup", or None (unknown binary)."""
    for magic, kind in SIGNATURES:
        if data.startswith(magic):
            return kind
    if data.startswith(b"PK\x03\x04"):
        return "xlsx" if _is_workbook(data) else None
    head = data[:SNIFFED_BYTES].lstrip(b"\xef\xbb\xbf")
    if b"\x00" in head:
        return None
    if MARKUP.search(head):
        return "markup"
    return "json" if head.lstrip()[:1] in (b"{", b"[") else "csv"


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def safe_filename(filename: str, kind: str) -> str:
    """The name kept for a stored file (200 characters at most): letters, digits and `._- `,
    ending with the extension of its sniffed type (`cv.html` holding a PDF: `cv.html.pdf`)."""
    name = "".join(ch for ch in filename if ch.isalnum() or ch in "._- ").strip(" .")[:190]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS[kind]:
        name = f"{name or 'piece'}.{sorted(EXTENSIONS[kind])[-1]}"
    return name


def download(data: bytes, filename: str, content_type: str):
    """A stored file as an inert download: attachment, safe Content-Type, nosniff, no cache."""
    mimetype = content_type if content_type in SAFE_TYPES else "application/octet-stream"
    response = send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=filename or "piece",
        max_age=0,
        conditional=False,
        etag=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; frame-ancestors 'none'"
    )
    return response
