"""schemathesis in-process against the WSGI app with a token: for every operation of
/api/v1/openapi.json, generated requests (valid and invalid) never get a 5xx, and every answer
matches the document (status code, content type and body schema). A small seeded dataset and a
bounded number of examples keep it under a minute; CI also runs the CLI against gunicorn (.ci/run)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS

from tests import factories

EXAMPLES = 12
CHECK_NAMES = ("not_a_server_error", "response_schema_conformance", "status_code_conformance",
               "content_type_conformance")


@pytest.fixture
def seeded(db, make_token):
    """A few of each: customers with points and NPS answers, referrals at several stages, a quote."""
    sales = factories.make_user("sales")
    company = factories.make_company(account_manager=sales)
    people = [factories.make_user(company=company) for _ in range(3)]
    for n, person in enumerate(people):
        factories.make_points_entry(person, 50 + n)
        factories.make_nps_response(person, score=3 + 3 * n, reason="Because")
        factories.make_referee(person, stage=("new", "meeting", "won")[n], owner_id=sales.id,
                               deal_value_cents=100000 if n == 2 else None)
    quote = factories.make_challenge(type_key="quote")
    factories.make_submission(people[0], quote, data={"quote": "It works for us.", "show_name": True, "show_company": True,
                                                      "show_logo": False, "show_photo": False, "channels": ["website"],
                                                      "until": None, "agree": True})
    return make_token()


def test_generated_calls_get_no_server_error_and_match_the_document(app, seeded):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = [check for check in CHECKS.get_all() if check.__name__ in CHECK_NAMES]
    assert len(checks) == len(CHECK_NAMES)
    headers = {"Authorization": f"Bearer {seeded.secret}"}
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except Exception as exc:  # gathered, so one run names every operation that fails
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    assert not failures, "\n\n".join(failures)
