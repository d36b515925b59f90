"""Expected answers per role for the programme's identity: marketing's form and the public logo."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin). The sample logo version does not exist.
EXPECTED: dict[str, tuple] = {
    "admin_programme.identity": (TO_LOGIN, 403, 200, 403, 200),
    "identity.logo": (404, 404, 404, 404, 404),
}
SAMPLE_ARGS: dict[str, object] = {"version": 999999, "extension": "png"}
