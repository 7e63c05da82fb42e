"""The ledger as CSV and XLSX with the CHORUS columns, for retranscription and for the CBCM.

Text cells that a spreadsheet could read as a formula are prefixed with an apostrophe; amounts
are numbers (XLSX) or decimal-comma text (CSV, semicolon-separated as French spreadsheets expect).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from app.finance.queries import LedgerRow

COLUMNS = [
    "Date",
    "Nature",
    "Startup",
    "Code activité",
    "Domaine fonctionnel",
    "Centre financier",
    "Centre de coût",
    "Acte juridique",
    "Fournisseur",
    "Objet",
    "N° engagement (portail)",
    "Montant AE (€)",
    "Montant CP (€)",
    "N° CHORUS",
    "Motif",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_text(value: str) -> str:
    """Never a formula: a leading =, +, -, @ or control character is neutralised."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cells(row: LedgerRow) -> list:
    return [
        row.on,
        row.label,
        safe_text(row.startup),
        safe_text(row.activity_code),
        safe_text(row.functional_domain),
        safe_text(row.financial_centre),
        safe_text(row.cost_centre),
        safe_text(row.legal_act),
        safe_text(row.supplier),
        safe_text(row.object),
        row.commitment_id,
        row.ae,
        row.cp,
        safe_text(row.chorus_number),
        safe_text(row.reason),
    ]


def totals(rows: list[LedgerRow]) -> tuple[Decimal, Decimal]:
    return sum((r.ae for r in rows), Decimal("0")), sum((r.cp for r in rows), Decimal("0"))


def _csv_value(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def ledger_csv(rows: list[LedgerRow]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_value(v) for v in _cells(row)])
    ae, cp = totals(rows)
    writer.writerow(
        ["Total", "", "", "", "", "", "", "", "", "", "", _csv_value(ae), _csv_value(cp), "", ""]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def ledger_xlsx(rows: list[LedgerRow], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_cells(row))
        line = sheet.max_row
        sheet.cell(line, 1).number_format = "DD/MM/YYYY"
        for column in (12, 13):
            sheet.cell(line, column).number_format = "#,##0.00"
        for column in (3, 4, 5, 6, 7, 8, 9, 10, 14, 15):
            sheet.cell(line, column).data_type = "s"  # text, never a formula
    ae, cp = totals(rows)
    sheet.append(["Total", *[None] * 10, ae, cp])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
