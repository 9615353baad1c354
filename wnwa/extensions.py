"""Unbound extension objects; `create_app()` binds them."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()


def client_key() -> str:
    """The rate-limit key for a client: a keyed hash of its address, so the counters' store
    (memory, or the shared RAM-only Redis) never holds an address."""
    from wnwa.crypto import keyed_digest

    return "addr:" + keyed_digest("throttle-address", get_remote_address() or "")[:32]


def public_form_limit() -> str:
    """The throttle on every public form (PUBLIC_FORM_RATE_LIMIT), counted per client key."""
    return current_app.config["PUBLIC_FORM_RATE_LIMIT"]


# Counters live in memory (or a RAM-only Redis); the key never reaches a log or names anyone.
limiter = Limiter(key_func=client_key, default_limits=[], strategy="fixed-window")
