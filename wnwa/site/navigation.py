"""The navigation each role sees, computed once so templates only loop.

Two kinds of entries:
- `NavItem`: the plain links of a role (chief's roster, network console...). Desktop shows them
  in the header; on a phone they wrap under the header (nothing scrolls sideways).
- `Tab`: the officer's five sections (Search, Professionals, Resources, Crisis, Me). A phone shows
  them as a bottom tab bar, a desktop as the first header links. A tab appears only when its
  endpoint exists, so a capability that is not installed (or not built yet) leaves no dead link:
  registering the blueprint that owns `professionals.search` is all it takes to show that tab.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, request, url_for


@dataclass(frozen=True)
class NavItem:
    """`also` lists the other endpoints of the entry's section (it shows as current there)."""

    label: str
    endpoint: str
    also: tuple[str, ...] = field(default=(), kw_only=True)

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    @property
    def current(self) -> bool:
        return request.endpoint in (self.endpoint, *self.also)


@dataclass(frozen=True)
class Tab(NavItem):
    """One of the officer's sections. `icon` names a symbol in templates/_icons.html."""

    icon: str


OFFICER_TABS: list[Tab] = [
    Tab("Search", "directory.search", "search", also=("directory.profile",)),
    Tab("Professionals", "professionals.search", "people"),
    Tab("Resources", "resources.index", "book"),
    Tab("Crisis", "site.crisis", "phone"),
    Tab("Me", "site.me", "person", also=("directory.me", "training_officer.index")),
]

ROLE_NAV: dict[str, list[NavItem]] = {
    "officer": [],
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

ROLE_ORDER = (
    "officer",
    "chief",
    "department_finance",
    "network_admin",
    "network_finance",
    "vetter",
)


def register_nav(role: str, item: NavItem) -> None:
    """Let a capability add its page to a role's navigation."""
    items = ROLE_NAV.setdefault(role, [])
    if item not in items:
        items.append(item)


def register_tab(tab: Tab) -> None:
    """Let a capability name (or rename) the endpoint behind one of the officer's sections.
    A tab with a new label is added before "Crisis"."""
    for i, existing in enumerate(OFFICER_TABS):
        if existing.label == tab.label:
            OFFICER_TABS[i] = tab
            return
    OFFICER_TABS.insert(len(OFFICER_TABS) - 2, tab)


@dataclass(frozen=True)
class Shown:
    """An entry as one request shows it: `current` marks the page's own entry, or on a page
    under one (a profile, an invoice, a class) the entry whose address is the longest start of
    the page's path."""

    label: str
    url: str
    current: bool
    icon: str = ""


def _shown(items: list) -> list[Shown]:
    urls = [item.url for item in items]
    exact = [item.current for item in items]
    if any(exact):
        marked = exact
    else:
        path = request.path
        prefix = max((u for u in urls if u != "/" and path.startswith(u)), key=len, default=None)
        marked = [u == prefix for u in urls]
    return [
        Shown(item.label, url, mark, getattr(item, "icon", ""))
        for item, url, mark in zip(items, urls, marked, strict=True)
    ]


def _exists(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def tabs_for(user) -> list[Tab]:
    """The officer's sections that exist in this app; none for visitors and staff accounts."""
    if not getattr(user, "is_authenticated", False) or "officer" not in user.roles:
        return []
    return _shown([tab for tab in OFFICER_TABS if _exists(tab.endpoint)])


def officer_links() -> list[NavItem]:
    """The officer's own pages that are not tabs (training, ...): listed on the "Me" page."""
    tab_endpoints = {tab.endpoint for tab in OFFICER_TABS}
    return [
        item
        for item in ROLE_NAV.get("officer", [])
        if item.endpoint not in tab_endpoints and _exists(item.endpoint)
    ]


def navigation_for(user) -> list[NavItem]:
    """The plain links of the user's work roles (chief, finance, network staff). The officer's
    own pages are the tabs and the "Me" page."""
    if not getattr(user, "is_authenticated", False):
        return _shown([item for item in PUBLIC_NAV if _exists(item.endpoint)])
    tab_endpoints = {tab.endpoint for tab in OFFICER_TABS}
    seen: list[NavItem] = []
    for role in ROLE_ORDER:
        if role != "officer" and role in user.roles:
            seen += [
                item
                for item in ROLE_NAV.get(role, [])
                if item not in seen
                and item.endpoint not in tab_endpoints
                and _exists(item.endpoint)
            ]
    return _shown(seen)
