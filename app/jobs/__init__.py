"""Background work: a Huey job runner delivers the outboxes after commit (with retries at the
moment they fall due) and runs the periodic jobs (delivery sweep, purge, follow-up reminders); the
worker process writes a heartbeat that `/healthz`, the admin outbox page and the outbox leases read.

Layers: `kick` and `lease` (and `models`) are low, so domain code can mark work for after the commit
and stamp its claims; `heartbeat` and `housekeeping` are domain operations; `queue`, `deliverers`,
`tasks` and `worker` are the runner itself (entry points, like the CLI)."""
