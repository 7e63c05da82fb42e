"""`flask territory list|add|enable|disable`: new departments without touching the code."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core import spaces
from app.core.transaction import unit_of_work

territory_cli = AppGroup("territory", help="Territoires et services ouverts sur chacun.")


def _fail(error) -> None:
    raise click.ClickException(str(error))


@territory_cli.command("list")
def list_territories():
    """Territories and their services."""
    from app.tenancy.services import all_territories

    for territory in all_territories():
        on = ", ".join(sorted(territory.enabled_service_keys)) or "aucun service"
        click.echo(f"{territory.slug:<22} {territory.department_code:<4} {territory.name} — {on}")


@territory_cli.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="Nom affiché, ex. « Nord ».")
@click.option("--code", "department_code", required=True, help="Code du département, ex. 59.")
@click.option("--coordinator", "coordinator_email", help="Inviter son premier coordinateur.")
@click.option("--first-name", default="", help="Prénom du coordinateur invité.")
@click.option("--last-name", default="", help="Nom du coordinateur invité.")
def add(slug, name, department_code, coordinator_email, first_name, last_name):
    """Add a territory (every service off) and optionally invite its first coordinator."""
    from app.accounts.roles import Role
    from app.accounts.services import invite
    from app.tenancy.territories import TerritoryError, add_territory

    try:
        with unit_of_work():
            territory = add_territory(None, slug=slug, name=name, department_code=department_code)
            if coordinator_email:
                invite(
                    None,
                    territory,
                    email=coordinator_email,
                    first_name=first_name or "Coordinateur",
                    last_name=last_name or territory.name,
                    role=Role.COORDINATOR,
                )
    except TerritoryError as error:
        _fail(error)
    click.echo(f"Territoire {name} ajouté ({slug}). Services : flask territory enable {slug} …")


def _switch(slug: str, service: str, enabled: bool) -> None:
    from app.tenancy.territories import TerritoryError, set_service, territory_by_slug_or_error

    try:
        with unit_of_work():
            set_service(None, territory_by_slug_or_error(slug), service, enabled)
    except TerritoryError as error:
        _fail(error)
    click.echo(f"{service} {'ouvert' if enabled else 'fermé'} sur {slug}.")


def _service_choice():
    return click.Choice([s.key for s in spaces.territorial_spaces()])


@territory_cli.command("enable")
@click.argument("slug")
@click.argument("service", type=_service_choice())
def enable(slug, service):
    """Open a service in a territory."""
    _switch(slug, service, True)


@territory_cli.command("disable")
@click.argument("slug")
@click.argument("service", type=_service_choice())
def disable(slug, service):
    """Close a service in a territory (its pages answer 404; its data is kept)."""
    _switch(slug, service, False)
