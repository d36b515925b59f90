"""The benchmark harness's arithmetic and parsing, and the bare page it compares with (no timings)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from bench import bare, procstat, report, wrk

STAT = "4242 (gunicorn: worker [wsgi:app) (x)) S 4200 4242 4200 0 -1 4194560 9000 0 0 0 {u} {s} 0 0 20 0 1 0 " \
       "123456 250000000 20000 18446744073709551615 1 1 0 0 0 0 0 16781312 134234626 0 0 0 17 1 0 0 0 0 0"


def test_parse_stat_counts_fields_after_the_command_name():
    assert procstat.parse_stat(STAT.format(u=1500, s=250)) == (4200, 1500, 250)


def _proc(tmp_path, stats: dict[int, str]):
    for pid, text in stats.items():
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(text)
    (tmp_path / "self").mkdir()
    return tmp_path


def test_cpu_of_the_master_and_its_workers(tmp_path):
    proc = _proc(tmp_path, {
        100: "100 (gunicorn) S 1 100 100 0 -1 0 0 0 0 0 40 10 0 0",
        101: "101 (gunicorn) S 100 100 100 0 -1 0 0 0 0 0 700 300 0 0",
        102: "102 (gunicorn) S 100 100 100 0 -1 0 0 0 0 0 500 100 0 0",
        200: "200 (wrk) S 1 200 200 0 -1 0 0 0 0 0 999 999 0 0",
    })
    assert procstat.family(100, proc) == [100, 101, 102]
    assert procstat.cpu_ticks(100, proc) == {100: 50, 101: 1000, 102: 600}


def test_ticks_used_counts_a_new_worker_from_zero():
    before = {100: 50, 101: 1000, 102: 600}
    after = {100: 52, 101: 1200, 103: 30}  # 102 ended, 103 started
    assert procstat.ticks_used(before, after) == 2 + 200 + 30


def test_cpu_ms_per_request_and_the_ratio_to_the_bare_page():
    assert procstat.cpu_ms_per_request(ticks=250, requests=1000, hz=100) == pytest.approx(2.5)
    assert procstat.cpu_ms_per_request(ticks=250, requests=0, hz=100) is None
    bare_ms, target_ms = 1.15, 10.9
    assert procstat.ratio(bare_ms, target_ms) == pytest.approx(0.1055, abs=1e-4)
    assert procstat.ratio(2.0, 2.0) == 1.0
    assert procstat.ratio(None, 3.0) is None and procstat.ratio(1.0, None) is None


WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    18.20ms    5.10ms  80.00ms   75.00%
    Req/Sec   440.00     40.00   520.00     70.00%
  Latency Distribution
     50%   17.50ms
     75%   20.10ms
     90%   24.00ms
     99%    1.02s
  8800 requests in 10.01s, 30.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    879.12
Transfer/sec:      3.00MB
bench-sent: 8812
"""


def test_wrk_report():
    result = wrk.parse(WRK_OUTPUT)
    assert result.requests == 8800 and result.seconds == pytest.approx(10.01)
    assert result.rps == pytest.approx(879.12)
    assert result.p50_ms == pytest.approx(17.5) and result.p99_ms == pytest.approx(1020)
    assert result.errors == 4 + 2  # answers that were not 2xx/3xx, and timeouts (not closed connections)
    assert result.sent == 8812  # printed by rotate.lua: requests sent, also those in flight at the end
    with pytest.raises(ValueError):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused")


def test_the_bare_page_answers_with_thirty_cards_and_no_session(tmp_path, monkeypatch):
    monkeypatch.setattr(bare, "DB_PATH", str(tmp_path / "bare.db"))
    monkeypatch.setattr(bare, "_connection", None)
    response = bare.app.test_client().get("/")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('<li class="card') == bare.CARDS
    assert "Set-Cookie" not in response.headers


def test_the_report_replaces_only_its_section(tmp_path):
    runs = [{"rps": 100.0, "sent": 1000, "p50": 10.0, "p99": 30.0, "cpu_ms": 8.0, "ratio": 0.125, "errors": 0, "requests": 990,
             "workers_replaced": 0, "ledger_rows_added": 1000,
             "bare": {"rps": 900.0, "p50": 2.0, "p99": 9.0, "cpu_ms": 1.0, "workers_replaced": 0}}]
    results = [{"database": "sqlite", "size": "demo", "prepared": {"rows": {"points_entries": 20}, "seed_demo_s": 3.0},
                "targets": {"complete": {"runs": runs, "statements": 41}}}]
    options = SimpleNamespace(rounds=1, duration=3.0, threads=2, connections=16)
    document = tmp_path / "performance.md"
    document.write_text(f"# Performance\n\nBefore.\n\n{report.START}\nold\n{report.END}\n\nAfter.\n")
    report.write_report(document, results, options, started=0)
    text = document.read_text()
    assert "Before." in text and "After." in text and "old" not in text
    assert "| complete | 100 | 10.0 | 30.0 | 8.00 | 0.125 | 41 |" in text
    assert "990 POSTs answered within the runs, 1,000 sent" in text and "1,000 ledger rows added, 0 refusals" in text
    assert "one ledger row each" in text
