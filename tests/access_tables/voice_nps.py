"""Expected answers per role for the NPS comments page, its CSV and the upsell follow-up."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin). The upsell is walked for an answer that does not
# exist (404 for those who may use it); tests/nps/test_voice.py covers another account's answer.
EXPECTED: dict[str, tuple] = {
    "nps.comments": (TO_LOGIN, 403, 200, 200, 200),
    "nps.comments_csv": (TO_LOGIN, 403, 200, 200, 200),
    "nps.upsell": (TO_LOGIN, 403, 404, 404, 404),
}
SAMPLE_ARGS: dict[str, object] = {}
