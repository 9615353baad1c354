"""Credentials kept on an account, shaped so that nobody can tell whether it was ever used.

* `password_hash`: argon2id. A provisioned account gets a random, well-formed hash nobody knows a
  password for, made without running argon2 (cheap at 13,000 rows).
* `secrets`: one AES-GCM blob of fixed size holding the TOTP secret (or none) and the keyed
  hashes of unused recovery codes. A fresh account's blob has the same length and looks as
  random as an activated one's, so even the database does not show who activated.
"""

from __future__ import annotations

import base64
import json
import secrets as pysecrets
from dataclasses import dataclass, field

from argon2 import profiles
from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from wnwa.crypto import (
    app_key,
    decrypt_any,
    encrypt,
    encrypt_copies,
    keyed_digest,
    keyed_digests,
)

BLOB_PLAINTEXT_BYTES = 512
RECOVERY_CODE_COUNT = 10
_PURPOSE = "credentials-v1"

# The Argon2id parameters of every password hash (wnwa.auth.passwords hashes with them).
PASSWORD_PROFILE = profiles.RFC_9106_LOW_MEMORY


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def unusable_password_hash() -> str:
    """A well-formed Argon2id hash that no password matches, made without running Argon2.

    Salt and hash bytes are random, so the string has the same shape, length and
    parameters as wnwa.auth.passwords.hash_password output while costing microseconds.
    """
    p = PASSWORD_PROFILE
    return (
        f"$argon2id$v={p.version}$m={p.memory_cost},t={p.time_cost},p={p.parallelism}"
        f"${_b64(pysecrets.token_bytes(p.salt_len))}${_b64(pysecrets.token_bytes(p.hash_len))}"
    )


def unusable_password_hashes(count: int) -> list[str]:
    """`count` hashes as `unusable_password_hash` makes them, the fixed part built once."""
    p = PASSWORD_PROFILE
    head = f"$argon2id$v={p.version}$m={p.memory_cost},t={p.time_cost},p={p.parallelism}$"
    salt_len, total = p.salt_len, p.salt_len + p.hash_len
    raw = pysecrets.token_bytes(total * count)  # one read from the OS for every hash
    return [
        f"{head}{_b64(raw[start : start + salt_len])}${_b64(raw[start + salt_len : start + total])}"
        for start in range(0, total * count, total)
    ]


@dataclass
class Secrets:
    totp: str | None = None
    recovery: list[str] = field(default_factory=list)  # keyed digests of unused codes


def _padded(value: Secrets) -> bytes:
    raw = json.dumps({"t": value.totp or "", "r": value.recovery}, separators=(",", ":"))
    padded = raw.encode().ljust(BLOB_PLAINTEXT_BYTES, b" ")
    if len(padded) != BLOB_PLAINTEXT_BYTES:
        raise ValueError("credential secrets do not fit the fixed-size blob")
    return padded


def seal(value: Secrets) -> bytes:
    return encrypt(app_key(_PURPOSE), _padded(value))


def unseal(blob: bytes) -> Secrets:
    data = json.loads(decrypt_any(_PURPOSE, blob))
    return Secrets(totp=data["t"] or None, recovery=list(data["r"]))


def fresh_credentials() -> tuple[str, bytes]:
    """An unusable password hash and an empty secrets blob for a newly provisioned account."""
    return unusable_password_hash(), seal(Secrets())


def fresh_credentials_for(count: int) -> list[tuple[str, bytes]]:
    """`count` fresh credentials, as `fresh_credentials` makes them (each blob with its own
    random nonce), sharing one cipher and one padded plaintext: a roster import makes
    thousands at once."""
    blobs = encrypt_copies(app_key(_PURPOSE), _padded(Secrets()), count)
    return list(zip(unusable_password_hashes(count), blobs, strict=True))


def new_recovery_codes() -> tuple[list[str], list[str]]:
    """Return (codes to show once, digests to store)."""
    codes = ["-".join(pysecrets.token_hex(3) for _ in range(3)) for _ in range(RECOVERY_CODE_COUNT)]
    return codes, [recovery_digest(c) for c in codes]


def _normalised(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def recovery_digest(code: str) -> str:
    return keyed_digest("recovery-code", _normalised(code))[:32]


def recovery_digests(code: str) -> list[str]:
    """The code's digest under the current key and each fallback key (codes made before a
    SECRET_KEY rotation still work)."""
    return [d[:32] for d in keyed_digests("recovery-code", _normalised(code))]


def fingerprint(account: CredentialsMixin) -> str:
    """Changes whenever the password changes, ending every session and link made before."""
    return keyed_digest("account-fingerprint", account.password_hash)[:24]


def fingerprint_matches(account: CredentialsMixin, value: object) -> bool:
    """Whether `value` is the account's fingerprint under the current or a fallback key."""
    return value in [d[:24] for d in keyed_digests("account-fingerprint", account.password_hash)]


def account_key(account: CredentialsMixin) -> str:
    """Kind and id: the account whatever its password ("u12", "s3"). Used-code and wrong-code
    records are kept under it, so a new password neither frees a used code nor resets a count."""
    return f"{account.kind}{account.id}"


def session_identity(account: CredentialsMixin) -> str:
    """What the (encrypted) session cookie holds: kind, id, department, password fingerprint."""
    return f"{account.kind}{account.id}.{account.department_id or 0}.{fingerprint(account)}"


class CredentialsMixin:
    """Credentials plus the small interface Flask-Login expects of a user object."""

    is_authenticated = True
    is_anonymous = False

    password_hash: Mapped[str] = mapped_column(
        String(200), nullable=False, doc="Password, as a one-way argon2id hash."
    )
    secrets: Mapped[bytes] = mapped_column(
        LargeBinary,
        nullable=False,
        doc="Encrypted two-step sign-in key and unused recovery codes (hashed).",
    )

    def read_secrets(self) -> Secrets:
        return unseal(self.secrets)

    @property
    def has_mfa(self) -> bool:
        return self.read_secrets().totp is not None

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str:
        return session_identity(self)
