"""Symmetric encryption keyed from SECRET_KEY: the session cookie and stored credentials."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

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


def app_key(purpose: str) -> bytes:
    cache = current_app.extensions.setdefault("wnwa.keys", {})
    if purpose not in cache:
        cache[purpose] = derive_key(current_app.config["SECRET_KEY"], purpose)
    return cache[purpose]


def encrypt(key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def encrypter(key: bytes) -> Callable[[bytes], bytes]:
    """`encrypt` with one key for many messages (the cipher is set up once)."""
    aead = AESGCM(key)

    def encrypt_one(plaintext: bytes, associated: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + aead.encrypt(nonce, plaintext, associated)

    return encrypt_one


def decrypt(key: bytes, blob: bytes, associated: bytes = b"") -> bytes:
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionFailed("cannot decrypt") from exc


def keyed_digest(purpose: str, value: str) -> str:
    """A keyed hash (HMAC-SHA256) for high-entropy secrets such as recovery codes."""
    return hmac.new(app_key(purpose), value.encode(), hashlib.sha256).hexdigest()
