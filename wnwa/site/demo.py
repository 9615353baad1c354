"""Demo requests from the public site, waiting in each of the console's queues."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from wnwa.extensions import db
from wnwa.site.models import CONTACT, DEMO, MEMBER_LIST, SiteRequest

REQUESTS = [
    dict(
        kind=MEMBER_LIST,
        name="Maria Delgado",
        email="mdelgado@bolingbrookpd.example",
        organisation="Bolingbrook Police Department",
        job_title="Deputy Chief",
        message="Our chief asked which of our neighbouring departments already belong "
        "before we bring membership to the village board.",
        days_ago=1,
    ),
    dict(
        kind=MEMBER_LIST,
        name="Tom Brennan",
        email="tbrennan@ilfop-lodge7.example",
        organisation="FOP Lodge 7 wellness committee",
        job_title="Committee chair",
        message="We would like to point members to the network and know which agencies take part.",
        days_ago=3,
    ),
    dict(
        kind=DEMO,
        name="Lt. Angela Price",
        email="aprice@oswegopd.example",
        organisation="Oswego Police Department",
        job_title="Wellness coordinator",
        phone="630-555-0187",
        sworn=41,
        demo_format="in_person",
        preferred_times="Any weekday after 1 pm in the next two weeks; roll call room fits 20.",
        message="The command staff and our two peer supporters would attend.",
        days_ago=0,
    ),
    dict(
        kind=DEMO,
        name="Chief Daniel Okafor",
        email="dokafor@ottawapd.example",
        organisation="Ottawa Police Department",
        sworn=32,
        demo_format="video",
        preferred_times="Tuesday or Thursday, 9-11 am.",
        days_ago=2,
    ),
    dict(
        kind=CONTACT,
        name="Karen Walsh",
        email="kwalsh@crystallakeil.example",
        organisation="City of Crystal Lake, Finance",
        job_title="Purchasing manager",
        message="Can the annual invoice carry our PO number, and do you accept ACH payments?",
        days_ago=1,
    ),
    dict(
        kind=CONTACT,
        name="Sgt. Luis Romero",
        email="lromero@elginpd.example",
        organisation="Elgin Police Department",
        message="Two of our officers trained with another provider last spring. What do you "
        "need from us for the network to accept their certificates?",
        days_ago=4,
    ),
]


def seed_requests(today: date) -> None:
    for spec in REQUESTS:
        fields = dict(spec)
        days_ago = fields.pop("days_ago")
        created = datetime.combine(today - timedelta(days=days_ago), time(14, 30), tzinfo=UTC)
        db.session.add(SiteRequest(created_at=created, **fields))
    db.session.commit()
