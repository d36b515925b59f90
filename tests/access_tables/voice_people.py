"""Expected answers per role for the reference offers (sales for their accounts, marketing, admins)."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin). The offer page is walked for a customer that does not
# exist (404 for those who may use it); its form is posted with a valid CSRF token only.
EXPECTED: dict[str, tuple] = {
    "reference_offers.index": (TO_LOGIN, 403, 200, 200, 200),
    "reference_offers.offer": (TO_LOGIN, 403, 404, 404, 404),
}
SAMPLE_ARGS: dict[str, object] = {"customer_id": 999999}
