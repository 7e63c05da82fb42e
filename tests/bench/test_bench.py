"""The benchmark's own scripts on tiny data, so that `make bench` never rots: the loader alone
(`python -m bench load --json`), then a whole run through gunicorn and wrk."""

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TINY = ("--notebooks", "12", "--sheets", "20", "--candidacies", "30", "--finance-entries", "40")


def bench(*args, timeout=240):
    env = {k: v for k, v in os.environ.items() if k not in ("BENCH_DATABASE_URL", "FLASK_DEBUG")}
    return subprocess.run(  # noqa: S603 (our own module)
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    ).stdout


def test_load_fills_a_database_and_prints_accounts_and_pages(tmp_path):
    database = tmp_path / "bench.sqlite3"
    printed = json.loads(bench("load", "--database", f"sqlite:///{database}", *TINY, "--json"))

    accounts = {a["email"]: a for a in printed["accounts"]}
    assert {a["role"] for a in accounts.values()} >= {
        "professional",
        "beneficiary",
        "coordinator",
        "certifier",
        "reva_accompagnateur",
        "finance_delegataire",
    }
    assert all(a["password"] for a in accounts.values())
    assert printed["pages"] and all(p["email"] in accounts for p in printed["pages"])
    assert all(p["path"].startswith("/") and p["name"] for p in printed["pages"])
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT COUNT(*) FROM notebook").fetchone() == (12,)
        assert connection.execute("SELECT COUNT(*) FROM barrier").fetchone() == (36,)
        assert connection.execute("SELECT COUNT(*) FROM reva_candidacy").fetchone() == (30,)
        entries = "SELECT (SELECT COUNT(*) FROM commitment) + (SELECT COUNT(*) FROM payment)"
        assert connection.execute(entries).fetchone() == (40,)
        assert connection.execute("SELECT COUNT(*) FROM dora_service").fetchone() == (20,)
        # The search table and the full-text index are filled (the loader bypasses the ORM).
        assert connection.execute("SELECT COUNT(*) FROM dora_service_search").fetchone()[0] >= 20
        assert connection.execute("SELECT COUNT(*) FROM dora_service_fts").fetchone() == (20,)
    paths = {p["name"]: p["path"] for p in printed["pages"]}
    assert paths["file du certificateur (REVA)"] == "/reva/certificateur/"
    assert paths["tableau de bord (finances)"] == "/finance/"


def test_a_tiny_run_serves_every_key_page_and_writes_the_table(tmp_path):
    output = bench(
        "run",
        *TINY,
        "--seconds",
        "1",
        "--connections",
        "2",
        "--results",
        str(tmp_path),
    )

    [table] = tmp_path.glob("*-sqlite-notebooks12*.md")
    text = table.read_text(encoding="utf-8")
    assert text in output
    assert "2 cores" in text or "cores" in text
    rows = [
        line.split("|")[1:-1]
        for line in text.splitlines()
        if line.startswith("| ") and "---" not in line
    ][1:]
    names = [cells[0].strip() for cells in rows]
    assert names[0] == "/healthz (plafond)" and "mon carnet (personne)" in names
    assert {"file du certificateur (REVA)", "tableau de bord (finances)"} <= set(names)
    assert "recherche commune + thème" in names and "fiche ouverte depuis la recherche" in names
    assert float(rows[0][1]) > 0  # /healthz answered (pages may be too slow for 1 s on a busy CI)
    for cells in rows:
        queries, not_ok = int(cells[6]), int(cells[9])
        assert queries >= 1
        assert not_ok == 0
    page_rows = rows[1:]
    assert all(float(cells[7]) > 0 for cells in page_rows)  # compressed HTML measured
    assert all(float(cells[7]) < float(cells[8]) for cells in page_rows)
    assert re.search(r"gunicorn, 2 workers", text)
    # Every page under its target is explained: its CPU per request and where it goes.
    # The server's CPU per request, read from /proc (gunicorn's processes), for every row.
    assert float(rows[0][10]) > 0 and all(float(cells[10]) >= 0 for cells in page_rows)
    missed = [cells[0].strip() for cells in page_rows if cells[11].strip() == "✗"]
    for name in missed:
        [line] = [line for line in text.splitlines() if line.startswith(f"- **{name}** : ")]
        assert re.search(r"[\d.]+ ms de CPU par requête, \d+ requêtes SQL ; connexion", line)
        assert "SQL (ORM compris)" in line and "gabarits" in line and "`" in line
    if not missed:
        assert "sous l'objectif" not in text
