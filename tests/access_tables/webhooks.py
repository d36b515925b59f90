"""Expected answers per role for the webhook admin pages (see tests/access_tables/__init__.py): admins only."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin); object routes for an endpoint or message that does not exist.
EXPECTED: dict[str, tuple] = {
    "admin_webhooks.index": (TO_LOGIN, 403, 403, 403, 200),
    "admin_webhooks.new": (TO_LOGIN, 403, 403, 403, 200),
    "admin_webhooks.edit": (TO_LOGIN, 403, 403, 403, 404),
    "admin_webhooks.rotate": (TO_LOGIN, 403, 403, 403, 404),
    "admin_webhooks.delete": (TO_LOGIN, 403, 403, 403, 404),
    "admin_webhooks.test": (TO_LOGIN, 403, 403, 403, 404),
    "admin_webhooks.log": (TO_LOGIN, 403, 403, 403, 404),
    "admin_webhooks.replay": (TO_LOGIN, 403, 403, 403, 404),
}
SAMPLE_ARGS: dict[str, object] = {"endpoint_id": 999999, "message_id": 999999}
