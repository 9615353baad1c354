"""Email addresses: which ones the network accepts, and the one form it keeps them in.

An address is accepted when email-validator accepts its syntax. Its domain is not looked up
(a department's mail domain need not resolve from the network's servers, and a form must not
wait on DNS). It is kept in email-validator's normalised form, lowercased, so that a person has
one address whatever case they type it in; sign-in and look-ups lowercase what they are given
(`lookup_form`) and so find it.

Roster files hold thousands of plain ASCII addresses from a handful of domains: those are
checked by a pattern plus one email-validator check per domain, which accepts and rejects
exactly what email-validator would for such an address.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

_PLAIN = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>[A-Za-z0-9.-]{1,253})"
)
_MAX_LENGTH = 254


class InvalidEmail(ValueError):
    """The address is not one the network accepts; str() says why, in email-validator's words."""


def normalise(raw: str) -> str:
    """The stored form of an address (normalised, lowercased), or InvalidEmail."""
    value = (raw or "").strip()
    plain = _PLAIN.fullmatch(value)
    if plain and len(value) <= _MAX_LENGTH:
        domain = _domain(plain.group("domain"))
        if domain is not None:
            return f"{plain.group('local')}@{domain}".lower()
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from None


def lookup_form(raw: str) -> str:
    """What a typed address is looked up by: the stored form of any address the network holds."""
    return (raw or "").strip().lower()


@lru_cache(maxsize=4096)
def _domain(domain: str) -> str | None:
    """The normalised domain if email-validator accepts it, else None (one check per domain)."""
    try:
        return validate_email(f"x@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None
