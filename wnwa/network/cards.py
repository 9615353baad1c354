"""The console's own cards: departments, training, requests from the public site, resources.
Each reads other capabilities' services and counts; none touches an officer's activity."""

from __future__ import annotations

from datetime import date

from wnwa.network import services
from wnwa.network.console import Card, CardLink, register_card


def departments_card(today: date) -> Card:
    counts = services.department_counts(today)
    table = {"_anchor": "departments"}
    return Card(
        "Departments",
        [
            CardLink("Member departments", "network.overview", count=counts.members, args=table),
            CardLink("Onboarding", "network.overview", count=counts.onboarding, args=table),
            CardLink(
                "Rosters not yet complete",
                "network.overview",
                count=counts.roster_incomplete,
                attention=counts.roster_incomplete > 0,
                args=table,
            ),
            CardLink(
                "Short of peer supporters, in grace", "training_admin.quota", count=counts.in_grace
            ),
            CardLink(
                "Short of peer supporters, grace over",
                "training_admin.quota",
                count=counts.non_compliant,
                attention=counts.non_compliant > 0,
            ),
            CardLink(
                "Departments without a contract",
                "billing_network.overview",
                count=counts.without_contract,
                attention=counts.without_contract > 0,
            ),
            CardLink("Onboard a department", "onboarding.create"),
        ],
    )


def training_card(today: date) -> Card:
    counts = services.training_counts(today)
    return Card(
        "Training",
        [
            CardLink("Upcoming classes", "training_admin.classes_list", count=counts.upcoming),
            CardLink(
                "External training to review",
                "training_admin.external_list",
                count=counts.external_pending,
                attention=counts.external_pending > 0,
            ),
            CardLink("Schedule a class", "training_admin.class_new"),
        ],
    )


def requests_card(today: date) -> Card:
    from wnwa.site import requests

    waiting = requests.waiting_counts()
    return Card(
        "Requests from the public site",
        [
            CardLink(
                label,
                "network_requests.queue",
                count=waiting[kind],
                attention=waiting[kind] > 0,
                args={"kind": kind},
            )
            for kind, label in (
                ("member_list", "Member agencies list requests"),
                ("demo", "Demo requests"),
                ("contact", "Messages"),
            )
        ],
    )


def register() -> None:
    register_card(departments_card, roles={"network_admin", "network_finance"}, order=10)
    register_card(training_card, roles={"network_admin"}, order=20)
    register_card(requests_card, roles={"network_admin"}, order=40)
