"""The Markdown results of a benchmark run, written into docs/performance.md between two markers
(the rest of that document is left as it is)."""
from __future__ import annotations

import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(value, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def summarise(runs: list[dict]) -> dict:
    """Medians over the rounds: a target's figures and its bare page's, and the ratio per round."""
    return {
        "rps": _median(r["rps"] for r in runs), "p50": _median(r["p50"] for r in runs),
        "p99": _median(r["p99"] for r in runs), "cpu_ms": _median(r["cpu_ms"] for r in runs),
        "ratio": _median(r["ratio"] for r in runs), "errors": sum(r["errors"] for r in runs),
        "bare_cpu_ms": _median(r["bare"]["cpu_ms"] for r in runs), "bare_rps": _median(r["bare"]["rps"] for r in runs),
        "bare_p50": _median(r["bare"]["p50"] for r in runs), "bare_p99": _median(r["bare"]["p99"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        "ledger_rows_added": sum(r.get("ledger_rows_added", 0) for r in runs),
        "sent": sum(r.get("sent") or 0 for r in runs),
        "workers_replaced": sum(r["workers_replaced"] + r["bare"]["workers_replaced"] for r in runs),
    }


def _prepared(info: dict) -> str:
    rows = info.get("rows", {})
    parts = [f"{rows.get('users', 0):,} users, {rows.get('submissions', 0):,} answers, "
             f"{rows.get('points_entries', 0):,} ledger rows"]
    timings = [f"{label} {info[key]:.0f} s" for key, label in (("seed_demo_s", "seed-demo"),
               ("seed_scale_s", "seed-scale"), ("analyze_s", "ANALYZE")) if info.get(key) is not None]
    if info.get("reused"):
        timings[-1:] = [timings[-1] + " (prepared by an earlier run)"] if timings else []
        timings += [f"{label} {info[key]:.0f} s" for key, label in (("upgrade_s", "db upgrade"),
                    ("rebuild_s", "analytics-rebuild")) if info.get(key) is not None]
    parts.append(", ".join(timings))
    return "; ".join(parts)


def markdown(results: list[dict], options, started: float) -> str:
    command = " ".join(shlex.quote(a) for a in [Path(sys.executable).name, "-m", "bench", *sys.argv[1:]])
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M %Z', time.localtime(started))} with `{command}` "
        f"({options.rounds} round(s) of {options.duration:g} s per run, wrk -t{options.threads} "
        f"-c{options.connections}); machine: {os.cpu_count()} CPUs, {cpu_model()}, Python "
        f"{platform.python_version()}. Load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        "",
        "CPU-ms = the gunicorn master's and workers' utime+stime over the run ÷ requests. Ratio = the bare "
        "page's CPU-ms in the run just before ÷ the target's (median over rounds; 1.0 = as cheap as the bare "
        "page, higher is better). Statements: SQL statements of one request. Single: median of 5 requests "
        "one at a time.",
        "",
    ]
    for result in results:
        lines += [f"### {result['database']}, {result['size']} size", "",
                  f"Data: {_prepared(result['prepared'])}.", "",
                  "| target | req/s | p50 ms | p99 ms | CPU-ms/req | ratio to bare | statements | single ms | errors |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        bare = []
        notes = []
        for name, entry in result["targets"].items():
            s = summarise(entry["runs"])
            bare.append(s)
            lines.append(f"| {name} | {_fmt(s['rps'], 0)} | {_fmt(s['p50'])} | {_fmt(s['p99'])} | "
                         f"{_fmt(s['cpu_ms'], 2)} | {_fmt(s['ratio'], 3)} | {entry.get('statements') or '–'} | "
                         f"{_fmt(entry.get('single_ms'), 0)} | {s['errors']} |")
            if name == "complete":
                consistent = s["requests"] <= s["ledger_rows_added"] <= (s["sent"] or s["ledger_rows_added"])
                notes.append(
                    f"complete: {s['requests']:,} POSTs answered within the runs, {s['sent']:,} sent (the difference "
                    f"was in flight when wrk stopped and is finished by the server afterwards, or never left wrk), "
                    f"{s['ledger_rows_added']:,} ledger rows added, {s['errors']} refusals or errors: "
                    + ("every POST a customer's first answer to that challenge, one ledger row each."
                       if consistent and not s["errors"] else "CHECK: ledger rows and POSTs do not match."))
            if entry.get("failure"):
                notes.append(f"{name}: {entry['failure']}")
            if s["workers_replaced"]:
                notes.append(f"{name}: {s['workers_replaced']} worker(s) started during the runs (CPU of a worker "
                             f"that ended is lost).")
        lines.append(f"| bare page | {_fmt(_median(b['bare_rps'] for b in bare), 0)} | "
                     f"{_fmt(_median(b['bare_p50'] for b in bare))} | {_fmt(_median(b['bare_p99'] for b in bare))} | "
                     f"{_fmt(_median(b['bare_cpu_ms'] for b in bare), 2)} | 1.000 | 3 | – | – |")
        lines += [""] + [f"- {note}" for note in notes] + ([""] if notes else [])
    return "\n".join(lines)


def write_report(path: Path, results: list[dict], options, started: float) -> None:
    text = markdown(results, options, started)
    print(text)
    document = path.read_text() if path.exists() else f"# Performance\n\n## Results\n\n{START}\n{END}\n"
    if START not in document:
        document += f"\n## Results\n\n{START}\n{END}\n"
    head, rest = document.split(START, 1)
    tail = rest.split(END, 1)[1] if END in rest else ""
    path.write_text(f"{head}{START}\n{text}\n{END}{tail}")
