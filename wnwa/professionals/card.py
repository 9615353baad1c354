"""The professionals' card on the network staff console (wnwa/network/console.py): work
waiting for vetters and network admins. Counts only; nothing about officers exists to count."""

from __future__ import annotations

from datetime import date

from wnwa.extensions import utcnow
from wnwa.network.console import Card, CardLink
from wnwa.professionals import listings


def professionals_card(today: date) -> Card:
    counts = listings.counts(utcnow())
    return Card(
        "Mental-health professionals",
        [
            CardLink(
                "Applications waiting",
                "professionals_staff.overview",
                count=counts.waiting,
                attention=counts.waiting > 0,
            ),
            CardLink(
                "Stale listings",
                "professionals_staff.overview",
                count=counts.stale,
                attention=counts.stale > 0,
                args={"_anchor": "stale-heading"},
            ),
            CardLink(
                "Re-checks asked for by officers",
                "professionals_staff.overview",
                count=counts.reports,
                attention=counts.reports > 0,
                args={"_anchor": "reports-heading"},
            ),
        ],
        note=f"{counts.listed:,} listed",
    )
