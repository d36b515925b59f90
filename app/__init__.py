"""Ambassador Journey: the app factory."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from werkzeug.routing import IntegerConverter

from app import (
    cli,
    errors,
    mail,
    models,  # noqa: F401  (every table, for Alembic and create_all)
    security,
)
from app.admin import api_tokens, designer, moderation, outbox, participants, programme
from app.admin.participants import detail as participant_page
from app.admin.people import companies as people_companies
from app.admin.people import staff as people_staff
from app.analytics import costs_routes as economics
from app.analytics import goals_routes as goals
from app.analytics import routes as analytics
from app.analytics.commands import analytics_rebuild, analytics_rollup
from app.api import core as api_core
from app.api import feeds as api_feeds
from app.api import people as api_people
from app.api import points as api_points
from app.api import reference as api_reference
from app.api import referrals as api_referrals
from app.api.cli import create_api_token
from app.audit import routes as audit
from app.auth import routes as auth
from app.auth.models import User
from app.challenges import get_type
from app.chat import admin_routes as admin_chat
from app.chat import routes as chat
from app.chat.commands import deliver_chat
from app.config import load_config
from app.customer import routes as customer
from app.demo.cli import seed_scale
from app.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from app.feedback import queue as feedback_queue
from app.feedback import routes as feedback
from app.htmx import redirect_to
from app.i18n import install_template_gettext, select_locale
from app.i18n_content import localized, localized_value
from app.identity import routes as identity
from app.journey import routes as journey
from app.main import routes as main
from app.main.forms import LANGUAGE_NAMES
from app.nps import routes as nps
from app.points.services import totals
from app.privacy import routes as privacy
from app.referrals import routes as referrals
from app.sales import ask as sales_ask
from app.sales import pipeline as sales_pipeline
from app.sales import reference_offers
from app.sales import referral_entry as sales_referrals
from app.terms import routes as terms
from app.voice import routes as voice_answers
from app.webhooks import routes as webhooks
from app.workspaces import routes as workspaces

# Every area's blueprint, in the order they are registered.
BLUEPRINT_MODULES = (auth, main, journey, customer, workspaces, nps, sales_ask, referrals, sales_pipeline,
                     designer, moderation, participants, participant_page, programme, audit, analytics, outbox, privacy, terms,
                     people_staff, people_companies, identity, voice_answers, reference_offers, feedback,
                     feedback_queue, economics, goals, sales_referrals, chat, admin_chat, api_tokens, api_reference, webhooks)


class Anonymous(AnonymousUserMixin):
    role = None
    locale = None
    is_staff = False


class DatabaseInt(IntegerConverter):
    """`<int:…>` in URLs stops at the largest id the database can hold: a bigger one is a 404,
    not an out-of-range error from PostgreSQL."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = DatabaseInt
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    if app.config["APP_ENV"] == "production" and not app.debug:
        logging.basicConfig(level=logging.INFO)
    app.logger.setLevel(logging.INFO)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", "migrations")))
    # Order of the before-request checks: role guard, rate limit, CSRF. An anonymous visitor is
    # sent to login and a flood is refused before any form is looked at.
    security.init_app(app)
    limiter.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=app.config["BABEL_TRANSLATION_DIRECTORIES"])
    htmx.init_app(app)
    _init_login(app)
    errors.init_app(app)
    app.after_request(mail.deliver_committed_after_request)

    for module in BLUEPRINT_MODULES:
        app.register_blueprint(module.bp)
    # The REST API's resources, registered through flask-smorest so they are in /api/v1/openapi.json.
    api_core.init_app(app, (api_people.participants, api_people.companies, api_referrals.blp, api_feeds.nps,
                            api_feeds.content, api_points.blp))
    app.cli.add_command(seed_scale)
    app.cli.add_command(analytics_rollup)
    app.cli.add_command(analytics_rebuild)
    app.cli.add_command(deliver_chat)
    app.cli.add_command(create_api_token)
    cli.register(app)
    _init_templates(app)
    _init_sqlite(app)
    return app


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        try:
            uid, version = (int(part) for part in user_id.split(":"))
        except (ValueError, AttributeError):
            return None
        user = db.session.get(User, uid)
        if user is None or not user.is_active or user.session_version != version:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.method == "GET":
            target = request.full_path.rstrip("?")
        else:
            current = request.headers.get("HX-Current-URL", "")
            target = current.split(request.host, 1)[-1] if current else url_for("main.home")
        login_url = url_for("auth.login", next=target if target != "/" else None)
        if getattr(request, "htmx", None):
            response = redirect_to(login_url)
            response.status_code = 401
            return response
        return redirect_to(login_url, status=302)


def _customer_points() -> int:
    return totals(current_user.id)[1] if current_user.is_authenticated else 0


def _init_templates(app: Flask) -> None:
    @app.context_processor
    def inject() -> dict[str, Any]:
        return {
            "customer_points": _customer_points,
            "has_endpoint": lambda name: name in app.view_functions,
            "csrf_token": generate_csrf,
            "current_locale": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
            "layout": "base.html",
        }

    app.jinja_env.add_extension("jinja2.ext.do")
    install_template_gettext(app)
    app.jinja_env.filters["t"] = localized
    app.jinja_env.filters["tv"] = localized_value
    app.jinja_env.globals["challenge_type"] = get_type
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["number"] = format_decimal


def _init_sqlite(app: Flask) -> None:
    """WAL and foreign keys for SQLite, so several gunicorn workers can share it safely."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
