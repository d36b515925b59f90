"""Server CPU time from /proc: utime + stime of a process and its children (gunicorn's master and
workers), and the arithmetic that turns it into CPU-ms per request and a ratio to the bare page."""
from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def parse_stat(text: str) -> tuple[int, int, int]:
    """(ppid, utime, stime) from the text of /proc/<pid>/stat, in clock ticks. The command name (field 2)
    is in parentheses and may itself hold spaces or parentheses, so fields are counted after the last ')'."""
    rest = text[text.rindex(")") + 2:].split()
    # rest[0] is field 3 (state): ppid is field 4, utime field 14, stime field 15.
    return int(rest[1]), int(rest[11]), int(rest[12])


def _read(pid: int, proc: Path = PROC) -> tuple[int, int, int] | None:
    try:
        return parse_stat((proc / str(pid) / "stat").read_text())
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return None


def family(pid: int, proc: Path = PROC) -> list[int]:
    """The process and its children (one level: gunicorn's workers)."""
    children = []
    for entry in proc.iterdir():
        if entry.name.isdigit():
            stat = _read(int(entry.name), proc)
            if stat is not None and stat[0] == pid:
                children.append(int(entry.name))
    return [pid, *sorted(children)]


def cpu_ticks(pid: int, proc: Path = PROC) -> dict[int, int]:
    """utime + stime per process of the family, in clock ticks."""
    ticks = {}
    for member in family(pid, proc):
        stat = _read(member, proc)
        if stat is not None:
            ticks[member] = stat[1] + stat[2]
    return ticks


def ticks_used(before: dict[int, int], after: dict[int, int]) -> int:
    """CPU ticks spent between two snapshots. A worker that started in between counts from zero; one
    that ended in between is lost (the report shows worker restarts)."""
    return sum(value - before.get(pid, 0) for pid, value in after.items())


def ticks_per_second() -> int:
    return os.sysconf("SC_CLK_TCK")


def cpu_ms_per_request(ticks: int, requests: int, hz: int) -> float | None:
    if requests <= 0:
        return None
    return ticks * 1000.0 / hz / requests


def ratio(bare_ms: float | None, target_ms: float | None) -> float | None:
    """bare CPU per request ÷ target CPU per request: 1.0 = as cheap as the bare page, higher is better."""
    if not bare_ms or not target_ms:
        return None
    return bare_ms / target_ms
