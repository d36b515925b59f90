"""Expected answers per role for the programme terms (see tests/access_tables/__init__.py)."""
TO_LOGIN = "login"

# (anonymous, customer, marketer, sales, admin)
EXPECTED: dict[str, tuple] = {
    "terms.page": (200, 200, 200, 200, 200),  # public: read before signing up
    "terms.accept": (TO_LOGIN, 303, 403, 403, 403),  # no terms published: nothing to accept, on to the journey
    "terms.edit": (TO_LOGIN, 403, 200, 403, 200),
}
SAMPLE_ARGS: dict[str, object] = {}
