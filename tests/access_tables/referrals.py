"""Expected answers per role for referrals (the referee's public pages, the customer's "my
referrals"), the sales pipeline and marketing's programme settings."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin). Sample ids and tokens do not exist.
_SALES_PAGE = (TO_LOGIN, 403, 403, 200, 200)
_SALES_MISSING = (TO_LOGIN, 403, 403, 404, 404)

EXPECTED: dict[str, tuple] = {
    "referrals.landing": (404, 404, 404, 404, 404),  # an unknown personal link
    "referrals.confirm": (404, 404, 404, 404, 404),
    "referrals.objection": (200, 200, 200, 200, 200),  # "nothing left to erase"
    "referrals.feedback": (404, 404, 404, 404, 404),
    "referrals.mine": (TO_LOGIN, 200, 403, 403, 403),
    "referrals.referrer_feedback": (TO_LOGIN, 404, 403, 403, 403),
    "sales_pipeline.pipeline": _SALES_PAGE,
    "sales_pipeline.pipeline_csv": _SALES_PAGE,
    "sales_pipeline.review": _SALES_PAGE,
    "sales_pipeline.follow_ups": _SALES_PAGE,
    "sales_pipeline.referral": _SALES_MISSING,
    "sales_pipeline.move": _SALES_MISSING,
    "sales_pipeline.clear": _SALES_MISSING,
    "sales_pipeline.reject": _SALES_MISSING,
    "sales_pipeline.ask_follow_up_done": _SALES_MISSING,
    "admin_programme.settings": (TO_LOGIN, 403, 200, 403, 200),
}
SAMPLE_ARGS: dict[str, object] = {"code": "nosuchcode", "referee_id": 999999, "ask_id": 999999}
