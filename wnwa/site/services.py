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

HOME_BY_ROLE = (
    ("network_admin", "network.overview"),
    ("network_finance", "network.overview"),
    ("vetter", "network.overview"),
    ("chief", "tenants.dashboard"),
    ("department_finance", "billing.overview"),
    ("officer", "site.welcome"),
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
