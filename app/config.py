"""Settings from the environment, with safe defaults for a laptop."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment cannot run the app safely (e.g. production without a secret)."""


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path, env: str) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise ConfigError("SECRET_KEY must be set when APP_ENV=production.")
    # A laptop gets a random key that survives restarts, kept out of the repo in instance/.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _engine_options(database_url: str) -> dict:
    """PostgreSQL gets a connect and a statement timeout, so a database that is down or hangs costs a
    request seconds (and a 503 page), never a worker stuck until gunicorn kills it."""
    options: dict = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        statement_ms = int(float(os.environ.get("DB_STATEMENT_TIMEOUT", 15)) * 1000)
        options["connect_args"] = {
            "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", 3)),
            "options": f"-c statement_timeout={statement_ms}",
        }
    return options


def _base_url(env: str) -> str:
    """Where every absolute link points (e-mails, share links): never the request's Host header."""
    url = (os.environ.get("BASE_URL") or "").strip().rstrip("/")
    if not url:
        if env == "production":
            raise ConfigError("BASE_URL must be set when APP_ENV=production (e.g. https://ambassadors.example.com).")
        return f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"BASE_URL must be an http(s) URL with a host, not {url!r}.")
    return url


def _trusted_hosts(env: str, base_url: str) -> list[str] | None:
    """Host headers the app answers to. Production: BASE_URL's host plus TRUSTED_HOSTS (comma
    separated); any other Host gets a 400. Development answers any host unless TRUSTED_HOSTS is set."""
    extra = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    if env != "production" and not extra:
        return None
    return [urlsplit(base_url).hostname, *extra]


def _workers() -> int | None:
    """How many processes serve the app: WORKERS, else gunicorn's own WEB_CONCURRENCY; None if unknown."""
    for name in ("WORKERS", "WEB_CONCURRENCY"):
        value = os.environ.get(name, "").strip()
        if value:
            try:
                return max(int(value), 1)
            except ValueError:
                raise ConfigError(f"{name} must be a whole number, not {value!r}.") from None
    return None


def _limit_storage(env: str, redis_url: str | None) -> str:
    """Rate-limit counters. In memory they are counted per process, so production without Redis
    starts only when WORKERS=1 says there is exactly one process."""
    if redis_url:
        return redis_url
    if env == "production" and _workers() != 1:
        raise ConfigError(
            "REDIS_URL must be set when APP_ENV=production: in-memory rate limits count per worker process, "
            "so every worker would allow the full limit. Set WORKERS=1 only if exactly one process serves the app."
        )
    return "memory://"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}.") from None


def _seconds_list(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A comma-separated list of whole seconds, e.g. "60,300,3600"."""
    value = (os.environ.get(name) or "").strip()
    if not value:
        return default
    try:
        delays = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise ConfigError(f"{name} must be whole seconds separated by commas, not {value!r}.") from None
    if not delays or min(delays) < 1:
        raise ConfigError(f"{name} must list at least one delay of 1 second or more.")
    return delays


def load_config(instance_path: str) -> dict:
    """Build the config dict from the environment."""
    instance = Path(instance_path)
    env = os.environ.get("APP_ENV", "development").strip().lower()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'ambassador.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    redis_url = os.environ.get("REDIS_URL") or None
    https = _bool("HTTPS", env == "production")
    base_url = _base_url(env)
    return {
        "APP_ENV": env,
        "SECRET_KEY": _secret_key(instance, env),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "DB_HEALTH_TIMEOUT": float(os.environ.get("DB_HEALTH_TIMEOUT", 2)),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": _limit_storage(env, redis_url),
        "WORKERS": _workers(),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "PUBLIC_FORM_RATE_LIMIT": os.environ.get("PUBLIC_FORM_RATE_LIMIT", "5 per minute;30 per hour"),
        # Per account (the normalised e-mail typed), whatever the address: failed sign-ins and reset requests.
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes"),
        "RESET_ACCOUNT_RATE_LIMIT": os.environ.get("RESET_ACCOUNT_RATE_LIMIT", "3 per 15 minutes;10 per day"),
        # Opening a customer's link (/r/<code>): per address; each visitor counts once a day anyway.
        "LINK_OPEN_RATE_LIMIT": os.environ.get("LINK_OPEN_RATE_LIMIT", "30 per minute;300 per hour"),
        # Messages through "tell us", per customer (only messages accepted count).
        "FEEDBACK_RATE_LIMIT": os.environ.get("FEEDBACK_RATE_LIMIT", "5 per 10 minutes;20 per day"),
        # Calls of the REST API per token (a token that is not recognised counts per address).
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600 per minute"),
        # A reset request answers after at least this long, known address or not (no timing hint).
        "RESET_REQUEST_MIN_SECONDS": float(os.environ.get("RESET_REQUEST_MIN_SECONDS", "0.4")),
        # Reverse proxies in front of the app that set X-Forwarded-For/-Proto/-Host (0: none, trust no header).
        "PROXY_COUNT": _int("PROXY_COUNT", 0),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
        "HTTPS": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        # Where every absolute link points (e-mails, share links, QR codes), in and outside requests.
        "BASE_URL": base_url,
        "TRUSTED_HOSTS": _trusted_hosts(env, base_url),
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": None,  # bound to the session instead, so a long form never expires
        "WTF_CSRF_SSL_STRICT": https,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Europe/Amsterdam"),
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": ("nl", "en"),
        "INVITATION_MAX_AGE": int(os.environ.get("INVITATION_MAX_AGE", 60 * 60 * 24 * 14)),
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", 60 * 60 * 2)),
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND") or ("smtp" if os.environ.get("MAIL_SERVER") else "log"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL"),
        "MAIL_TIMEOUT": int(os.environ.get("MAIL_TIMEOUT", 20)),
        # The address mail is sent from; the display name is the sender name marketing sets (app.identity).
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@example.com"),
        # How long a message is retried, from its first failed attempt, before it is marked dead.
        "MAIL_RETRY_FOR": int(os.environ.get("MAIL_RETRY_FOR", 3 * 24 * 60 * 60)),
        # The job runner: a worker whose heartbeat is older than this is reported stale by /healthz and
        # its outbox claims are given back. JOBS_KICK_ON_COMMIT=0 stops asking the worker after each commit
        # (the minute sweep still delivers).
        "WORKER_STALE_AFTER": _int("WORKER_STALE_AFTER", 60),
        "JOBS_KICK_ON_COMMIT": _bool("JOBS_KICK_ON_COMMIT", True),
        # Chat alerts (Slack, Teams): seconds to wait after the 1st, 2nd … failed attempt (the last
        # repeats), how long from the first failure before a message is given up, and how many days
        # delivered and given-up messages are kept.
        "CHAT_RETRY_DELAYS": _seconds_list("CHAT_RETRY_DELAYS", (60, 300, 900, 3600, 3 * 3600)),
        "CHAT_RETRY_FOR": _int("CHAT_RETRY_FOR", 3 * 24 * 60 * 60),
        "CHAT_KEEP_DAYS": _int("CHAT_KEEP_DAYS", 30),
        # Webhooks: seconds to wait after each failed attempt (then the message is given up), how long an
        # endpoint may fail without a success before it is disabled, the request timeout, and how many
        # days the delivery log keeps finished messages.
        "WEBHOOK_RETRY_DELAYS": [int(v) for v in os.environ.get(
            "WEBHOOK_RETRY_DELAYS", "5,300,1800,7200,18000,36000,36000").split(",") if v.strip()],
        "WEBHOOK_DISABLE_AFTER_DAYS": int(os.environ.get("WEBHOOK_DISABLE_AFTER_DAYS", 5)),
        "WEBHOOK_TIMEOUT": float(os.environ.get("WEBHOOK_TIMEOUT", 10)),
        "WEBHOOK_LOG_DAYS": int(os.environ.get("WEBHOOK_LOG_DAYS", 30)),
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "demo-ambassador"),
        "LEADERBOARD_ENABLED": _bool("LEADERBOARD_ENABLED", True),
        # Who "we" are until marketing fills in the organisation's details on /admin/programme/identity.
        "ORGANISATION_NAME": os.environ.get("ORGANISATION_NAME", ""),
    }
