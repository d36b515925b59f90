"""`flask seed-demo` in production: refused, unless forced, and then with a random password
(the published demo password would open the demo admin account)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.auth.models import User


def test_seed_demo_refuses_in_production(app, runner, db, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "Refusing to add demo accounts in production" in result.output
    assert "--force-in-production" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0
    also_if_empty = runner.invoke(args=["seed-demo", "--if-empty"])
    assert also_if_empty.exit_code != 0 and db.session.scalar(select(func.count(User.id))) == 0


def test_forced_seed_demo_in_production_gets_a_random_password_shown_once(app, runner, db, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    result = runner.invoke(args=["seed-demo", "--force-in-production"])
    assert result.exit_code == 0, result.output
    password = re.search(r"\(shown only now\): (\S+)", result.output).group(1)
    assert len(password) >= 20 and password != app.config["DEMO_PASSWORD"]
    admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
    assert admin.check_password(password) and not admin.check_password(app.config["DEMO_PASSWORD"])
    again = runner.invoke(args=["seed-demo", "--force-in-production"])
    assert re.search(r"\(shown only now\): (\S+)", again.output).group(1) != password


def test_seed_demo_in_development_keeps_the_demo_password(app, runner, db):
    assert app.config["APP_ENV"] != "production"
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
    assert admin.check_password(app.config["DEMO_PASSWORD"])
