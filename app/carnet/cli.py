"""`flask carnet token create|revoke|list` and `flask carnet purge`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

carnet_cli = AppGroup("carnet", help="Carnet de bord : jetons d'API et conservation des données.")


@carnet_cli.group("token")
def token():
    """Jetons d'accès à l'API du Carnet de bord (un territoire par jeton)."""


@token.command("create")
@click.option(
    "--territory", "slug", required=True, help="Territoire du jeton (ex. loire-atlantique)."
)
@click.option("--name", required=True, help="Nom du système d'information ou de la structure.")
@click.option(
    "--structure-id", type=int, default=None, help="Structure du territoire (facultatif)."
)
def token_create(slug: str, name: str, structure_id: int | None):
    """Create a token; it is printed once, only its SHA-256 is stored."""
    from app.carnet import tokens
    from app.core import transaction
    from app.core.scoping import bound_to
    from app.extensions import db
    from app.tenancy.models import Structure
    from app.tenancy.services import territory_by_slug

    territory = territory_by_slug(slug)
    if territory is None:
        raise click.BadParameter(f"territoire inconnu : {slug}", param_hint="--territory")
    if not territory.enables("carnet"):
        raise click.BadParameter(
            f"le Carnet de bord n'est pas ouvert dans le territoire {territory.name}",
            param_hint="--territory",
        )
    name = name.strip()
    if not name or len(name) > 120:
        raise click.BadParameter("de 1 à 120 caractères", param_hint="--name")
    if structure_id is not None:
        structure = db.session.scalar(
            select(Structure)
            .where(Structure.id == structure_id, Structure.territory_id == territory.id)
            .execution_options(all_territories=True)
        )
        if structure is None:
            raise click.BadParameter(
                f"aucune structure n°{structure_id} dans le territoire {territory.name}",
                param_hint="--structure-id",
            )
    with transaction.unit_of_work(), bound_to(territory.id):
        row, secret = tokens.issue(None, territory.id, name, structure_id)
    click.echo(f"Jeton n°{row.id} « {name} » créé pour {territory.name}.")
    click.echo("Copiez-le maintenant : il ne sera plus jamais affiché.")
    click.echo(secret)


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int):
    """Revoke a token: its next request is refused (401)."""
    from app.carnet import tokens
    from app.carnet.models import ApiToken
    from app.core import transaction
    from app.core.scoping import bound_to
    from app.extensions import db

    row = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id).execution_options(all_territories=True)
    )
    if row is None:
        raise click.ClickException(f"Aucun jeton n°{token_id}.")
    with transaction.unit_of_work(), bound_to(row.territory_id):
        revoked = tokens.revoke(None, row)
    if not revoked:
        click.echo(f"Le jeton n°{token_id} « {row.name} » était déjà révoqué.")
        return
    click.echo(f"Jeton n°{token_id} « {row.name} » révoqué.")


@token.command("list")
@click.option("--territory", "slug", default=None, help="Seulement ce territoire.")
def token_list(slug: str | None):
    """List the tokens (never their value)."""
    from app.carnet.models import ApiToken
    from app.extensions import db
    from app.tenancy.models import Territory

    stmt = (
        select(ApiToken, Territory)
        .join(Territory, Territory.id == ApiToken.territory_id)
        .order_by(ApiToken.id)
        .execution_options(all_territories=True)
    )
    if slug:
        stmt = stmt.where(Territory.slug == slug)
    rows = db.session.execute(stmt).all()
    if not rows:
        click.echo("Aucun jeton.")
    for row, territory in rows:
        used = row.last_used_at.strftime("%d/%m/%Y %H:%M") if row.last_used_at else "jamais"
        state = f"révoqué le {row.revoked_at.strftime('%d/%m/%Y')}" if row.revoked_at else "actif"
        click.echo(f"n°{row.id}\t{territory.slug}\t{row.name}\t{state}\tdernier usage : {used}")


@carnet_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Afficher ce qui serait fait, sans rien modifier.")
def purge(dry_run: bool):
    """Archive notebooks idle for 2 years; delete those archived 3 years ago (all territories)."""
    from app.carnet import retention
    from app.core import transaction
    from app.core.models import utcnow

    with transaction.unit_of_work():
        result = retention.purge(utcnow(), dry_run=dry_run)
    click.echo(result.summary())
