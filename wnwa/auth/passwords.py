"""Password policy (NIST SP 800-63B) and Argon2id password hashing.

Pure module: no Flask, no database. Passwords are NFKC-normalised before they
are measured, compared or hashed, so that visually identical input typed on
different keyboards or devices is treated as the same password.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# The account model owns the hash parameters and the cheap unusable hash (tenancy core).
from wnwa.tenants.credentials import PASSWORD_PROFILE, unusable_password_hash

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "MIN_LENGTH_MFA",
    "check_password",
    "dummy_verify",
    "hash_password",
    "normalize_password",
    "unusable_password_hash",
    "verify_password",
]

MIN_LENGTH_MFA = 12
MIN_LENGTH = 15
MAX_LENGTH = 128

# Words that anyone attacking this service would try first.
FIXED_CONTEXT_WORDS: tuple[str, ...] = (
    "police",
    "officer",
    "sheriff",
    "wnwa",
    "neverwalkalone",
    "password",
)

# Context words shorter than this are ignored (too many false positives).
MIN_CONTEXT_WORD_LENGTH = 4
# After removing context words, at least this many characters must remain.
MIN_REMAINDER_LENGTH = 8

MSG_EMPTY = "Enter a password."
MSG_TOO_SHORT_MFA = f"Use at least {MIN_LENGTH_MFA} characters."
MSG_TOO_SHORT = (
    f"Use at least {MIN_LENGTH} characters, or turn on two-step sign-in to use {MIN_LENGTH_MFA}."
)
MSG_TOO_LONG = f"Use at most {MAX_LENGTH} characters."
MSG_CONTROL = "Remove invisible control characters such as tabs or line breaks."
MSG_TRIVIAL = (
    "Avoid a single repeated character, a short repeated pattern or a simple "
    'sequence such as "123456..." or "abcdef...".'
)
MSG_COMMON = (
    "This password is on a list of common or previously breached passwords. "
    "Choose something less predictable, such as a few unrelated words."
)
MSG_CONTEXT = (
    'Don\'t build your password around "{word}": names, email addresses, '
    'department names and words like "police" are the first things attackers try.'
)

_PROFILE = PASSWORD_PROFILE
_HASHER = PasswordHasher.from_parameters(_PROFILE)

# Upper bounds on parameters accepted from a stored hash, so that a corrupted
# or tampered row cannot make a sign-in allocate gigabytes or loop for minutes.
_MAX_MEMORY_COST = 1024 * 1024  # KiB, i.e. 1 GiB
_MAX_TIME_COST = 16
_MAX_PARALLELISM = 16

_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

_SEPARATORS = string.punctuation + string.whitespace
_TOKEN_SPLIT = re.compile(r"[\W_]+")

# Look-alike substitutions undone before searching for context words. Each maps
# one character to one character so positions stay aligned with the original.
_LEET_I = str.maketrans("013457@$!|+", "oieastasiit")
_LEET_L = str.maketrans("013457@$!|+", "oleastasilt")


def normalize_password(password: str) -> str:
    """Return the NFKC form of ``password`` (what is measured and hashed)."""
    return unicodedata.normalize("NFKC", password)


def _encode(password: str) -> bytes:
    return normalize_password(password).encode("utf-8", "surrogatepass")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@functools.cache
def _common_passwords() -> frozenset[str]:
    with _COMMON_PASSWORDS_FILE.open(encoding="utf-8") as fh:
        return frozenset(_fold(line.rstrip("\n")) for line in fh if line.strip())


def _step(a: str, b: str) -> int | None:
    """Code point difference from ``a`` to ``b``, treating 9->0 and 0->9 as +/-1."""
    if a.isdigit() and b.isdigit() and a.isascii() and b.isascii():
        return {1: 1, -9: 1, -1: -1, 9: -1}.get(ord(b) - ord(a))
    diff = ord(b) - ord(a)
    return diff if diff in (1, -1) else None


def _is_trivial(text: str) -> bool:
    """True for one repeated character, a short repeated unit or a simple run."""
    if len(text) < 2:
        return True
    if len(set(text)) == 1:
        return True
    if any(text[k:] == text[:-k] for k in range(1, min(4, len(text) // 2) + 1)):
        return True
    first = _step(text[0], text[1])
    return first is not None and all(
        _step(a, b) == first for a, b in zip(text[1:], text[2:], strict=False)
    )


def _context_words(context: Iterable[str]) -> set[str]:
    if isinstance(context, str):
        context = (context,)
    words = set(FIXED_CONTEXT_WORDS)
    for value in context:
        if not isinstance(value, str):
            continue
        folded = _fold(value).strip()
        if not folded:
            continue
        words.add(folded)
        if "@" in folded:
            folded = folded.rsplit("@", 1)[0]
            words.add(folded)
        tokens = [t for t in _TOKEN_SPLIT.split(folded) if t]
        words.update(tokens)
        words.add("".join(tokens))
    return {w for w in words if len(w) >= MIN_CONTEXT_WORD_LENGTH}


def _context_problems(folded: str, context: Iterable[str]) -> list[str]:
    variants = (folded, folded.translate(_LEET_I), folded.translate(_LEET_L))
    mask = [False] * len(folded)
    found: list[str] = []
    for word in sorted(_context_words(context), key=lambda w: (-len(w), w)):
        hit = False
        for variant in variants:
            start = variant.find(word)
            while start != -1:
                hit = True
                for i in range(start, start + len(word)):
                    mask[i] = True
                start = variant.find(word, start + 1)
        if hit and not any(word in other for other in found):
            found.append(word)
    if not found:
        return []
    remainder = "".join(ch for ch, masked in zip(folded, mask, strict=True) if not masked)
    core = remainder.strip(_SEPARATORS)
    weak = (
        len(remainder) < MIN_REMAINDER_LENGTH
        or not any(ch.isalpha() for ch in remainder)
        or _is_trivial(core)
    )
    if not weak:
        return []
    return [MSG_CONTEXT.format(word=word) for word in found]


def _is_common(folded: str) -> bool:
    common = _common_passwords()
    candidates = {
        folded,
        "".join(folded.split()),
        folded.strip(_SEPARATORS),
        folded.rstrip(string.digits + _SEPARATORS),
    }
    return any(candidate in common for candidate in candidates)


def check_password(password: str, *, mfa: bool, context: Iterable[str] = ()) -> list[str]:
    """Return human-readable problems with ``password``; an empty list means acceptable.

    ``mfa`` says whether the account has two-step sign-in (which lowers the
    minimum length). ``context`` holds strings an attacker could guess from:
    the user's names, email address, department name and slug, and so on.
    """
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    normalized = normalize_password(password)
    if not normalized:
        return [MSG_EMPTY]

    problems: list[str] = []
    length = len(normalized)
    minimum = MIN_LENGTH_MFA if mfa else MIN_LENGTH
    if length < minimum:
        problems.append(MSG_TOO_SHORT_MFA if mfa else MSG_TOO_SHORT)
    if length > MAX_LENGTH:
        problems.append(MSG_TOO_LONG)
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in normalized):
        problems.append(MSG_CONTROL)

    folded = normalized.casefold()
    core = folded.strip(_SEPARATORS)
    if (length > 2 and _is_trivial(folded)) or (len(core) > 2 and _is_trivial(core)):
        problems.append(MSG_TRIVIAL)
    if _is_common(folded):
        problems.append(MSG_COMMON)
    problems.extend(_context_problems(folded, context))
    return list(dict.fromkeys(problems))


def hash_password(password: str) -> str:
    """Hash ``password`` (after NFKC normalisation) with Argon2id; returns a PHC string."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    return _HASHER.hash(_encode(password))


@functools.cache
def _dummy_hash() -> str:
    return unusable_password_hash()


def _acceptable_hash(stored_hash: str) -> bool:
    try:
        params = extract_parameters(stored_hash)
    except (InvalidHashError, ValueError, TypeError):
        return False
    return (
        params.type is Type.ID
        and params.memory_cost <= _MAX_MEMORY_COST
        and params.time_cost <= _MAX_TIME_COST
        and params.parallelism <= _MAX_PARALLELISM
    )


def verify_password(stored_hash: str, password: str) -> bool:
    """True if ``password`` matches ``stored_hash``; False otherwise, never raises.

    A missing or malformed hash still costs one full Argon2 verification, so
    response time does not reveal which accounts lack a usable hash.
    """
    if isinstance(stored_hash, str) and isinstance(password, str) and _acceptable_hash(stored_hash):
        try:
            return _HASHER.verify(stored_hash, _encode(password))
        except VerifyMismatchError:
            return False
        except (VerificationError, InvalidHashError, ValueError, TypeError):
            pass
    dummy_verify(password)
    return False


def dummy_verify(password: str) -> None:
    """Spend as long as a real :func:`verify_password` call, for unknown accounts."""
    try:
        _HASHER.verify(_dummy_hash(), _encode(password if isinstance(password, str) else ""))
    except (VerificationError, InvalidHashError, ValueError, TypeError):
        pass
