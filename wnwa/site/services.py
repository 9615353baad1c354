"""Public-page data: crisis lines, where each role lands, and "What we store"."""

from __future__ import annotations

from dataclasses import dataclass

from wnwa.extensions import db

CRISIS_LINES = [
    ("988 Suicide & Crisis Lifeline", "Call or text 988", "tel:988"),
    (
        "Copline (officers and families, run by retired officers)",
        "1-800-267-5463",
        "tel:+18002675463",
    ),
    ("Safe Call Now (public safety employees)", "1-206-459-3020", "tel:+12064593020"),
    ("Crisis Text Line", "Text BLUE to 741741", "sms:741741?body=BLUE"),
    ("Emergency", "911", "tel:911"),
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
    return None if any(href == line.href for _, _, href in CRISIS_LINES) else line


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
    title: str
    fields: list[StoredField]


def what_we_store() -> list[StoredTable]:
    """Every column of every table that holds data about an officer, read from the schema."""
    tables = []
    for mapper in sorted(db.Model.registry.mappers, key=lambda m: m.class_.__name__):
        cls = mapper.class_
        title = getattr(cls, "__officer_data__", None)
        if not title:
            continue
        fields = [StoredField(col.name, col.doc or "") for col in mapper.local_table.columns]
        tables.append(StoredTable(title, fields))
    return tables
