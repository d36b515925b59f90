"""A challenge type defined only here, registered for these tests: adding a type touches no app code.

A customer answers it on the real challenge page, marketing sees the answer the way the type shows
it to staff, approves it from the moderation queue, and the points are awarded.
"""
from __future__ import annotations

import re

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from app.challenges import REGISTRY, ChallengeType, register
from app.challenges.registry import StaffAnswer, data_of
from app.forms import Form, strip
from app.journey.models import APPROVED, PENDING, Submission
from app.points.models import PointsEntry
from tests.factories import make_challenge, make_level

KEY = "test_favourite_colour"


class FavouriteColour(ChallengeType):
    key = KEY
    label = "Favourite colour"
    needs_review = True

    def answer_form(self, challenge, formdata=None, user=None):
        class AnswerForm(Form):
            colour = StringField("Your favourite colour", filters=[strip],
                                 validators=[DataRequired("Name a colour.")])
            why = TextAreaField("Why that one?", filters=[strip], validators=[DataRequired("Tell us why.")])

        return AnswerForm(formdata=formdata)

    def to_data(self, form, challenge, user):
        return {"colour": form.colour.data, "why": form.why.data}

    def summary(self, submission):
        return data_of(submission).get("colour", "")

    def staff_answer(self, submission):
        data = data_of(submission)
        colour = data.get("colour") if isinstance(data.get("colour"), str) else "–"
        why = data.get("why") if isinstance(data.get("why"), str) else ""
        return StaffAnswer(text=why, facts=[("Colour chosen", colour.upper())])


TEMPLATE = """{% from "components/forms.html" import field %}
<div class="favourite-colour">{{ field(form.colour) }}{{ field(form.why) }}</div>"""


@pytest.fixture
def favourite_colour(app):
    register(FavouriteColour)
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({f"challenges/types/{KEY}.html": TEMPLATE}), loader])
    yield REGISTRY[KEY]
    app.jinja_env.loader = loader
    REGISTRY.pop(KEY, None)


def test_a_type_defined_outside_the_app_is_answered_reviewed_and_rewarded(
        client, db, login_as, post_form, favourite_colour):
    challenge = make_challenge(make_level(1, threshold=0), KEY, 25, {}, needs_review=True,
                               title_en="Tell us your favourite colour")
    customer = login_as("customer", locale="en")

    page = client.get(f"/challenges/{challenge.id}")
    assert page.status_code == 200
    assert 'class="favourite-colour"' in page.text and "Your favourite colour" in page.text

    response = post_form(f"/challenges/{challenge.id}", {"colour": "", "why": ""})
    assert response.status_code == 422 and "Name a colour." in response.text

    response = post_form(f"/challenges/{challenge.id}", {"colour": "teal", "why": "It calms the whole office down."})
    assert response.status_code == 303
    [submission] = db.session.scalars(select(Submission).where(Submission.challenge_id == challenge.id))
    assert submission.status == PENDING
    assert submission.data == {"colour": "teal", "why": "It calms the whole office down."}
    assert db.session.scalar(select(PointsEntry).where(PointsEntry.user_id == customer.id)) is None

    login_as("marketer", locale="en")
    queue = client.get("/admin/moderation").text
    assert re.search(rf'<li class="moderation-item" id="submission-{submission.id}"', queue)
    item = queue[queue.index(f'id="submission-{submission.id}"'):]
    assert "Favourite colour" in item  # the type's label
    assert "It calms the whole office down." in item  # staff_answer's text
    assert "Colour chosen" in item and "TEAL" in item  # and its facts

    response = post_form(f"/admin/moderation/{submission.id}/review", {"decision": "approve"})
    assert response.status_code == 303

    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status == APPROVED
    [entry] = db.session.scalars(select(PointsEntry).where(PointsEntry.user_id == customer.id))
    assert entry.points == 25 and entry.source_type == "submission" and entry.source_id == submission.id
    # Not a type the content library holds.
    assert "It calms the whole office down." not in client.get("/admin/library").text


def test_the_throwaway_type_is_gone_afterwards():
    assert KEY not in REGISTRY
