"""Expected answers per role for the sales workspace's "ready for the ask" endpoints."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin). The id routes are walked for a customer that does
# not exist (404 for those who may use them); the claim is posted with a valid CSRF token only.
EXPECTED: dict[str, tuple] = {
    "sales_ask.queue": (TO_LOGIN, 403, 403, 200, 200),
    "sales_ask.claim": (TO_LOGIN, 403, 403, 404, 404),
    "sales_ask.ask": (TO_LOGIN, 403, 403, 404, 404),
}
SAMPLE_ARGS: dict[str, object] = {"customer_id": 999999}
