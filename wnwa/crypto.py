"""Symmetric encryption keyed from SECRET_KEY: the session cookie and stored credentials.

Key rotation: a new SECRET_KEY with the old one in SECRET_KEY_FALLBACKS. Everything is made
with the current key (`app_key`) and accepted under any of them (`app_keys`, `decrypt_any`,
`keyed_digests`), so sessions, links and stored credentials made before the change keep
working (docs/DEPLOY.md, "Secrets and key rotation").
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

NONCE_BYTES = 12


class DecryptionFailed(ValueError):
    """The ciphertext was forged, truncated or made with another key."""


def derive_key(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"wnwa", info=purpose.encode()).derive(
        secret.encode()
    )


def secret_keys() -> list[str]:
    """SECRET_KEY, then each of SECRET_KEY_FALLBACKS (older keys still accepted)."""
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or []
    return [current_app.config["SECRET_KEY"], *(k for k in fallbacks if k)]


def _derived(secret: str, purpose: str) -> bytes:
    cache = current_app.extensions.setdefault("wnwa.keys", {})
    name = (hashlib.sha256(secret.encode()).hexdigest(), purpose)
    if name not in cache:
        cache[name] = derive_key(secret, purpose)
    return cache[name]


def app_key(purpose: str) -> bytes:
    """The current key for `purpose`: everything new is made with it."""
    return _derived(current_app.config["SECRET_KEY"], purpose)


def app_keys(purpose: str) -> list[bytes]:
    """The current key, then the fallbacks' keys: what is accepted."""
    return [_derived(secret, purpose) for secret in secret_keys()]


def signing_secrets() -> list[str]:
    """For itsdangerous serializers, which sign with the last key and accept all."""
    return list(reversed(secret_keys()))


def encrypt(key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def encrypt_copies(key: bytes, plaintext: bytes, count: int) -> list[bytes]:
    """`count` encryptions of one plaintext as `encrypt` makes them, each under its own random
    nonce; the cipher is set up once and the nonces are read from the OS in one call."""
    aead = AESGCM(key)
    nonces = os.urandom(NONCE_BYTES * count)
    return [
        nonces[start : start + NONCE_BYTES]
        + aead.encrypt(nonces[start : start + NONCE_BYTES], plaintext, b"")
        for start in range(0, NONCE_BYTES * count, NONCE_BYTES)
    ]


def decrypt(key: bytes, blob: bytes, associated: bytes = b"") -> bytes:
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionFailed("cannot decrypt") from exc


def decrypt_any(purpose: str, blob: bytes, associated: bytes = b"") -> bytes:
    """Decrypt with the current key or any fallback key."""
    for key in app_keys(purpose):
        try:
            return decrypt(key, blob, associated)
        except DecryptionFailed:
            continue
    raise DecryptionFailed("cannot decrypt")


def keyed_digests(purpose: str, value: str) -> list[str]:
    """`keyed_digest` under the current key, then under each fallback key (for matching)."""
    return [hmac.new(k, value.encode(), hashlib.sha256).hexdigest() for k in app_keys(purpose)]


def keyed_digest(purpose: str, value: str) -> str:
    """A keyed hash (HMAC-SHA256) for high-entropy secrets such as recovery codes."""
    return hmac.new(app_key(purpose), value.encode(), hashlib.sha256).hexdigest()
