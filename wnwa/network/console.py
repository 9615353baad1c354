"""The network staff's console: one home (/network/) that gathers what staff act on.

The page is a grid of cards. Each card comes from a *card provider*: a plain function that
takes the day and returns a `Card` (or None when it has nothing to say), registered once with
the roles that see it. A capability adds its card with one call, e.g. professionals:

    from wnwa.network.console import Card, CardLink, register_card

    def applications_card(today):
        waiting = services.applications_waiting()
        return Card("Professional applications", [
            CardLink("Applications waiting", "professionals_admin.queue", count=waiting,
                     attention=waiting > 0),
        ])

    register_card(applications_card, roles={"network_admin", "vetter"}, order=30)

A link names an endpoint; the console shows it only to roles that the endpoint's blueprint lets
in, so a card never offers a page that would answer 403. Cards count work waiting; none of them
can say anything about officers' use of the portal, because no such record exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, url_for

STAFF_ROLES = frozenset({"network_admin", "network_finance", "vetter"})


@dataclass(frozen=True)
class CardLink:
    label: str
    endpoint: str
    count: int | None = None
    attention: bool = False  # work is waiting here
    args: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **self.args)


@dataclass(frozen=True)
class Card:
    title: str
    links: list[CardLink]
    note: str = ""


@dataclass(frozen=True)
class CardProvider:
    build: Callable[[date], Card | None]
    roles: frozenset[str]
    order: int


CARD_PROVIDERS: list[CardProvider] = []


def register_card(
    build: Callable[[date], Card | None], *, roles: Iterable[str] = STAFF_ROLES, order: int = 100
) -> None:
    """Add a card to the console for `roles` (lower `order` comes first). Registering the same
    function again replaces it, so an app factory run twice does not show a card twice."""
    CARD_PROVIDERS[:] = [p for p in CARD_PROVIDERS if p.build is not build]
    CARD_PROVIDERS.append(CardProvider(build, frozenset(roles), order))
    CARD_PROVIDERS.sort(key=lambda p: p.order)


def _can_open(endpoint: str, roles: frozenset[str]) -> bool:
    blueprint = current_app.blueprints.get(endpoint.rsplit(".", 1)[0])
    allowed = getattr(blueprint, "wnwa_roles", None)
    return allowed is None or bool(allowed & roles)


def cards_for(roles: frozenset[str], today: date) -> list[Card]:
    cards = []
    for provider in CARD_PROVIDERS:
        if not provider.roles & roles:
            continue
        card = provider.build(today)
        if card is None:
            continue
        links = [link for link in card.links if _can_open(link.endpoint, roles)]
        if links or card.note:
            cards.append(Card(card.title, links, card.note))
    return cards
