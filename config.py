"""Configuration classes, filled from the environment.

`create_app()` picks one by the `WNWA_CONFIG` variable (development, testing, production).
Production refuses to start without its secrets; nothing falls back silently.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Key rotation: older keys, separated by whitespace, still accepted for sessions, links and
    # stored credentials while everything new is made with SECRET_KEY (docs/DEPLOY.md).
    SECRET_KEY_FALLBACKS = os.environ.get("SECRET_KEY_FALLBACKS", "").split()
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # No pre-ping (a round trip per request); connections are recycled before servers drop them.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "hide_parameters": True,
        "pool_pre_ping": _env_bool("DB_POOL_PRE_PING", False),
        "pool_recycle": 1800,
    }
    SQLALCHEMY_RECORD_QUERIES = False

    # Sessions: an encrypted cookie, nothing stored server-side (see wnwa/sessions.py).
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Strict"
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024

    WTF_CSRF_TIME_LIMIT = None  # bound to the session, which has its own timeouts
    WTF_CSRF_SSL_STRICT = False  # no Referer is ever sent (Referrer-Policy: no-referrer)

    # Shared RAM-only state (used two-step codes, the sign-out list, sign-in throttles): a Redis
    # server run without persistence when there are several workers or nodes; memory otherwise.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Failed-login throttling: the same Redis (or memory, one process only).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_STORAGE_OPTIONS = {
        "wrap_exceptions": True,
        "socket_timeout": 1,
        "socket_connect_timeout": 1,
    }
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = "20 per minute"
    LOGIN_ACCOUNT_RATE_LIMIT = "10 per 15 minutes"
    # Public forms (contact, demo, member agencies list), per client address (a keyed hash).
    PUBLIC_FORM_RATE_LIMIT = os.environ.get("PUBLIC_FORM_RATE_LIMIT", "5 per 10 minutes;20 per day")
    # The network's social channel, linked from the news page (a link only: nothing is loaded).
    NEWS_SOCIAL_URL = os.environ.get("NEWS_SOCIAL_URL", "https://www.facebook.com/WeNeverWalkAlone")

    HSTS = False
    ACTIVATION_MAX_AGE = timedelta(days=7)
    RESET_LINK_MAX_AGE = timedelta(hours=1)
    RESET_LINK_RATE_LIMIT = "5 per hour"  # per address asked for, on top of LOGIN_RATE_LIMIT

    # What invoices say about the network: who issues them, where to send payment, its tax id.
    NETWORK_LEGAL_NAME = os.environ.get("NETWORK_LEGAL_NAME", "WeNeverWalkAlone Network")
    # A deployment sets its own (docs/DEPLOY.md); these defaults are the demo network's.
    REMIT_TO = os.environ.get(
        "REMIT_TO",
        "WeNeverWalkAlone Network\nAccounts Receivable\nP.O. Box 6040\nChicago, IL 60680-6040",
    ).replace("\\n", "\n")
    NETWORK_TAX_ID = os.environ.get("NETWORK_TAX_ID", "36-4820173")

    # Mail: SMTP in production, an outbox folder in development.
    MAIL_FROM = os.environ.get("MAIL_FROM", "WeNeverWalkAlone <no-reply@weneverwalkalone.org>")
    # Where an answer to any message goes (the network team's mailbox); empty: no Reply-To.
    MAIL_REPLY_TO = os.environ.get(
        "MAIL_REPLY_TO", "WeNeverWalkAlone network team <team@weneverwalkalone.org>"
    )
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "outbox")  # outbox | smtp
    MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX", str(BASE_DIR / "instance" / "outbox"))
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", True)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    # Stripe (wnwa/billing). Without a key the billing screens say billing is not configured.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")
    STRIPE_TIMEOUT = float(os.environ.get("STRIPE_TIMEOUT", "10"))

    # Peer-supporter quota anchors (docs/RULES.md 3.2); network admins may tune the two anchors.
    QUOTA_SMALL_MIN = float(os.environ.get("QUOTA_SMALL_MIN", "0.07"))
    QUOTA_SMALL_TARGET = float(os.environ.get("QUOTA_SMALL_TARGET", "0.10"))
    QUOTA_LARGE_MIN = float(os.environ.get("QUOTA_LARGE_MIN", "0.02"))
    QUOTA_LARGE_TARGET = float(os.environ.get("QUOTA_LARGE_TARGET", "0.03"))

    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(BASE_DIR / "instance" / "uploads"))
    # Peer-support certificates: months until renewal (unset: no renewal date).
    CERTIFICATION_RENEWAL_MONTHS = (
        int(os.environ["CERTIFICATION_RENEWAL_MONTHS"])
        if os.environ.get("CERTIFICATION_RENEWAL_MONTHS")
        else None
    )
    TRAINING_MAX_CERTIFICATE_BYTES = int(
        os.environ.get("TRAINING_MAX_CERTIFICATE_BYTES", str(10 * 1024 * 1024))
    )

    @classmethod
    def validate(cls) -> None:
        """Raise if the configuration cannot run safely."""
        from wnwa.tenants.quota import QuotaAnchors

        QuotaAnchors(
            small_min=cls.QUOTA_SMALL_MIN,
            small_target=cls.QUOTA_SMALL_TARGET,
            large_min=cls.QUOTA_LARGE_MIN,
            large_target=cls.QUOTA_LARGE_TARGET,
        )


class DevelopmentConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-not-for-production-use")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'wnwa.sqlite3'}"
    )
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key-0123456789abcdef"  # tests only  # noqa: S105  # nosec B105
    SQLALCHEMY_DATABASE_URI = os.environ.get("WNWA_TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = True
    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = "whsec_test_secret"  # tests only  # noqa: S105  # nosec B105
    PUBLIC_BASE_URL = "https://localhost"


class ProductionConfig(Config):
    HSTS = True
    SESSION_COOKIE_SECURE = True
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "smtp")

    @classmethod
    def validate(cls) -> None:
        super().validate()
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"Production configuration is missing: {', '.join(missing)}")
        if len(os.environ["SECRET_KEY"]) < 32:
            raise RuntimeError("SECRET_KEY must be at least 32 characters in production")
        if any(len(key) < 32 for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split()):
            # e.g. a comment read as keys: "# older keys" would accept the words as keys
            raise RuntimeError("Each of SECRET_KEY_FALLBACKS must be at least 32 characters")
        # gunicorn.conf.py checks the worker count gunicorn actually starts; this catches a
        # WEB_CONCURRENCY set for another server.
        check_shared_state(int(os.environ.get("WEB_CONCURRENCY", "1")), cls.REDIS_URL)


def check_shared_state(workers: int, redis_url: str | None) -> None:
    """Several workers must share their used codes, sign-out list and throttles."""
    if workers > 1 and not redis_url:
        raise RuntimeError(
            f"{workers} workers need a shared RAM-only Redis: set REDIS_URL "
            "(or run one worker: WEB_CONCURRENCY=1)"
        )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("WNWA_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown WNWA_CONFIG {name!r}; use one of {sorted(CONFIGS)}") from None
