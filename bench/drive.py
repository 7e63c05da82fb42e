"""Drive the server from another process: wrk (Debian's package) with bench/wrk.lua."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).with_name("wrk.lua")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Measure:
    requests_per_second: float
    p50: float  # milliseconds
    p90: float
    p99: float
    requests: int
    not_ok: int


def wrk(
    address, path: str, cookie: str, connections: int, seconds: int, threads: int, body: str = ""
) -> Measure:
    binary = shutil.which("wrk")
    if not binary:
        raise SystemExit("wrk est nécessaire : apt-get install wrk")
    command = [
        binary,
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        "-H",
        "Accept-Encoding: br, gzip",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://{address[0]}:{address[1]}{path}")
    if body:
        command += ["--", body]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    return parse(output)


def parse(output: str) -> Measure:
    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M).groups()
        return float(value) * UNITS[unit]

    return Measure(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50=latency("50"),
        p90=latency("90"),
        p99=latency("99"),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        not_ok=int(re.search(r"non-200: (\d+)", output).group(1)),
    )
