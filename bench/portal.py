"""The portal's side of the benchmark: preparing a database (demo size or `seed-scale`), signing in
through /login, the pool of real first completions for the POST target, and counting the SQL
statements of one request of each target in-process."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from app import create_app
from app.auth.models import CUSTOMER, SALES, Company, User
from app.dates import utcnow
from app.extensions import db
from app.journey.models import PUBLISHED, Challenge, Level
from app.points.models import PointsEntry
from app.terms.models import TermsAcceptance
from app.terms.services import current_version

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")
SECRET = "bench-secret-key-not-for-production"
PASSWORD = "demo-ambassador"
BENCH_MANAGER = "bench-manager@example.test"
BENCH_COMPANY = "Bench customers"
BENCH_EMAILS = "bench-%@example.test"


def server_env(url: str) -> dict[str, str]:
    """What the portal's gunicorn gets: the database, a fixed key (so pool cookies are valid), no Redis."""
    return {"DATABASE_URL": url, "SECRET_KEY": SECRET, "DEMO_PASSWORD": PASSWORD, "REDIS_URL": "",
            "APP_ENV": "development", "FLASK_APP": "wsgi"}


def _flask(url: str, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(FLASK), *args], cwd=ROOT, env={**os.environ, **server_env(url)}, check=True)
    return time.perf_counter() - started


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _admin_engine_url(url: str):
    return make_url(url).set(database="postgres")


def _empty(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        return
    name = make_url(url).database
    engine = create_engine(_admin_engine_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def prepare(url: str, customers: int, state_file: Path, reseed: bool = False) -> dict:
    """A database with the demo (customers=0) or the demo plus `seed-scale customers`. A large database
    prepared before (same URL and size, noted in `state_file`) is reused unless `reseed`."""
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    key = f"{url}|{customers}"
    if customers and not reseed and key in state:
        # The code may have moved on since: bring the schema to the head, and when it changed, rebuild
        # the analytics rollups from the data (as seed-scale does at its end).
        before = _revision(url)
        upgraded = {"upgrade_s": _flask(url, "db", "upgrade")}
        if _revision(url) != before:
            upgraded["rebuild_s"] = _flask(url, "analytics-rebuild")
        return {**state[key], **upgraded, "reused": True}
    _empty(url)
    info = {"upgrade_s": _flask(url, "db", "upgrade"), "seed_demo_s": _flask(url, "seed-demo")}
    if customers:
        info["seed_scale_s"] = _flask(url, "seed-scale", str(customers))
    started = time.perf_counter()
    portal = Portal(url)
    with portal.app.app_context():
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        info["rows"] = portal.sizes()
    info["analyze_s"] = time.perf_counter() - started
    if customers:
        state = json.loads(state_file.read_text()) if state_file.exists() else {}  # another run may have written
        state[key] = info
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(json.dumps(state, indent=1))
    return {**info, "reused": False}


def postgres_reachable(url: str) -> bool:
    engine = create_engine(_admin_engine_url(url))
    try:
        with engine.connect():
            return True
    except Exception:  # noqa: BLE001 — any reason: no server, no access
        return False
    finally:
        engine.dispose()


def login(base_url: str, email: str, password: str = PASSWORD) -> str:
    """Sign in through /login as a browser would; returns the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base_url + "/login", timeout=60) as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
    with opener.open(base_url + "/login", data=body, timeout=60) as response:
        response.read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "session" not in cookies:
        raise RuntimeError(f"signing in as {email} gave no session")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


@dataclass
class Users:
    customer: str
    challenge_id: int
    rep: str
    lead: str
    marketer: str


class Portal:
    """The portal in-process, on the benchmark's database (for what the HTTP runs need around them)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False,
                               "MAIL_DELIVER_ON_COMMIT": False})

    def sizes(self) -> dict[str, int]:
        tables = ("users", "submissions", "points_entries", "referees", "nps_responses", "asks")
        return {t: db.session.scalar(text(f"SELECT COUNT(*) FROM {t}")) for t in tables}

    def users(self, large: bool) -> Users:
        """Who signs in for which target. At scale the sales targets use a synthetic lead and one of
        their account managers (given the demo password here), with their hundreds of customers."""
        with self.app.app_context():
            customer = User.by_email("klant@example.com")
            done = {row for row in db.session.scalars(text(
                "SELECT challenge_id FROM submissions WHERE user_id = :u"), {"u": customer.id})}
            level_one = db.session.scalar(select(Level.id).order_by(Level.position).limit(1))
            challenge_id = next(cid for cid in db.session.scalars(
                select(Challenge.id).where(Challenge.level_id == level_one, Challenge.status == PUBLISHED)
                .order_by(Challenge.position)) if cid not in done)
            rep, lead = "sales@example.com", "sales-lead@example.com"
            if large:
                lead_user = db.session.scalar(select(User).where(User.role == SALES, User.email.like("lead0-%"))
                                              .order_by(User.id.desc()).limit(1))
                rep_user = db.session.scalar(select(User).where(User.manager_id == lead_user.id).order_by(User.id)
                                             .limit(1))
                hashed = generate_password_hash(PASSWORD)
                lead_user.password_hash = rep_user.password_hash = hashed
                db.session.commit()
                rep, lead = rep_user.email, lead_user.email
            return Users("klant@example.com", challenge_id, rep, lead, "marketing@example.com")

    def ledger_rows(self) -> int:
        with self.app.app_context():
            count = db.session.scalar(select(func.count(PointsEntry.id)))
            db.session.remove()
            return count

    def completion_challenges(self) -> list[tuple[int, str]]:
        """The open level-1 questions, each with an answer long enough for it."""
        with self.app.app_context():
            level_one = db.session.scalar(select(Level.id).order_by(Level.position).limit(1))
            questions = db.session.execute(select(Challenge.id, Challenge.config).where(
                Challenge.level_id == level_one, Challenge.status == PUBLISHED, Challenge.type_key == "question")
                .order_by(Challenge.position)).all()
            db.session.remove()
        answer = "A benchmark answer that is long enough for any question of the journey"
        return [(cid, answer.ljust(int((config or {}).get("min_length", 1)), ".")) for cid, config in questions]

    def _bench_company(self) -> int:
        """The company of the benchmark's own customers, with its own account manager outside every
        sales team: the sales pages measured are not changed by them."""
        manager = User.by_email(BENCH_MANAGER)
        if manager is None:
            manager = User(email=BENCH_MANAGER, name="Bench account manager", role=SALES, locale="en",
                           password_hash="!")
            db.session.add(manager)
            db.session.flush()
        company = db.session.scalar(select(Company).where(Company.name == BENCH_COMPANY))
        if company is None:
            company = Company(name=BENCH_COMPANY, account_manager_id=manager.id)
            db.session.add(company)
            db.session.flush()
        return company.id

    def remove_bench_customers(self) -> int:
        """Erase the customers a POST pool or a statement count made (their answers and ledger rows go
        with them), so every target of every round sees the same data."""
        with self.app.app_context():
            removed = db.session.execute(text("DELETE FROM users WHERE email LIKE :pattern AND role = :role"),
                                         {"pattern": BENCH_EMAILS, "role": CUSTOMER}).rowcount
            db.session.commit()
            db.session.remove()
        return removed

    def completion_pool(self, path: Path, requests: int) -> int:
        """`requests` real first completions: new customers (in a demo company), each answering the
        open level-1 questions once. One line per request: path, Cookie header, form body."""
        questions = self.completion_challenges()
        with self.app.app_context():
            company_id = self._bench_company()
            people = -(-requests // len(questions))
            run = utcnow().strftime("%H%M%S%f")
            db.session.execute(insert(User), [dict(
                email=f"bench-{run}-{n}@example.test", name=f"Bench customer {n}", role=CUSTOMER, locale="en",
                company_id=company_id, password_hash="!", created_at=utcnow() - timedelta(days=3))
                for n in range(people)])
            db.session.commit()
            customers = db.session.scalars(select(User).where(User.email.like(f"bench-{run}-%"))).all()
            terms = current_version()
            if terms is not None:  # they accepted the programme terms when they activated, as real customers did
                db.session.execute(insert(TermsAcceptance), [
                    dict(user_id=user.id, version_id=terms.id, locale="en") for user in customers])
                db.session.commit()
                customers = db.session.scalars(select(User).where(User.email.like(f"bench-{run}-%"))).all()
            db.session.expunge_all()
            db.session.remove()
        cookie_name = self.app.config.get("SESSION_COOKIE_NAME", "session")
        serializer = self.app.session_interface.get_signing_serializer(self.app)
        lines: dict[int, list[str]] = {challenge_id: [] for challenge_id, _answer in questions}
        for user in customers:
            # The session a sign-in gives (same login_user, same identifier for wrk's requests); each in
            # its own request context, so nothing is remembered from the customer before.
            with self.app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
                session.permanent = True
                login_user(user)
                token = generate_csrf()
                cookie = f"{cookie_name}={serializer.dumps(dict(session))}"
            for challenge_id, answer in questions:
                body = urllib.parse.urlencode({"answer": answer, "csrf_token": token})
                lines[challenge_id].append(f"/challenges/{challenge_id}\t{cookie}\t{body}")
        # Every customer's first question, then every customer's second …: no customer has two answers in flight.
        ordered = [line for per_challenge in lines.values() for line in per_challenge][:requests]
        path.write_text("\n".join(ordered) + "\n")
        return len(ordered)

    def statements(self, method: str, path: str, email: str, body: dict | None = None) -> int:
        """SQL statements of one request (after a first one that warms the caches), through the test client."""
        counted: list[str] = []
        with self.app.app_context():
            user_id = User.by_email(email).get_id()
            engine = db.engine
            db.session.remove()
        # Each request pushes its own app context: nothing (the signed-in user, caches in g) carries over.
        client = self.app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"], sess["_fresh"] = user_id, True
        listener = (lambda *args: counted.append(args[2]))  # noqa: E731
        if method == "GET":
            client.get(path)
            event.listen(engine, "before_cursor_execute", listener)
            response = client.get(path)
            expected = 200
        else:
            page = client.get(path).get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            event.listen(engine, "before_cursor_execute", listener)
            response = client.post(path, data={**(body or {}), "csrf_token": token}, headers={"HX-Request": "true"})
            expected = 200
        event.remove(engine, "before_cursor_execute", listener)
        if response.status_code != expected:
            raise RuntimeError(f"{method} {path} as {email}: {response.status_code}")
        return len(counted)

    def fresh_customer(self) -> str:
        """A new customer for counting a completion's statements."""
        with self.app.app_context():
            email = f"bench-count-{utcnow().strftime('%H%M%S%f')}@example.test"
            company_id = self._bench_company()
            db.session.add(User(email=email, name="Bench count", role=CUSTOMER, locale="en", company_id=company_id,
                                password_hash="!"))
            db.session.commit()
            db.session.remove()
        return email
