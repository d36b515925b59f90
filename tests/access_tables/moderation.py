"""Expected answers per role for this area's endpoints (see tests/access_tables/__init__.py)."""
TO_LOGIN = "login"

EXPECTED: dict[str, tuple] = {}
SAMPLE_ARGS: dict[str, object] = {}
