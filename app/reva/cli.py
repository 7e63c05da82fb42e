"""`flask reva …`: catalogue import, inactivity job, certifier API tokens."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core import transaction
from app.extensions import db

reva_cli = AppGroup("reva", help="REVA : catalogue, inactivité, jetons d'API des certificateurs.")


@reva_cli.command("catalogue")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Vérifier le fichier sans rien importer.")
def import_catalogue(path: str, dry_run: bool):
    """Importer le catalogue des certifications depuis un CSV."""
    from app.reva.catalogue import import_catalogue as run

    with open(path, "rb") as f, transaction.unit_of_work():
        report = run(f.read(), None, dry_run=dry_run)
    for line, message in report.errors:
        click.echo(f"ligne {line} : {message}", err=True)
    if not report.ok:
        raise click.ClickException(f"{len(report.errors)} erreur(s) : rien n'a été importé.")
    verb = "vérifiées" if dry_run else f"importées ({report.created} nouvelles)"
    click.echo(f"{report.certifications} certifications {verb}, {report.rows} compétences.")


@reva_cli.command("inactivity")
@click.option("--dry-run", is_flag=True, help="Afficher ce qui serait fait, sans rien changer.")
def inactivity(dry_run: bool):
    """Projets non envoyés depuis 2 mois supprimés ; candidatures inactives (60 j avant la
    recevabilité, 165 j après) signalées ; inactivité confirmée 180 j plus tard."""
    from app.reva.candidacies import sweep_inactivity

    with transaction.unit_of_work():  # mail to the candidates leaves after the commit
        done = sweep_inactivity(dry_run=dry_run)
    for public_id, name in done:
        click.echo(f"{public_id} : {name}")
    click.echo(f"{len(done)} candidature(s) {'à traiter' if dry_run else 'traitée(s)'}.")


token = AppGroup("token", help="Jetons d'API des certificateurs.")
reva_cli.add_command(token)


@token.command("create")
@click.option("--email", required=True, help="Adresse du certificateur.")
@click.option("--name", required=True, help="Nom du jeton (système d'information).")
def token_create(email: str, name: str):
    from app.accounts.services import user_by_email
    from app.reva import tokens

    user = user_by_email(email)
    if user is None:
        raise click.ClickException("Aucun compte avec cette adresse.")
    try:
        with transaction.unit_of_work():
            row, secret = tokens.issue(None, user, name)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Jeton n°{row.id} créé pour {user.email}. Conservez-le, il ne sera plus affiché :")
    click.echo(secret)


@token.command("list")
def token_list():
    from app.reva import tokens

    for row in tokens.all_tokens():
        state = "révoqué" if row.revoked_at else "actif"
        click.echo(f"{row.id}\t{row.user.email}\t{row.name}\t{state}")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int):
    from app.reva import tokens
    from app.reva.models import CertifierToken

    row = db.session.get(CertifierToken, token_id)
    if row is None:
        raise click.ClickException("Jeton inconnu.")
    with transaction.unit_of_work():
        changed = tokens.revoke(None, row)
    click.echo("Jeton révoqué." if changed else "Ce jeton était déjà révoqué.")
