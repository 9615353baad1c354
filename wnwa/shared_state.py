"""Short-lived security state shared by every worker, kept in RAM only (docs/PRIVACY.md).

Three things live here: the two-step codes already used (so a code signs in once), the
sign-out list (random session ids ended by "Sign out", kept until the cookie's idle expiry) and,
through Flask-Limiter, the failed sign-in counters (same server, see `limiter_storage_uri`).

* `MemoryState` is for a single process (development, tests, one gunicorn worker).
* `RedisState` is for several workers or nodes: a Redis server run without persistence
  (`--save "" --appendonly no`), named by `REDIS_URL`.

Nothing stored names an officer: every key is a keyed hash (HMAC-SHA256 under a key derived
from SECRET_KEY) of what it stands for, and every value is the constant "1". A server that is
down raises `SharedStateUnavailable`; sign-in answers "temporarily unavailable" and every other
page carries on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from typing import Protocol

from flask import Flask, current_app, request

from wnwa.crypto import app_key, app_keys

log = logging.getLogger(__name__)

EXTENSION = "wnwa.shared_state"
PREFIX = "wnwa:"


class SharedStateUnavailable(RuntimeError):
    """The shared state server cannot be reached."""


class SharedState(Protocol):
    def claim(self, key: str, ttl: int) -> bool:
        """Record `key` for `ttl` seconds; False if it was already recorded."""

    def contains(self, key: str) -> bool: ...

    def clear(self) -> None: ...

    def reachable(self) -> bool: ...


class MemoryState:
    """One process only: each worker would keep its own copy."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for key in [k for k, until in self._until.items() if until <= now]:
            del self._until[key]

    def claim(self, key: str, ttl: int) -> bool:
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            if key in self._until:
                return False
            self._until[key] = now + ttl
            return True

    def contains(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            return key in self._until

    def clear(self) -> None:
        with self._lock:
            self._until.clear()

    def reachable(self) -> bool:
        return True


class RedisState:
    """A RAM-only Redis shared by every worker and node."""

    def __init__(self, url: str) -> None:
        import redis

        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self._redis = redis.Redis.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=1.0, health_check_interval=30
        )

    def claim(self, key: str, ttl: int) -> bool:
        try:
            return bool(self._redis.set(key, b"1", nx=True, ex=max(1, int(ttl))))
        except self._errors as exc:
            raise SharedStateUnavailable("shared state server unreachable") from exc

    def contains(self, key: str) -> bool:
        try:
            return bool(self._redis.exists(key))
        except self._errors as exc:
            raise SharedStateUnavailable("shared state server unreachable") from exc

    def reachable(self) -> bool:
        try:
            return bool(self._redis.ping())
        except self._errors:
            return False

    def clear(self) -> None:
        try:
            for key in self._redis.scan_iter(match=PREFIX + "*"):
                self._redis.delete(key)
        except self._errors as exc:
            raise SharedStateUnavailable("shared state server unreachable") from exc


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions[EXTENSION] = RedisState(url) if url else MemoryState()


def state() -> SharedState:
    return current_app.extensions[EXTENSION]


def counters_unreachable() -> bool:
    """For a public form sent while the counters' server (Redis) is down: it goes through
    uncounted. The throttle only slows floods, and a visitor's message or application is worth
    more than a count; sign-in's throttles, which guard passwords, stay closed (503)."""
    return request.method == "POST" and not state().reachable()


def key_for(purpose: str, value: str) -> str:
    """A key that names nothing: a keyed hash of `value`, separated by purpose."""
    digest = hmac.new(app_key("shared-state:" + purpose), value.encode(), hashlib.sha256)
    return f"{PREFIX}{purpose}:{digest.hexdigest()[:40]}"


def keys_for(purpose: str, value: str) -> list[str]:
    """`key_for` under the current and each fallback SECRET_KEY (after a key rotation)."""
    return [
        f"{PREFIX}{purpose}:{hmac.new(k, value.encode(), hashlib.sha256).hexdigest()[:40]}"
        for k in app_keys("shared-state:" + purpose)
    ]


def limiter_storage_uri(redis_url: str | None, explicit: str | None) -> str:
    """Flask-Limiter's storage: an explicit RATELIMIT_STORAGE_URI, else REDIS_URL, else memory."""
    if explicit:
        return explicit
    return redis_url or "memory://"


# --- the uses ---------------------------------------------------------------------------------


def require_available() -> None:
    """Before a sign-in step: the used-code list and the throttles must be reachable, or the
    step is refused as a whole (SharedStateUnavailable) rather than half-checked."""
    from wnwa.extensions import limiter

    if not state().reachable() or not limiter.storage.check():
        raise SharedStateUnavailable("shared state server unreachable")


def claim_code(account_identity: str, code: str, ttl: int = 120) -> bool:
    """True the first time a two-step code is used for an account within its window."""
    return state().claim(key_for("totp", f"{account_identity}|{code}"), ttl)


def end_session(session_id: str, ttl: int) -> None:
    """Put a session id on the sign-out list until the cookie would have expired anyway."""
    state().claim(key_for("signed-out", session_id), ttl)


def session_ended(session_id: str) -> bool:
    """Whether a session id was signed out. An unreachable server answers False (the cookie's
    own idle and absolute limits still apply) so that pages keep working; it is logged."""
    try:
        # A session signed out before a SECRET_KEY rotation stays signed out after it.
        return any(state().contains(k) for k in keys_for("signed-out", session_id))
    except SharedStateUnavailable:
        log.warning("sign-out list unreachable; session checked by its own limits only")
        return False
