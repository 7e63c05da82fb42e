"""`flask finance alerts`: mail the finance roles about deadlines within 30 days and unconsumed
balances of the current year."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.models import Membership, User
from app.accounts.roles import FINANCE
from app.extensions import db
from app.finance import clock, queries
from app.finance.rules import euros

finance_cli = AppGroup("finance", help="Finances de la convention.")
HORIZON_DAYS = 30
SUBJECT = "Finances de la convention : échéances et soldes"


def alert_text(today: date) -> str | None:
    """The alert: deadlines within 30 days and unconsumed balances; None when there is neither."""
    due = queries.upcoming_deadlines(today, HORIZON_DAYS)
    balances = [
        r for r in queries.consumption(today.year).rows if r.ae_remaining > 0 or r.cp_remaining > 0
    ]
    reports = [
        r
        for r in queries.subsidy_reports(pending_only=True)
        if r.due_on <= today + timedelta(days=HORIZON_DAYS)
    ]
    if not due and not balances and not reports:
        return None
    parts = ["Bonjour,", ""]
    if due:
        parts.append(f"Échéances des {HORIZON_DAYS} prochains jours :")
        parts += [f"- {d.on.strftime('%d/%m/%Y')} : {d.label} (article {d.article})" for d in due]
        parts.append("")
    if reports:
        parts.append("Comptes rendus de subventions (article 4.4) :")
        parts += [
            f"- {r.due_on.strftime('%d/%m/%Y')} : {r.commitment.startup.name}, "
            f"{r.commitment.supplier} — {r.expected}" + (" (en retard)" if r.due_on < today else "")
            for r in reports
        ]
        parts.append("")
    if balances:
        parts.append(f"Soldes non consommés {today.year} (le délégant en décide, article 4.2) :")
        parts += [
            f"- {r.startup.name} : {euros(r.ae_remaining)} d'AE, {euros(r.cp_remaining)} de CP"
            for r in balances
        ]
        parts.append("")
    parts.append("Portail SPIE — espace finances")
    return "\n".join(parts)


def recipients() -> list[str]:
    """Active users holding a national finance role."""
    return list(
        db.session.scalars(
            select(User.email)
            .join(Membership)
            .where(
                Membership.territory_id.is_(None),
                Membership.role.in_(FINANCE),
                User.is_active.is_(True),
            )
            .distinct()
            .order_by(User.email)
        )
    )


def send_alerts() -> int:
    """Queue today's alert to every finance role (the caller's unit of work sends it after the
    commit); returns the number of mails queued. Also run daily by `flask jobs run-due`."""
    from app.core import mail

    body = alert_text(clock.today())
    if body is None:
        return 0
    to = recipients()
    for address in to:
        mail.queue(address, SUBJECT, body)
    return len(to)


@finance_cli.command("alerts")
@click.option("--dry-run", is_flag=True, help="Afficher le message sans l'envoyer.")
def alerts(dry_run: bool):
    """Mail the finance roles what is due within 30 days and the unconsumed balances."""
    from app.core import transaction

    if dry_run:
        body = alert_text(clock.today())
        click.echo(body or "Rien à signaler.")
        click.echo(f"({len(recipients())} destinataire(s), rien envoyé)")
        return
    with transaction.unit_of_work():
        sent = send_alerts()
    click.echo(f"Alerte envoyée à {sent} destinataire(s)." if sent else "Rien à signaler.")
