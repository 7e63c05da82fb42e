"""CPU time the server spends per request, read from /proc: its gunicorn processes and, when the
database is a local PostgreSQL, that server's processes too. Requests per second move when
another tenant of the machine takes the CPU; CPU time does not (time stolen by the hypervisor is
nobody's process time), so this column compares runs on a busy machine."""

from __future__ import annotations

import os

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, command name, user + system CPU seconds)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
        except OSError:  # ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICK)
    return found


def seconds(server_pid: int, postgres: bool) -> float | None:
    """CPU seconds used so far by the process `server_pid` and its children (gunicorn's master
    and workers), plus every `postgres` process when `postgres` (the database on this machine).
    None where /proc does not exist."""
    if not os.path.isdir("/proc"):
        return None
    processes = _processes()
    tree = {server_pid}
    changed = True
    while changed:
        children = {pid for pid, (parent, _, _) in processes.items() if parent in tree}
        changed = not children <= tree
        tree |= children
    return sum(
        used
        for pid, (_, name, used) in processes.items()
        if pid in tree or (postgres and name.startswith("postgres"))
    )
