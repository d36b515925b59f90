"""Expected answers per role for referrals sales enter for a customer and the owner of a referral."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin). Sample ids do not exist: 404 for those who may use them.
EXPECTED: dict[str, tuple] = {
    "sales_referrals.choose_customer": (TO_LOGIN, 403, 403, 200, 200),
    "sales_referrals.new": (TO_LOGIN, 403, 403, 404, 404),
    "sales_referrals.reassign": (TO_LOGIN, 403, 403, 404, 404),
    "sales_referrals.value": (TO_LOGIN, 403, 403, 404, 404),
}
SAMPLE_ARGS: dict[str, object] = {"customer_id": 999999, "referee_id": 999999}
