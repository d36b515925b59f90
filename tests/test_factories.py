"""The test factories: one per model, each valid on its own with no arguments."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect

from app import models as _every_model  # noqa: F401  (imported so that MODELS below is complete)
from app.extensions import db as _db
from tests import factories


def _factory_name(model: type) -> str:
    return "make_" + re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()


MODELS = sorted((mapper.class_ for mapper in _db.Model.registry.mappers), key=lambda model: model.__name__)


def test_every_model_has_a_factory():
    missing = [_factory_name(model) for model in MODELS if not hasattr(factories, _factory_name(model))]
    assert not missing, missing


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_factory_alone_makes_a_row_the_database_accepts(db, model):
    thing = getattr(factories, _factory_name(model))()
    assert isinstance(thing, model)
    key = inspect(thing).identity
    db.session.commit()
    db.session.expunge_all()
    assert db.session.get(model, key) is not None


def test_factories_make_what_they_are_told(db):
    customer = factories.make_user(name="Anna", locale="en")
    response = factories.make_nps_response(customer, score=3)
    follow_up = factories.make_follow_up(response)
    assert response.category == "detractor" and response.company_id == customer.company_id
    assert follow_up.assignee == customer.company.account_manager
    ask = factories.make_ask(customer, outcome="later")
    assert ask.asked_by == customer.company.account_manager and ask.outcome == "later"
    reward = factories.make_reward("Roadmap session", point_cost=30, stock=1)
    assert factories.make_redemption(customer, reward).points_spent == 30
    settings = factories.make_programme_settings(ask_cap_days=30)
    assert factories.make_programme_settings(daily_referral_cap=2) is settings and settings.ask_cap_days == 30
