from __future__ import annotations

import pytest
from sqlalchemy import select

from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.site.models import SiteRequest


def requests_stored() -> list[SiteRequest]:
    return list(db.session.scalars(select(SiteRequest).order_by(SiteRequest.id)))


def mail_to(address: str) -> list[MailJob]:
    return list(db.session.scalars(select(MailJob).where(MailJob.to == address)))


CONTACT = {
    "name": "Dana Whitfield",
    "email": "dwhitfield@oakbrookpd.example",
    "organisation": "Oak Brook Police Department",
    "phone": "630-555-0142",
    "message": "What would membership cost for 42 sworn officers?",
}
DEMO = {
    "name": "Chief Ray Ortega",
    "email": "rortega@elginpd.example",
    "organisation": "Elgin Police Department",
    "sworn": "186",
    "demo_format": "video",
    "preferred_times": "Tuesday or Thursday mornings next week",
}
MEMBER_LIST = {
    "name": "Priya Nair",
    "email": "pnair@kanecounty.example",
    "organisation": "Kane County Sheriff's Office",
    "reason": "We are considering joining and would like to know our neighbours.",
}


@pytest.fixture
def in_ctx(ctx):
    yield
