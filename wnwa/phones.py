"""Phone numbers: stored as E.164, shown in the form people dial.

A North American number (+1 and ten digits: nearly every number here) is shown as
"(312) 555-0142" by plain string work, so showing a page of listings costs no parsing and no
cache; any other number is formatted by the phonenumbers library in its international form.
"""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str) -> str | None:
    """E.164 for a valid number (US numbers may omit +1), else None."""
    try:
        number = phonenumbers.parse((raw or "").strip(), "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """+13125550142 -> (312) 555-0142; +442071234567 -> +44 20 7123 4567."""
    if len(e164) == 12 and e164.startswith("+1") and e164[1:].isdigit():
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
