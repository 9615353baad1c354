"""One rule for email addresses: what is accepted, and the form it is kept in."""

import pytest
from email_validator import EmailNotValidError, validate_email

from wnwa import emails

# Addresses the plain-ASCII path sees, with the edge cases of its pattern, and some it leaves
# to email-validator (quoted, non-ASCII).
CASES = [
    "Ann.Smith@Springfield.gov",
    "o'brien+roster@pd.example.org",
    "a" * 64 + "@pd.example.org",
    "a" * 65 + "@pd.example.org",
    "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".gov",
    "a" * 64 + "@" + ".".join(["b" * 62] * 3) + ".gov",
    "ann..smith@pd.example.org",
    ".ann@pd.example.org",
    "ann.@pd.example.org",
    "ann@localhost",
    "ann@pd..example.org",
    "ann@-pd.example.org",
    "ann@pd.example.org.",
    "ann@123.example",
    "ann smith@pd.example.org",
    '"ann smith"@pd.example.org',
    "josé@bücher.example",
    "ann@pd_example.org",
    "ann",
    "",
]


def reference(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


@pytest.mark.parametrize("value", CASES)
def test_accepts_and_normalises_exactly_as_email_validator(value):
    expected = reference(value)
    if expected is None:
        with pytest.raises(emails.InvalidEmail):
            emails.normalise(value)
    else:
        assert emails.normalise(value) == expected


def test_kept_lowercased_and_trimmed():
    assert emails.normalise("  Chief.Ramos@Aurora-IL.GOV \n") == "chief.ramos@aurora-il.gov"


def test_the_reason_is_given_in_words():
    with pytest.raises(emails.InvalidEmail, match="@-sign"):
        emails.normalise("no-at-sign.example.org")


def test_a_typed_address_is_looked_up_by_its_stored_form():
    stored = emails.normalise("Chief.Ramos@Aurora-IL.gov")
    assert emails.lookup_form("  CHIEF.RAMOS@aurora-il.gov ") == stored
    assert emails.lookup_form(None) == ""
