"""The US states, the District of Columbia and the territories: two-letter codes, names and
time zones, and how a stored moment or a day reads in them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming", "PR": "Puerto Rico",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "VI": "U.S. Virgin Islands",
}  # fmt: skip

# Territories other than Puerto Rico (which licenses professionals itself, like a state)
TERRITORIES = frozenset({"AS", "GU", "MP", "VI"})

# The main time zone of each state, where most of its people live (Kentucky, Indiana and
# Florida: Eastern; Tennessee: Central): a supporter's "later today" ends at their local
# midnight, and a department's history is read in its own time.
_EASTERN = "CT DE DC FL GA IN KY ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV".split()
_CENTRAL = "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI".split()
_MOUNTAIN = "CO ID MT NM UT WY".split()
STATE_TIMEZONES: dict[str, str] = {
    **dict.fromkeys(_EASTERN, "America/New_York"),
    **dict.fromkeys(_CENTRAL, "America/Chicago"),
    **dict.fromkeys(_MOUNTAIN, "America/Denver"),
    "AZ": "America/Phoenix",
    "NV": "America/Los_Angeles",
    "CA": "America/Los_Angeles",
    "OR": "America/Los_Angeles",
    "WA": "America/Los_Angeles",
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan",
    "AS": "Pacific/Pago_Pago",
}

# The network's own office is in Chicago: its staff read and type times in Chicago time.
NETWORK_ZONE = ZoneInfo("America/Chicago")


def local_zone(state: str | None) -> ZoneInfo:
    """The state's main time zone; the network's own for an unknown state."""
    zone = STATE_TIMEZONES.get(state or "")
    return ZoneInfo(zone) if zone else NETWORK_ZONE


def network_day(at: datetime | None = None) -> date:
    """The network's day: today's, or a stored (UTC) moment's. Every rule that counts days
    (quota grace, contract terms, due dates, training days, re-apply dates) counts the
    network's own (Chicago) days, whatever zone the server runs in."""
    at = datetime.now(UTC) if at is None else at
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(NETWORK_ZONE).date()


def local_time(at: datetime | None, state: str | None = None) -> str:
    """A stored (UTC) moment as people read it, in the state's time (the network's own
    without one), with its zone: "Dec 7, 2026, 9:14 AM CST"."""
    if at is None:
        return ""
    local = at.astimezone(local_zone(state))
    return f"{local:%b} {local.day}, {local.year}, {local:%-I:%M %p} {local.tzname()}"


def day_words(value: Any, state: str | None = None) -> str:
    """A day as people read it: "Oct 27, 2025". `value` is a `date`, ISO text as an audit
    entry's details keep it ("2025-10-27"), or a stored (UTC) moment, whose day is taken in the
    state's time (the network's own without one). Anything else is shown as it was kept."""
    if isinstance(value, datetime):
        value = value.astimezone(local_zone(state)).date() if value.tzinfo else value.date()
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return "" if value is None else str(value)
    return f"{day:%b} {day.day}, {day.year}"


# Counties are kept without the word: "Cook", shown "Cook County, IL" (Louisiana's parishes and
# Alaska's boroughs by their own word), so a county typed with its word is the same county.
COUNTY_WORD = re.compile(r"\s+(county|parish|borough)\s*$", re.IGNORECASE)


def county_name(typed: str) -> str:
    """A county as kept: "Cook County" -> "Cook", "Orleans Parish" -> "Orleans"."""
    return COUNTY_WORD.sub("", (typed or "").strip())


def county_label(county: str, state: str) -> str:
    """ "Cook County, IL"; "Orleans Parish, LA"; "Juneau Borough, AK"."""
    word = {"LA": "Parish", "AK": "Borough"}.get(state, "County")
    return f"{county} {word}, {state}"
