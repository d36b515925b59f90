"""Command-line tasks."""
from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import Company, User


def test_seed_demo_creates_the_demo_accounts_and_is_idempotent(app, runner, db, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", "another-demo-password")
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    users = db.session.scalar(select(func.count(User.id)))
    companies = db.session.scalar(select(func.count(Company.id)))
    second = runner.invoke(args=["seed-demo"])
    assert "0 records added" in second.output
    assert db.session.scalar(select(func.count(User.id))) == users
    assert db.session.scalar(select(func.count(Company.id))) == companies >= 3

    expected = {
        "klant@example.com": ("customer", "nl"),
        "customer@example.com": ("customer", "en"),
        "marketing@example.com": ("marketer", None),
        "sales@example.com": ("sales", None),
        "admin@example.com": ("admin", None),
    }
    for email, (role, locale) in expected.items():
        user = User.by_email(email)
        assert user.role == role and user.check_password("another-demo-password")
        if locale:
            assert user.locale == locale and user.company.account_manager.role == "sales"
    assert User.by_email("sales@example.com").manager is not None  # a sales user with a manager


def test_seed_demo_if_empty_leaves_a_used_database_alone(runner, db):
    runner.invoke(args=["create-user", "--email", "owner@example.com", "--name", "Owner", "--role", "admin",
                        "--password", "a long admin password"])
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not added" in result.output
    assert User.by_email("klant@example.com") is None


def test_send_mail_with_nothing_to_do(runner, db):
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0 and "Sent 0, failed 0." in result.output


def test_create_user_invitation_links_use_base_url_outside_a_request(app, runner, db, monkeypatch):
    from app.mail import OutboxMessage

    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    monkeypatch.setitem(app.config, "BASE_URL", "https://ambassadors.example.com")
    runner.invoke(args=["create-user", "--email", "mila@example.com", "--name", "Mila", "--role", "marketer"])
    message = db.session.scalars(select(OutboxMessage)).one()
    assert "https://ambassadors.example.com/invitation/" in message.body_text
