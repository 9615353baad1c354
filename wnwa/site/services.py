"""Public-page data: crisis lines, where each role lands, and "What we store"."""

from __future__ import annotations

import json
from dataclasses import dataclass

from wnwa.extensions import db

# Each line: its name, and what a tap does (a label and a tel: or sms: link each).
CRISIS_LINES = [
    ("988 Suicide & Crisis Lifeline", [("Call 988", "tel:988"), ("Text 988", "sms:988")]),
    (
        "Copline (officers and families, run by retired officers)",
        [("1-800-267-5463", "tel:+18002675463")],
    ),
    ("Safe Call Now (public safety employees)", [("1-206-459-3020", "tel:+12064593020")]),
    ("Crisis Text Line", [("Text BLUE to 741741", "sms:741741?body=BLUE")]),
    ("Emergency", [("911", "tel:911")]),
]


@dataclass(frozen=True)
class StripLine:
    """One link of the crisis strip at the top of every page: `short` is what a phone shows,
    `label` what a screen reader says."""

    short: str
    label: str
    href: str


# Lines run by and for first responders in a given state. A state that is not listed here gets
# the national officers' line (Copline). Add a state's line only from its operator's own listing.
STATE_FIRST_RESPONDER_LINES: dict[str, StripLine] = {
    "NJ": StripLine("Cop 2 Cop", "Cop 2 Cop, New Jersey's line for officers", "tel:+18662672267"),
}
NATIONAL_OFFICER_LINE = StripLine(
    "Copline",
    "Copline, the national line for officers, answered by retired officers",
    "tel:+18002675463",
)


def crisis_strip(state: str | None) -> list[StripLine]:
    """988 by call and by text, then the first-responder line for the officer's state."""
    return [
        StripLine("Call 988", "Call 988, the Suicide and Crisis Lifeline", "tel:988"),
        StripLine("Text 988", "Text 988, the Suicide and Crisis Lifeline", "sms:988"),
        STATE_FIRST_RESPONDER_LINES.get(state or "", NATIONAL_OFFICER_LINE),
    ]


def state_line_beyond(state: str | None) -> StripLine | None:
    """The strip's first-responder line when the crisis-lines page does not list it already."""
    line = crisis_strip(state)[-1]
    listed = {href for _, actions in CRISIS_LINES for _, href in actions}
    return None if line.href in listed else line


HOME_BY_ROLE = (
    ("network_admin", "network.overview"),
    ("network_finance", "network.overview"),
    ("vetter", "network.overview"),
    ("chief", "tenants.dashboard"),
    ("department_finance", "billing.overview"),
    ("officer", "directory.search"),
)


def home_endpoint(roles: frozenset[str]) -> str:
    for role, endpoint in HOME_BY_ROLE:
        if role in roles:
            return endpoint
    return "site.welcome"


@dataclass(frozen=True)
class StoredField:
    name: str
    about: str


@dataclass(frozen=True)
class StoredTable:
    name: str
    title: str
    fields: list[StoredField]


def officer_tables() -> list:
    """The tables that hold anything about an officer: each model that says so with
    `__officer_data__` (its heading on the page). Every column of such a table carries a `doc`
    saying what it is and why we keep it; tests/site/test_what_we_store.py holds both rules and
    fails for a table that points at an officer's account without saying so."""
    mappers = sorted(db.Model.registry.mappers, key=lambda m: m.local_table.name)
    return [m for m in mappers if getattr(m.class_, "__officer_data__", None)]


def what_we_store() -> list[StoredTable]:
    """Every column of every table that holds data about an officer, read from the schema."""
    return [
        StoredTable(
            mapper.local_table.name,
            mapper.class_.__officer_data__,
            [StoredField(col.name, col.doc or "") for col in mapper.local_table.columns],
        )
        for mapper in officer_tables()
    ]


def manifest_json(start_url: str, icons_url: str) -> str:
    """The web app manifest: the portal can be added to a phone's home screen. There is no
    service worker, so nothing (least of all an officer's page) is cached for offline use."""
    return json.dumps(
        {
            "name": "WeNeverWalkAlone",
            "short_name": "WNWA",
            "description": "Peer support across police departments. Nothing you do is recorded.",
            "start_url": start_url,
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1e3a5f",
            "icons": [
                {"src": f"{icons_url}icon-192.png", "sizes": "192x192", "type": "image/png"},
                {"src": f"{icons_url}icon-512.png", "sizes": "512x512", "type": "image/png"},
                {
                    "src": f"{icons_url}icon-maskable-512.png",
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
                {"src": f"{icons_url}icon.svg", "sizes": "any", "type": "image/svg+xml"},
            ],
        },
        indent=2,
    )
