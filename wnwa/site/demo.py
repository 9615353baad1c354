"""Demo requests from the public site, waiting in each of the console's queues."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from wnwa import audit
from wnwa.auth.models import StaffAccount
from wnwa.extensions import db
from wnwa.site.models import (
    ANSWERED,
    CONTACT,
    DECLINED,
    DEMO,
    MEMBER_LIST,
    SiteRequest,
    SiteRequestReply,
)

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
        kind=MEMBER_LIST,
        name="Greg Haines",
        email="ghaines@wellnessvendor.example",
        organisation="FirstLine Wellness Apps",
        job_title="Business development",
        message="We build wellness apps for agencies and would like to contact your members.",
        days_ago=9,
        status=DECLINED,
        replies=[
            (
                8,
                "Thank you for your interest. We share the list of member agencies with "
                "departments and partners we can verify, and we do not pass it to vendors.",
            ),
            (
                6,
                "To your question: no, we cannot forward your offer to our member departments "
                "either. We wish you well with your work.",
            ),
        ],
    ),
    dict(
        kind=CONTACT,
        name="Officer Dana Kim",
        email="dkim@naperville.example",
        organisation="Naperville Police Department",
        message="Is the portal free for our officers, or does each officer pay?",
        days_ago=12,
        status=ANSWERED,
        replies=[
            (
                11,
                "Hello Dana, your department's annual membership covers every officer: "
                "nobody pays anything personally, and nobody at the department can see "
                "whether you use the portal.",
            )
        ],
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
    """Requests waiting in each queue, and two answered ones with what was sent."""
    admin = db.session.scalar(
        select(StaffAccount).where(StaffAccount.email == "network-admin@wnwa.demo")
    )
    staff = audit.actor_label(admin) if admin else "demo seed"

    def moment(days_ago: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(14, 30), tzinfo=UTC)

    for spec in REQUESTS:
        fields = dict(spec)
        created = moment(fields.pop("days_ago"))
        replies = [
            SiteRequestReply(sent_at=moment(days), sent_by=staff, body=body)
            for days, body in fields.pop("replies", [])
        ]
        request = SiteRequest(created_at=created, replies=replies, **fields)
        if replies:
            request.handled_at, request.handled_by = replies[0].sent_at, staff
        db.session.add(request)
    db.session.commit()
