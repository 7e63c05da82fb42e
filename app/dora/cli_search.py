"""`flask dora orientations` (daily: reminders and expiry), `flask dora anonymise-orientations`
(two years; dry run unless --apply) and `flask dora reindex` (the full-text index and the search table)."""

from __future__ import annotations

import click

from app.dora.cli import _dora_territories, dora_cli


@dora_cli.command("orientations")
@click.option("--territory", "slug", default=None, help="Un seul territoire (par défaut : tous).")
def orientations_daily(slug: str | None):
    """Remind structures of orientations unanswered for 10 days; expire them after 30."""
    from app.core import transaction
    from app.core.scoping import bound_to
    from app.dora import orientations

    for territory in _dora_territories(slug):
        with bound_to(territory.id), transaction.unit_of_work():
            reminded, expired = orientations.remind_and_expire()
        click.echo(f"{territory.name} : {reminded} relance(s), {expired} expiration(s).")


def orientations_job() -> str:
    """The daily job (`flask jobs run-due`): the same as `flask dora orientations`, in every DORA
    territory, inside the job's unit of work. Idempotent: a reminder once, an expiry once."""
    from app.core.scoping import bound_to
    from app.dora import orientations

    reminded = expired = 0
    for territory in _dora_territories(None):
        with bound_to(territory.id):
            r, e = orientations.remind_and_expire()
        reminded, expired = reminded + r, expired + e
    return f"{reminded} relance(s), {expired} expiration(s)"


@dora_cli.command("anonymise-orientations")
@click.option("--apply", "apply_", is_flag=True, help="Effacer vraiment (sinon : simulation).")
def anonymise_orientations(apply_: bool):
    """Erase the person's details of orientations older than two years."""
    from app.core import transaction
    from app.core.scoping import bound_to
    from app.dora import orientations

    for territory in _dora_territories(None):
        with bound_to(territory.id), transaction.unit_of_work():
            count = orientations.anonymise(dry_run=not apply_)
        verb = "anonymisée(s)" if apply_ else "à anonymiser (simulation : rien n'est effacé)"
        click.echo(f"{territory.name} : {count} orientation(s) {verb}.")


@dora_cli.command("reindex")
def reindex():
    """Rebuild the full-text index and the search table of the sheets (after a load that
    bypassed the application)."""
    from app.core import transaction
    from app.dora.search import rebuild, reorder

    with transaction.unit_of_work():
        count = rebuild()
    with transaction.unit_of_work():
        reorder()
    click.echo(f"{count} fiche(s) indexée(s).")
