"""The console's card for the library: what is published, drafted and scheduled."""

from __future__ import annotations

from datetime import date

from wnwa.network.console import Card, CardLink
from wnwa.resources import services


def library_card(today: date) -> Card:
    counts = services.library_counts(today)
    return Card(
        "Resources and news",
        [
            CardLink("Published resources", "resources_admin.manage", count=counts.published),
            CardLink(
                "Resource drafts",
                "resources_admin.manage",
                count=counts.drafts,
                attention=counts.drafts > 0,
            ),
            CardLink("Scheduled to publish", "resources_admin.manage", count=counts.scheduled),
            CardLink(
                "News drafts",
                "resources_admin.manage",
                count=counts.news_drafts,
                args={"_anchor": "news"},
            ),
            CardLink("Add a resource", "resources_admin.new_resource"),
            CardLink("Write a news post", "resources_admin.new_post"),
        ],
    )
