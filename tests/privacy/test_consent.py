"""Consent records: appended where a consent is given, and again (granted false) when it is withdrawn."""
from __future__ import annotations

import re

from flask_babel import force_locale
from sqlalchemy import select

from app.challenges.types.quote import Quote
from app.challenges.types.reference_call import ReferenceCall
from app.journey.models import Submission
from app.privacy.consent import text_hash
from app.privacy.models import ConsentRecord
from tests.factories import make_challenge, make_level

QUOTE = {"quote": "Since we work with this team we finally have an overview of all our projects.",
         "show_name": "y", "channels": ["website"], "until": "", "agree": "y"}


def records(db, user_id):
    return list(db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user_id)
                                   .order_by(ConsentRecord.id)))


def test_a_quote_records_the_consent_with_its_wording_language_and_scope(app, client, db, login_as, post_form):
    challenge = make_challenge(make_level(threshold=0), "quote", 20, {"channels": ["website", "social"]},
                               needs_review=True)
    customer = login_as("customer", locale="nl")
    assert post_form(f"/challenges/{challenge.id}", QUOTE, headers={"Accept-Language": "nl"}).status_code == 303
    [record] = records(db, customer.id)
    assert (record.kind, record.granted, record.locale, record.source) == ("quote_publication", True, "nl", "challenge")
    with app.test_request_context(), force_locale("nl"):
        shown = str(Quote.consent_text())
    assert shown.startswith("Ik ") and record.text_hash == text_hash(shown)  # the Dutch wording, as shown
    assert record.scope["channels"] == ["website"] and record.scope["show_name"] is True
    assert record.scope["show_logo"] is False


def test_withdrawing_appends_a_record_and_keeps_the_grant(client, db, login_as, post_form):
    challenge = make_challenge(make_level(threshold=0), "case_story", 30, {}, needs_review=True)
    customer = login_as("customer", locale="en")
    data = {"agree_story": "y", "interview_format": "video_call", "period": "later", "topics": ""}
    assert post_form(f"/challenges/{challenge.id}", data).status_code == 303
    submission = db.session.scalars(select(Submission).where(Submission.user_id == customer.id)).one()
    assert post_form(f"/contributions/{submission.id}/withdraw").status_code in (200, 303)
    assert post_form(f"/contributions/{submission.id}/withdraw").status_code in (200, 303)  # twice: one record
    grant, withdrawal = records(db, customer.id)
    assert (grant.kind, grant.granted, withdrawal.granted) == ("case_story", True, False)
    assert withdrawal.source == "contributions" and withdrawal.text_hash == grant.text_hash
    assert withdrawal.submission_id == grant.submission_id == submission.id


def test_being_a_reference_records_the_consent_with_its_wording_and_scope(app, client, db, login_as, post_form):
    challenge = make_challenge(make_level(threshold=0), "reference_call", 25, {}, needs_review=True)
    customer = login_as("customer", locale="en")
    data = {"calls_per_quarter": "2", "topics": "", "contact": "phone", "agree": "y"}
    assert post_form(f"/challenges/{challenge.id}", data).status_code == 303
    [record] = records(db, customer.id)
    assert (record.kind, record.granted, record.locale, record.source) == ("reference_call", True, "en", "challenge")
    with app.test_request_context(), force_locale("en"):
        assert record.text_hash == text_hash(str(ReferenceCall.consent_text()))
    assert record.scope == {"calls_per_quarter": "2", "contact": "phone"}


def test_permission_to_mention_the_referrer_is_recorded_and_not_without_it(app, client, db, login_as, post_form):
    challenge = make_challenge(make_level(3), "referral", 100, {"repeat_after_days": 0}, repeatable=True)
    customer = login_as("customer", locale="en")
    intro = {"name": "Anna de Vries", "company": "Bouwbedrijf Noord", "role": "Operations director",
             "benefit": "They plan their crews in spreadsheets, exactly as we did two years ago.",
             "route": "contact", "may_mention": "y", "message_locale": "en"}
    for data in (intro, {**intro, "name": "Bert Bakker", "route": "introduce", "may_mention": ""}):
        preview = post_form(f"/challenges/{challenge.id}", data)
        assert preview.status_code == 200, preview.text
        sealed = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
        assert post_form(f"/challenges/{challenge.id}", {**data, "token": sealed, "approved": "1"}).status_code == 303
    [record] = records(db, customer.id)  # only the first introduction gave the permission
    assert (record.kind, record.granted, record.scope) == ("referral_mention", True, {"may_mention": True,
                                                                                       "route": "contact"})
    with app.test_request_context(), force_locale("en"):
        assert record.text_hash == text_hash("You may mention my name")
