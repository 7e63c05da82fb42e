"""Import of commitments and payments: a dry run that stores nothing, then all or nothing, every
row through the ledger's own rules."""

import base64
import csv
import html
import io
import re
import time
from datetime import date
from decimal import Decimal

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.core import grants
from app.core.models import AuditEntry
from app.extensions import db
from app.finance import queries
from app.finance.exports import COLUMNS, ledger_csv
from app.finance.imports import digest_of
from app.finance.models import Commitment, Payment
from app.finance.views.imports import PURPOSE
from tests.factories import member
from tests.finance.factories import envelope, finance_user, stand_on, startup

URL = "/finance/import"


def seen(response) -> str:
    return html.unescape(response.text).replace("\u202f", " ").replace("\u00a0", " ")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def imports_audited() -> int:
    return db.session.scalar(select(func.count()).where(AuditEntry.action == "imported"))


def line(on, nature, amount, number="", supplier="Prestataire", cost_centre="SGSIFAB075"):
    ae, cp = (amount, "") if nature == "Engagement" else ("", amount)
    cells = dict.fromkeys(COLUMNS, "")
    cells.update(
        {
            "Date": on,
            "Nature": nature,
            "Startup": startup().name,
            "Centre de coût": cost_centre,
            "Acte juridique": "Marché public",
            "Fournisseur": supplier,
            "Objet": "Sprint",
            "N° engagement (portail)": number,
            "Montant AE (€)": ae,
            "Montant CP (€)": cp,
        }
    )
    return [cells[c] for c in COLUMNS]


def csv_file(*rows, delimiter=";", encoding="utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([COLUMNS, *rows])
    return out.getvalue().encode(encoding)


def valid():
    return [
        line("02/03/2026", "Engagement", "300,00", "A", "Fournisseur été"),
        line("03/03/2026", "Engagement", "200,10", "B"),
        line("04/03/2026", "Engagement", "99,99", "C"),
        line("10/04/2026", "Paiement", "150,05", "A"),
        line("11/04/2026", "Paiement", "99,99", "C"),
    ]


@pytest.fixture
def dora(delegant):
    envelope(delegant, ae="1000.00", cp="800.00")


def upload(client, content: bytes, name="registre.csv"):
    return client.post(
        URL,
        data={"action": "check", "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def confirmation(response) -> dict:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', response.text).group(1)
        for name in ("content", "signature")
    }


def confirm(client, response):
    return client.post(URL, data={"action": "import", **confirmation(response)})


def test_dry_run_lists_every_row_and_stores_nothing_then_import_stores_them_exactly(
    client, login_as, delegataire, dora
):
    login_as(delegataire)
    response = upload(client, csv_file(*valid(), encoding="cp1252"))
    assert response.status_code == 200
    page = seen(response)
    assert page.count("Sera enregistrée") == 5
    assert "Fournisseur été" in page
    assert (count(Commitment), count(Payment)) == (0, 0)
    assert queries.envelope_of(startup().id, 2026).ae_consumed == 0

    response = confirm(client, response)
    assert response.status_code == 303
    amounts = db.session.scalars(select(Commitment.amount).order_by(Commitment.id)).all()
    assert amounts == [Decimal("300.00"), Decimal("200.10"), Decimal("99.99")]
    payments = db.session.scalars(select(Payment).order_by(Payment.id)).all()
    assert [(p.amount, p.commitment.supplier) for p in payments] == [
        (Decimal("150.05"), "Fournisseur été"),
        (Decimal("99.99"), "Prestataire"),
    ]
    env = queries.envelope_of(startup().id, 2026)
    assert (env.ae_consumed, env.cp_consumed) == (Decimal("600.09"), Decimal("250.04"))
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "imported"))
    assert "5 écritures importées" in seen(client.get("/finance/"))


def test_an_overspending_row_is_shown_with_its_line_and_nothing_is_stored(
    client, login_as, delegataire, dora
):
    login_as(delegataire)
    rows = [*valid()[:3], line("05/03/2026", "Engagement", "500,00", "D"), *valid()[3:]]
    response = upload(client, csv_file(*rows, delimiter=","))
    assert response.status_code == 422
    page = seen(response)
    assert "Ligne 5 : Dépassement de l'enveloppe : il reste 399,91 € d'AE" in page
    assert 'value="import"' not in response.text  # no « Importer » for a refused file
    # Confirming anyway (a replayed post, sealed by the application) stores nothing either.
    content = csv_file(*rows, delimiter=",")
    response = client.post(
        URL,
        data={
            "action": "import",
            "content": base64.b64encode(content).decode(),
            "signature": grants.seal(delegataire, PURPOSE, digest_of(content)),
        },
    )
    assert response.status_code == 422
    assert "Ligne 5" in seen(response)
    assert (count(Commitment), count(Payment)) == (0, 0)
    assert queries.envelope_of(startup().id, 2026).ae_consumed == 0


def refused_confirmation(client, fields):
    response = client.post(URL, data={"action": "import", **fields})
    assert response.status_code == 422
    assert "Le fichier vérifié n'a pas pu être relu" in seen(response)
    assert "déposez-le à nouveau" in seen(response)
    assert (count(Commitment), count(Payment), imports_audited()) == (0, 0, 0)
    return response


def test_a_tampered_confirmation_is_refused(client, login_as, delegataire, dora):
    login_as(delegataire)
    fields = confirmation(upload(client, csv_file(*valid())))
    refused_confirmation(client, {**fields, "signature": "0" + fields["signature"][1:]})
    refused_confirmation(client, {**fields, "signature": ""})
    refused_confirmation(client, {**fields, "content": "pas du base64 !"})


def test_an_altered_content_is_refused_even_with_its_seal(client, login_as, delegataire, dora):
    login_as(delegataire)
    fields = confirmation(upload(client, csv_file(*valid())))
    altered = csv_file(*valid()).replace(b"300,00", b"900,00")
    refused_confirmation(client, {**fields, "content": base64.b64encode(altered).decode()})


def test_another_users_or_another_purposes_seal_is_refused(client, login_as, delegataire, dora):
    content = csv_file(*valid())
    colleague = finance_user(Role.FINANCE_DELEGATAIRE)
    encoded = base64.b64encode(content).decode()
    login_as(delegataire)
    for seal in (
        grants.seal(colleague, PURPOSE, digest_of(content)),
        grants.seal(delegataire, "another-purpose", digest_of(content)),
        grants.issue(delegataire, PURPOSE, 1),
    ):
        refused_confirmation(client, {"content": encoded, "signature": seal})


def test_a_confirmation_older_than_half_an_hour_is_refused(
    client, login_as, delegataire, dora, monkeypatch
):
    login_as(delegataire)
    content = csv_file(*valid())
    fields = confirmation(upload(client, content))
    # The same file, checked 31 minutes ago.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 31 * 60)
    stale = grants.seal(delegataire, PURPOSE, digest_of(content))
    monkeypatch.undo()
    assert "30 minutes" in seen(refused_confirmation(client, {**fields, "signature": stale}))
    # Within the half hour, the same confirmation imports.
    assert client.post(URL, data={"action": "import", **fields}).status_code == 303


def test_a_second_confirm_of_the_same_file_is_refused(client, login_as, delegant, delegataire):
    envelope(delegant, ae="2000.00", cp="2000.00")
    login_as(delegataire)
    checked = upload(client, csv_file(*valid()))
    assert confirm(client, checked).status_code == 303
    response = confirm(client, checked)  # a double click on « Importer »
    assert response.status_code == 409
    assert "Ce fichier a déjà été importé le " in seen(response)
    assert "rien n'a été importé une seconde fois" in seen(response)
    assert (count(Commitment), count(Payment)) == (3, 2)
    assert queries.envelope_of(startup().id, 2026).ae_consumed == Decimal("600.09")
    # Checked again later, the same file is refused at once: no « Importer » to click.
    again = upload(client, csv_file(*valid()))
    assert again.status_code == 409
    assert "Ce fichier a déjà été importé le " in seen(again)
    assert 'value="import"' not in again.text
    assert (count(Commitment), count(Payment)) == (3, 2)
    assert imports_audited() == 1


def test_the_same_file_is_another_users_to_import(client, login_as, delegant, delegataire):
    envelope(delegant, ae="2000.00", cp="2000.00")
    content = csv_file(*valid())
    login_as(delegataire)
    assert confirm(client, upload(client, content)).status_code == 303
    login_as(finance_user(Role.FINANCE_DELEGATAIRE))
    assert confirm(client, upload(client, content)).status_code == 303
    assert (count(Commitment), count(Payment)) == (6, 4)


def test_rules_of_the_ledger_are_reported_per_row(client, login_as, delegataire, dora):
    stand_on(date(2026, 12, 15))
    login_as(delegataire)
    response = upload(
        client,
        csv_file(
            line("01/12/2026", "Engagement", "10,00", "A"),
            line("02/03/2026", "Engagement", "10,001", "B"),
            line("02/03/2026", "Engagement", "-5,00", "C"),
            line("02/03/2026", "Engagement", "5,00", "D", cost_centre="INCONNU"),
            line("02/03/2026", "Engagement", "500,00", "E"),
            line("02/04/2026", "Paiement", "600,00", "E"),
            line("02/04/2026", "Paiement", "5,00", "999"),
        ),
    )
    assert response.status_code == 422
    page = seen(response)
    assert (
        "Ligne 2 : Les AE ne peuvent être engagées que jusqu'au 30 novembre 2026 inclus (article 4.2)."
        in page
    )
    assert "Ligne 3 : Le montant a au plus deux décimales" in page
    assert "Ligne 4 : Le montant doit être strictement positif." in page
    assert "Ligne 5 : Choisissez un centre de coût de la DNUM (article 4.1)." in page
    assert (
        "Ligne 7 : Le paiement de 600,00 € dépasse le reste à payer de l'engagement (500,00 €)."
        in page
    )
    assert "Ligne 8 : Engagement n°999 inconnu" in page
    assert count(Commitment) == 0


def test_an_unknown_startup_is_refused(client, login_as, delegataire, dora):
    login_as(delegataire)
    content = csv_file(valid()[0]).replace(startup().name.encode(), b"Inconnue")
    response = upload(client, content)
    assert response.status_code == 422
    assert "Ligne 2 : Start-up inconnue : « Inconnue »." in seen(response)


def test_an_export_is_reimported_in_the_same_shape(client, login_as, delegant, delegataire, dora):
    envelope(delegant, ae="1000.00", cp="100.00")
    login_as(delegataire)
    assert confirm(client, upload(client, csv_file(*valid()))).status_code == 303
    exported = ledger_csv(queries.ledger_rows(2026))
    response = upload(client, exported)
    assert response.status_code == 200
    assert seen(response).count("Sera enregistrée") == 5
    assert confirm(client, response).status_code == 303
    assert (count(Commitment), count(Payment)) == (6, 4)
    env = queries.envelope_of(startup().id, 2026)
    assert (env.ae_consumed, env.cp_consumed) == (Decimal("1200.18"), Decimal("500.08"))


def test_disguised_html_is_refused(client, login_as, delegataire, dora):
    login_as(delegataire)
    response = upload(client, b"<html><script>alert(1)</script></html>", "registre.csv")
    assert response.status_code == 422
    assert "page web" in seen(response)


def test_auditor_cannot_import(client, login_as, dora):
    login_as(finance_user(Role.FINANCE_AUDITOR))
    assert client.get(URL).status_code == 403
    assert upload(client, csv_file(*valid())).status_code == 403
    assert count(Commitment) == 0
    assert "Importer des écritures" not in seen(client.get("/finance/"))


def test_delegataire_finds_the_import_from_the_dashboard(client, login_as, delegataire, dora):
    login_as(delegataire)
    assert 'href="/finance/import"' in client.get("/finance/").text
    assert 'href="/finance/import"' in client.get("/finance/startups/dora").text


def test_territorial_professional_gets_404(client, login_as):
    login_as(member(Role.PROFESSIONAL, "seine-saint-denis"))
    assert client.get(URL).status_code == 404
