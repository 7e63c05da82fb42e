"""Benchmark of the portal through the real server.

    python -m bench [run] [--notebooks N] [--candidacies N] [--finance-entries N]
                        [--connections 16] [--seconds 10]                      (make bench)
    python -m bench load --database URL --notebooks N --candidacies N --finance-entries N --json
    python -m bench profile --database URL --pages LOADED.json [--page NAME] [--top 30]

`run` fills a fresh database (SQLite in a temporary folder, or BENCH_DATABASE_URL / --database,
which must be empty), starts the Procfile's gunicorn on it, logs the key pages' users in, drives
each page with wrk from this second process, and writes the table to bench/results/.
`load` only fills the database and prints the accounts and pages, to measure with other tools.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from bench.loaders import LOADERS


def _sizes(args) -> dict[str, int]:
    return {loader.option: getattr(args, loader.option) for loader in LOADERS}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("-"):
        argv = ["run", *argv]
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="fill a database and print its accounts and pages")
    load.add_argument("--database", required=True, help="SQLAlchemy URL of an empty database")
    load.add_argument("--json", action="store_true", help="print JSON")
    run = commands.add_parser("run", help="load, serve with gunicorn, measure with wrk")
    run.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"))
    run.add_argument("--connections", type=int, default=16)
    run.add_argument("--seconds", type=int, default=10, help="per page")
    run.add_argument("--workers", type=int, default=2, help="gunicorn workers (WEB_CONCURRENCY)")
    run.add_argument("--results", type=Path, default=Path(__file__).with_name("results"))
    profile = commands.add_parser("profile", help="CPU per request of the key pages, in process")
    profile.add_argument("--database", required=True, help="a database filled by `load`")
    profile.add_argument("--pages", type=Path, required=True, help="what `load --json` printed")
    profile.add_argument("--page", help="one key page's name (all when absent)")
    profile.add_argument("--requests", type=int, default=200)
    profile.add_argument("--top", type=int, default=0, help="print the N costliest functions")
    for command in (load, run):
        for loader in LOADERS:
            command.add_argument(
                f"--{loader.option.replace('_', '-')}",
                dest=loader.option,
                type=int,
                default=loader.default,
                help=loader.help,
            )
    args = parser.parse_args(argv)
    if args.command == "profile":
        from bench.loaders import Page
        from bench.profile import profile as profile_pages

        loaded = json.loads(args.pages.read_text(encoding="utf-8"))
        pages = [Page(**page) for page in loaded["pages"]]
        passwords = {a["email"]: a["password"] for a in loaded["accounts"]}
        profile_pages(args.database, pages, passwords, args.page, args.requests, args.top)
        return
    if args.command == "load":
        from bench.dataset import load as load_database

        loaded = load_database(args.database, _sizes(args))
        if args.json:
            print(json.dumps(asdict(loaded), ensure_ascii=False, indent=2))
        else:
            for page in loaded.pages:
                print(f"{page.name}: {page.path} ({page.email})")
        return
    from bench.run import run as run_benchmark

    run_benchmark(
        args.database, _sizes(args), args.connections, args.seconds, args.workers, args.results
    )


if __name__ == "__main__":
    main()
