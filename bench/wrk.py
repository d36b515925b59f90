"""Running wrk and reading its report (`--latency`)."""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
LUA = Path(__file__).with_name("rotate.lua")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int  # non-2xx/3xx answers, socket errors and timeouts
    sent: int | None = None  # with rotate.lua: requests sent, also those in flight at the end


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNITS[unit]


def parse(output: str) -> WrkResult:
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if done is None:
        raise ValueError(f"not a wrk report: {output[:200]!r}")
    requests, seconds = int(done.group(1)), _ms(done.group(2) + done.group(3)) / 1000
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    percentiles = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.M))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket:
        # wrk counts a server closing a connection after its answer (gunicorn's sync workers do) as a
        # read error; connect, write and timeout errors are real failures.
        errors += int(socket.group(1)) + int(socket.group(3)) + int(socket.group(4))
    sent = re.search(r"^bench-sent: (\d+)$", output, re.M)
    return WrkResult(requests, seconds, float(rps.group(1)) if rps else requests / seconds,
                     _ms(percentiles["50"]) if "50" in percentiles else None,
                     _ms(percentiles["99"]) if "99" in percentiles else None, errors,
                     int(sent.group(1)) if sent else None)


def binary() -> str:
    found = shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)
    if found is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does that)")
    return found


def run(url: str, duration: float, connections: int, threads: int, headers: dict[str, str] | None = None,
        pool: Path | None = None) -> WrkResult:
    """One wrk run. With `pool`, every request is the next line of that file (see rotate.lua)."""
    command = [binary(), f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency", "--timeout", "30s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if pool is not None:
        command += ["-s", str(LUA)]
    command.append(url)
    if pool is not None:
        command += ["--", str(pool), str(threads)]
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse(finished.stdout)
