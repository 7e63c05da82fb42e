"""`flask seed reference` and `flask seed demo`."""

import json

import click
from flask.cli import AppGroup

seed = AppGroup("seed", help="Charger les données de référence ou de démonstration.")


@seed.command("reference")
def seed_reference():
    """Territories and the agreement's reference data (idempotent)."""
    from app.dora.seed import load_communes
    from app.extensions import db
    from app.finance.seed import load_reference
    from app.tenancy.seed import load_territories

    load_territories()
    load_reference()
    load_communes()
    db.session.commit()
    click.echo(
        "Données de référence chargées : territoires, convention, startups, centres de coût, "
        "communes des territoires DORA."
    )


@seed.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Afficher les comptes en JSON.")
def seed_demo(as_json: bool):
    """Fictional demo accounts for every role (idempotent). Never in production."""
    from app.accounts.seed import load_demo
    from app.carnet.seed import load_demo_notebooks
    from app.core import transaction
    from app.dora.demo_search import load_demo_searches
    from app.dora.seed import load_demo_offer

    logins = load_demo()
    with transaction.unit_of_work():
        load_demo_notebooks()
        load_demo_offer()
        load_demo_searches()
    if as_json:
        click.echo(json.dumps(logins, ensure_ascii=False, indent=2))
        return
    click.echo("Comptes de démonstration (mot de passe identique pour tous) :")
    click.echo(f"{'Rôle':<22} {'Territoire':<18} {'Adresse électronique':<50} Mot de passe")
    for login in logins:
        click.echo(
            f"{login['role']:<22} {login['territory'] or '(national)':<18} "
            f"{login['email']:<50} {login['password']}"
        )
    click.echo(
        "Connexion par lien magique : les courriels sont visibles sur /dev/outbox (mode debug)."
    )


mail_cli = AppGroup("mail", help="Courriels en file d'attente.")


@mail_cli.command("retry")
def mail_retry():
    """Send again every queued mail that could not leave (idempotent)."""
    from app.core import mail

    sent, failed = mail.retry()
    click.echo(f"{sent} courriel(s) envoyé(s), {failed} toujours en attente.")
    if failed:
        raise SystemExit(1)
