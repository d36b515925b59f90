"""`make bench` / `python -m bench`: the portal against a bare Flask page, in interleaved rounds.

    .venv/bin/python -m bench --db sqlite --size demo --quick
    .venv/bin/python -m bench --db both --size both --rounds 3 --duration 10

For every database and size: prepare the database, serve the portal and the bare page with
gunicorn (`-w 2`, as `make run`), sign in through /login, count each target's SQL statements
in-process, time single requests of the scale targets, then per round run each target and the bare
page alternately with `wrk -t2 -c16 --latency` while reading the servers' CPU time from /proc.
Results go to docs/performance.md (its results section is replaced) and to JSON in --data.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from app.dates import today
from bench import procstat, wrk
from bench.portal import Portal, login, postgres_reachable, prepare, server_env
from bench.report import write_report
from bench.server import Server

TARGETS = ("home", "challenge", "complete", "ask-rep", "ask-lead", "pipeline-rep", "pipeline-lead",
           "analytics-30", "analytics-365")
SCALE_TARGETS = ("ask-rep", "ask-lead", "pipeline-rep", "pipeline-lead", "analytics-30", "analytics-365")
LARGE_CUSTOMERS = 100_000


def _options(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--size", choices=("demo", "large", "both"), default="demo")
    parser.add_argument("--quick", action="store_true", help="1 round of 3 s runs")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3; quick 1)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per wrk run (default 10; quick 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default="", help=f"comma-separated targets of: {', '.join(TARGETS)}")
    parser.add_argument("--customers", type=int, default=LARGE_CUSTOMERS, help="size of 'large' (seed-scale N)")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/aj_bench_pg",
                        help="PostgreSQL URL; the demo and large databases are <name>_demo and <name>_large")
    parser.add_argument("--data", default="/tmp/aj-bench", help="SQLite files, pools, raw results")
    parser.add_argument("--reseed", action="store_true", help="seed the large databases again")
    parser.add_argument("--prepare-only", action="store_true", help="prepare the databases, measure nothing")
    parser.add_argument("--max-rate", type=float, default=600,
                        help="completions per second the POST pool is sized for")
    parser.add_argument("--output", default="docs/performance.md")
    options = parser.parse_args(argv)
    options.rounds = options.rounds or (1 if options.quick else 3)
    options.duration = options.duration or (3 if options.quick else 10)
    options.targets = [t.strip() for t in options.only.split(",") if t.strip()] or list(TARGETS)
    unknown = set(options.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    return options


def _url(options, database: str, size: str) -> str:
    if database == "sqlite":
        return f"sqlite:///{options.data}/portal-{size}.db"
    return f"{options.postgres}_{size}"


def _paths(users, today) -> dict[str, tuple[str, str]]:
    period = {days: f"start={(today - timedelta(days=days - 1)).isoformat()}&end={today.isoformat()}"
              for days in (30, 365)}
    return {"home": ("/", "customer"), "challenge": (f"/challenges/{users.challenge_id}", "customer"),
            "complete": ("", "pool"), "ask-rep": ("/sales/ask", "rep"), "ask-lead": ("/sales/ask", "lead"),
            "pipeline-rep": ("/sales/pipeline", "rep"), "pipeline-lead": ("/sales/pipeline", "lead"),
            "analytics-30": (f"/admin/analytics?{period[30]}", "marketer"),
            "analytics-365": (f"/admin/analytics?{period[365]}", "marketer")}


def _single_ms(url: str, cookie: str, times: int = 5) -> float:
    timings = []
    for _n in range(times):
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _settled(portal: Portal, seconds: float = 60) -> int:
    """The ledger's row count once the requests still queued when wrk stopped are done (unchanged for 2 s)."""
    deadline = time.monotonic() + seconds
    count, stable_since = portal.ledger_rows(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - stable_since < 2:
        time.sleep(0.5)
        now = portal.ledger_rows()
        if now != count:
            count, stable_since = now, time.monotonic()
    return count


def _drain(server: Server, path: str) -> None:
    """Wait for the requests still queued when wrk stopped (slow pages at scale): a request sent now is
    answered after them, so the next run does not start on a busy server."""
    try:
        with urllib.request.urlopen(server.url + path, timeout=600) as response:
            response.read()
    except OSError:
        pass


def _measured(server: Server, url: str, options, **kwargs) -> dict:
    before = procstat.cpu_ticks(server.pid)
    result = wrk.run(url, options.duration, options.connections, options.threads, **kwargs)
    after = procstat.cpu_ticks(server.pid)
    _drain(server, "/healthz" if server.app == "wsgi:app" else "/")
    ticks = procstat.ticks_used(before, after)
    answered = result.requests > 0  # wrk prints zero latencies when nothing came back in time
    return {"requests": result.requests, "rps": result.rps, "p50": result.p50_ms if answered else None,
            "p99": result.p99_ms if answered else None,
            "errors": result.errors, "sent": result.sent, "cpu_ms": procstat.cpu_ms_per_request(ticks, result.requests,
                                                                           procstat.ticks_per_second()),
            "workers_replaced": len(set(after) - set(before))}


def measure(options, database: str, size: str) -> dict:
    data = Path(options.data)
    data.mkdir(parents=True, exist_ok=True)
    url = _url(options, database, size)
    print(f"== {database} {size}: preparing {url}", flush=True)
    info = prepare(url, options.customers if size == "large" else 0, data / "prepared.json", options.reseed)
    if options.prepare_only:
        return {"database": database, "size": size, "prepared": info, "targets": {}}
    portal = Portal(url)
    users = portal.users(size == "large")
    with portal.app.app_context():
        paths = _paths(users, today())
    site = Server("wsgi:app", server_env(url))
    bare = Server("bench.bare:app", {"BENCH_BARE_DB": str(data / "bare.db")})
    result = {"database": database, "size": size, "prepared": info, "targets": {}}
    try:
        site.wait_ready()
        bare.wait_ready("/")
        cookies = {role: login(site.url, getattr(users, role)) for role in ("customer", "rep", "lead", "marketer")}
        emails = {"customer": users.customer, "rep": users.rep, "lead": users.lead, "marketer": users.marketer}
        for name in options.targets:
            path, role = paths[name]
            entry = result["targets"].setdefault(name, {"runs": []})
            try:
                if name == "complete":
                    first = next(iter(portal.completion_challenges()))
                    entry["statements"] = portal.statements("POST", f"/challenges/{first[0]}",
                                                            portal.fresh_customer(), {"answer": first[1]})
                    portal.remove_bench_customers()
                else:
                    entry["statements"] = portal.statements("GET", path, emails[role])
            except RuntimeError as failed:  # e.g. a statement timeout at scale: reported, not fatal
                entry["statements"], entry["failure"] = None, str(failed)
            if name in SCALE_TARGETS:
                try:
                    entry["single_ms"] = _single_ms(site.url + path, cookies[role])
                except OSError as failed:
                    entry["single_ms"], entry["failure"] = None, f"single request: {failed}"
        # Warm both servers up (not measured).
        wrk.run(bare.url + "/", 1, options.connections, options.threads)
        wrk.run(site.url + "/", 1, options.connections, options.threads, headers={"Cookie": cookies["customer"]})
        for round_number in range(options.rounds):
            for name in options.targets:
                path, role = paths[name]
                pool = data / f"pool-{database}-{size}.txt"
                if name == "complete":
                    pooled = portal.completion_pool(pool, int(options.duration * options.max_rate) + 100)
                baseline = _measured(bare, bare.url + "/", options)
                if name == "complete":
                    rows_before = portal.ledger_rows()
                    run = _measured(site, site.url + "/", options, pool=pool)
                    run.update(ledger_rows_added=_settled(portal) - rows_before, pool=pooled)
                    portal.remove_bench_customers()
                else:
                    run = _measured(site, site.url + path, options, headers={"Cookie": cookies[role]})
                run["bare"] = baseline
                run["ratio"] = procstat.ratio(baseline["cpu_ms"], run["cpu_ms"])
                result["targets"][name]["runs"].append(run)
                print(f"  round {round_number + 1} {name}: {run['rps']:.0f} req/s, {run['cpu_ms'] or 0:.2f} CPU-ms "
                      f"(bare {baseline['cpu_ms'] or 0:.2f}), ratio {run['ratio'] or 0:.3f}, errors {run['errors']}",
                      flush=True)
    finally:
        site.stop()
        bare.stop()
    return result


def main(argv=None) -> None:
    options = _options(argv)
    databases = ("sqlite", "postgres") if options.db == "both" else (options.db,)
    if options.db == "both" and not postgres_reachable(options.postgres):
        print(f"PostgreSQL at {options.postgres} does not answer: measuring SQLite only.")
        databases = ("sqlite",)
    sizes = ("demo", "large") if options.size == "both" else (options.size,)
    started = time.time()
    results = [measure(options, database, size) for size in sizes for database in databases]
    Path(options.data, "results.json").write_text(json.dumps(results, indent=1, default=str))
    if options.prepare_only:
        print(json.dumps(results, indent=1, default=str))
        return
    write_report(Path(options.output), results, options, started)
    print(f"Written to {options.output}")
