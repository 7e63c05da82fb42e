"""`flask dora remind`, `flask dora worker`, `flask dora export`."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

dora_cli = AppGroup("dora", help="DORA : rappels d'actualisation, imports en arrière-plan, export.")


def _dora_territories(slug: str | None):
    from app.extensions import db
    from app.tenancy.models import Territory

    territories = [
        t
        for t in db.session.scalars(select(Territory).order_by(Territory.slug))
        if t.enables("dora")
    ]
    if slug:
        territories = [t for t in territories if t.slug == slug]
        if not territories:
            raise click.BadParameter(
                f"DORA n'est pas ouvert dans le territoire « {slug} »", param_hint="--territory"
            )
    return territories


@dora_cli.command("remind")
@click.option("--territory", "slug", default=None, help="Un seul territoire (par défaut : tous).")
def remind(slug: str | None):
    """Mail each provider its sheets to refresh (at most once per 15 days; safe to run twice)."""
    from app.core import transaction
    from app.core.scoping import bound_to
    from app.dora import freshness

    for territory in _dora_territories(slug):
        with transaction.unit_of_work(), bound_to(territory.id):
            sent = freshness.remind(territory)
        click.echo(f"{territory.name} : {len(sent)} structure(s) relancée(s).")


def remind_job() -> str:
    """The daily job (`flask jobs run-due`): the same as `flask dora remind`, in every DORA
    territory, inside the job's unit of work (a provider is reminded at most every 15 days)."""
    from app.core.scoping import bound_to
    from app.dora import freshness

    sent = 0
    for territory in _dora_territories(None):
        with bound_to(territory.id):
            sent += len(freshness.remind(territory))
    return f"{sent} structure(s) relancée(s)"


def run_next_job() -> bool:
    """Run the oldest queued import job, if any; its progress is committed chunk by chunk."""
    from app.accounts.models import User
    from app.core.scoping import bound_to
    from app.dora import imports
    from app.dora.models import ImportJob, JobStatus
    from app.extensions import db
    from app.tenancy.models import Territory

    job = db.session.scalar(
        select(ImportJob)
        .where(ImportJob.status == JobStatus.QUEUED)
        .order_by(ImportJob.created_at, ImportJob.id)
        .limit(1)
        .execution_options(all_territories=True)
    )
    if job is None:
        return False
    territory = db.session.get(Territory, job.territory_id)
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    with bound_to(territory.id):
        job.status = JobStatus.RUNNING
        db.session.commit()
        try:
            imports.run(job, actor, territory, commit=db.session.commit)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            job.status, job.error = (
                JobStatus.FAILED,
                f"Erreur inattendue : {error.__class__.__name__}",
            )
            db.session.commit()
            raise
    return True


@dora_cli.command("worker")
@click.option("--once", is_flag=True, help="Traiter les imports en attente puis s'arrêter.")
@click.option("--interval", default=2.0, help="Secondes entre deux recherches d'import en attente.")
def worker(once: bool, interval: float):
    """Run the queued imports (in the background of the coordinators' pages)."""
    while True:
        while run_next_job():
            pass
        if once:
            return
        time.sleep(interval)


@dora_cli.command("export")
@click.argument("output", type=click.Path(dir_okay=False))
def export(output: str):
    """Write the open data (validated structures, published sheets) to a SQLite file."""
    import json
    import os

    import sqlite_utils
    from flask import url_for

    from app.dora import queries, schemas
    from app.extensions import db
    from app.tenancy.models import Territory

    territories = {t.id: t for t in db.session.scalars(select(Territory))}
    if os.path.exists(output):
        os.remove(output)
    database = sqlite_utils.Database(output)

    def flat(body) -> dict:
        data = body.model_dump(mode="json")
        return {
            k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
            for k, v in data.items()
        }

    structures = [
        flat(schemas.structure_body(p, territories[p.territory_id].department_code))
        for p in db.session.scalars(queries.open_providers())
    ]
    services = [
        flat(
            schemas.service_body(
                s,
                territories[s.territory_id].department_code,
                url_for(
                    "dora.public_service",
                    public_id=s.public_id,
                    territory=territories[s.territory_id].slug,
                    _external=True,
                ),
            )
        )
        for s in db.session.scalars(queries.open_services())
    ]
    database["structures"].insert_all(structures, pk="id")
    database["services"].insert_all(
        services, pk="id", foreign_keys=[("structure_id", "structures", "id")]
    )
    click.echo(
        f"{len(structures)} structure(s) et {len(services)} service(s) écrits dans {output}."
    )


@dora_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--territory", "slug", required=True, help="Territoire DORA (ex. ardennes).")
@click.option("--dry-run", is_flag=True, help="Vérifier le fichier sans rien importer.")
def import_command(path: str, slug: str, dry_run: bool):
    """Import structures and sheets (CSV, XLSX, data·inclusion JSON), as the coordinators' page."""
    import os

    from app.core import transaction
    from app.core.scoping import bound_to
    from app.dora import imports
    from app.dora.models import ImportJob, JobStatus
    from app.extensions import db

    (territory,) = _dora_territories(slug)
    with open(path, "rb") as f:
        content = f.read()
    with transaction.unit_of_work(), bound_to(territory.id):
        job = ImportJob(
            territory_id=territory.id,
            filename=os.path.basename(path),
            content=content,
            dry_run=dry_run,
            report=[],
        )
        db.session.add(job)
        imports.run(job, None, territory)
    for row in job.report:
        if row["kind"] == "refused":
            click.echo(f"Ligne {row['line']} refusée : {row['message']}")
    if job.status == JobStatus.FAILED or job.error:
        raise click.ClickException(job.error)
    refused = sum(1 for row in job.report if row["kind"] == "refused")
    for row in job.report:
        if row["kind"] == "omitted":  # the report keeps one page of errors
            click.echo(row["message"])
            refused = row["total"]
    if refused:
        raise click.ClickException(f"{refused} ligne(s) refusée(s) : rien n'a été importé.")
    verb = "prévues" if dry_run else "faites"
    click.echo(f"{job.created} création(s) et {job.updated} mise(s) à jour {verb}.")
