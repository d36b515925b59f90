"""The benchmark harness (`make bench`, `python -m bench`): the portal and a bare Flask page served
the same way by gunicorn, measured in interleaved rounds with wrk; server CPU time per request from
/proc. See docs/performance.md."""
