"""The navigation each role sees, computed once so templates only loop."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


ROLE_NAV: dict[str, list[NavItem]] = {
    "officer": [NavItem("Home", "site.home")],
    "chief": [NavItem("Department", "tenants.dashboard")],
    "department_finance": [],
    "network_admin": [NavItem("Network", "network.overview")],
    "network_finance": [NavItem("Network", "network.overview")],
    "vetter": [NavItem("Network", "network.overview")],
}

PUBLIC_NAV = [
    NavItem("About", "site.index"),
    NavItem("Questions and answers", "site.faq"),
    NavItem("Membership", "training_public.membership"),
    NavItem("Training", "training_public.training"),
    NavItem("Ask for a demo", "site.demo"),
    NavItem("Contact", "site.contact"),
    NavItem("Crisis lines", "site.crisis"),
    NavItem("Privacy", "site.privacy"),
]


def register_nav(role: str, item: NavItem) -> None:
    """Let a capability add its page to a role's navigation."""
    items = ROLE_NAV.setdefault(role, [])
    if item not in items:
        items.append(item)


def navigation_for(user) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return PUBLIC_NAV
    seen: list[NavItem] = []
    for role in (
        "officer",
        "chief",
        "department_finance",
        "network_admin",
        "network_finance",
        "vetter",
    ):
        if role in user.roles:
            seen += [item for item in ROLE_NAV.get(role, []) if item not in seen]
    return seen
