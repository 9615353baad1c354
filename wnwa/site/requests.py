"""Requests from the public site (member agencies list, demo, message) and how network staff
answer them. Each use case commits once; every message to the visitor goes through the mail
queue inside the same transaction, so a failed step sends nothing.

Nothing here sees the visitor's address or browser: the views pass only what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from wnwa import audit, mail
from wnwa.database import locked
from wnwa.errors import InvalidInput, NotFound
from wnwa.extensions import db, utcnow
from wnwa.site import facts
from wnwa.site.models import (
    ANSWERED,
    APPROVED,
    CLOSED,
    CONTACT,
    DECLINED,
    DEMO,
    DEMO_FORMATS,
    KINDS,
    MEMBER_LIST,
    NEW,
    STATUSES,
    SiteRequest,
    SiteRequestReply,
)
from wnwa.us_states import county_label

SIGNATURE = "\n\nWeNeverWalkAlone\nPeer support across departments\n"


@dataclass(frozen=True)
class Visitor:
    name: str
    email: str
    organisation: str = ""
    job_title: str = ""
    phone: str = ""


def _new(kind: str, visitor: Visitor, **fields) -> SiteRequest:
    request = SiteRequest(
        kind=kind,
        status=NEW,
        name=visitor.name.strip(),
        email=visitor.email.strip(),
        organisation=visitor.organisation.strip(),
        job_title=visitor.job_title.strip(),
        phone=visitor.phone.strip(),
        **fields,
    )
    db.session.add(request)
    db.session.flush()
    return request


# The confirmations say what was received in the network's own words. They never repeat what
# the visitor typed (not even the name): anyone can enter any address in these forms, so
# nothing typed there may travel on to that address under the network's name.
IF_NOT_YOU = (
    "\n\nIf you did not write to us, someone else entered this address: you can ignore this email."
)


def request_member_list(visitor: Visitor, *, reason: str) -> SiteRequest:
    request = _new(MEMBER_LIST, visitor, message=reason.strip())
    mail.enqueue(
        request.email,
        "We received your request for the member agencies list",
        "Hello,\n\nWe received a request for the list of WeNeverWalkAlone member agencies, sent "
        "from our website with this email address. A network administrator reviews each "
        "request; once it is approved, the list comes to this address." + IF_NOT_YOU + SIGNATURE,
    )
    db.session.commit()
    return request


def send_message(visitor: Visitor, *, message: str) -> SiteRequest:
    request = _new(CONTACT, visitor, message=message.strip())
    mail.enqueue(
        request.email,
        "We received your message",
        "Hello,\n\nWe received the message you sent through the contact form of our website. "
        "A member of the network team will reply to this address, usually within two working "
        "days." + IF_NOT_YOU + SIGNATURE,
    )
    db.session.commit()
    return request


def request_demo(
    visitor: Visitor, *, sworn: int, demo_format: str, preferred_times: str, message: str
) -> SiteRequest:
    if demo_format not in DEMO_FORMATS:
        raise InvalidInput("Choose a video call or an in-person visit.")
    request = _new(
        DEMO,
        visitor,
        sworn=sworn,
        demo_format=demo_format,
        preferred_times=preferred_times.strip(),
        message=message.strip(),
    )
    mail.enqueue(
        request.email,
        "We received your demo request",
        "Hello,\n\nWe received your request for a demo of WeNeverWalkAlone "
        f"({DEMO_FORMATS[demo_format].lower()}) for a department of {sworn:,} sworn officers. "
        "We will write back to this address to agree on a time from those you suggested."
        + IF_NOT_YOU
        + SIGNATURE,
    )
    db.session.commit()
    return request


# --- network staff --------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilters:
    kind: str = ""
    status: str = NEW  # "" for every status

    @classmethod
    def parse(cls, kind: str | None, status: str | None) -> RequestFilters:
        kind = kind if kind in KINDS else ""
        status = "" if status == "all" else (status if status in STATUSES else NEW)
        return cls(kind, status)


@dataclass(frozen=True)
class RequestPage:
    rows: list[SiteRequest]
    filters: RequestFilters
    page: int
    pages: int
    total: int


PER_PAGE = 25


def list_requests(filters: RequestFilters, page: int = 1) -> RequestPage:
    stmt = select(SiteRequest)
    if filters.kind:
        stmt = stmt.where(SiteRequest.kind == filters.kind)
    if filters.status:
        stmt = stmt.where(SiteRequest.status == filters.status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    rows = db.session.scalars(
        stmt.order_by(SiteRequest.created_at, SiteRequest.id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return RequestPage(list(rows), filters, page, pages, total)


def waiting_counts() -> dict[str, int]:
    """Requests waiting for an answer, by kind (the console's card)."""
    rows = db.session.execute(
        select(SiteRequest.kind, func.count())
        .where(SiteRequest.status == NEW)
        .group_by(SiteRequest.kind)
    ).all()
    counts = dict.fromkeys(KINDS, 0)
    counts.update({kind: n for kind, n in rows})
    return counts


def get_request(request_id: int) -> SiteRequest:
    request = db.session.get(SiteRequest, request_id)
    if request is None:
        raise NotFound("There is no such request.")
    return request


DECIDED = {
    APPROVED: "The list was already sent for this request.",
    DECLINED: "This request was already declined.",
    CLOSED: "This request is already closed.",
}


def _locked(request_id: int) -> SiteRequest:
    """Load the request and hold its row lock until the transaction ends, so that two admins
    acting on it at once take turns and the second one sees what the first decided
    (`wnwa.database.locked`)."""
    request = locked(SiteRequest, request_id, SiteRequest.status)
    if request is None:
        raise NotFound("There is no such request.")
    return request


def _open(request_id: int) -> SiteRequest:
    """The request, locked, if it can still be approved, declined or closed: a decided one
    (approved, declined, closed) stays as it was decided."""
    request = _locked(request_id)
    if not request.is_open:
        raise InvalidInput(DECIDED.get(request.status, "This request was already answered."))
    return request


def _handled(request: SiteRequest, status: str, actor) -> None:
    request.status = status
    request.handled_at = utcnow()
    request.handled_by = audit.actor_label(actor)
    audit.record(
        actor, f"site.request_{status}", subject=f"{request.kind_label} request {request.id}"
    )


def _sent(request: SiteRequest, actor, subject: str, body: str, *, kept: str = "") -> None:
    """Email the visitor and keep what was sent (`kept`, when the record should say less than
    the message, such as the list itself) as one more of the request's replies."""
    mail.enqueue(request.email, subject, body + SIGNATURE)
    request.replies.append(
        SiteRequestReply(sent_at=utcnow(), sent_by=audit.actor_label(actor), body=kept or body)
    )


REPLY_SUBJECTS = {
    CONTACT: "Re: your message to WeNeverWalkAlone",
    DEMO: "Re: your demo request",
    MEMBER_LIST: "Re: your request for the member agencies list",
}


def reply(request_id: int, *, message: str, close: bool, actor) -> SiteRequest:
    """Email the visitor a reply from the console. An open request becomes answered (or
    closed); a decided one keeps its decision, and the reply is a follow-up."""
    request = _locked(request_id)
    text = message.strip()
    if not text:
        raise InvalidInput("Write the reply to send.")
    _sent(request, actor, REPLY_SUBJECTS.get(request.kind, "Re: your request"), text)
    if request.is_open:
        _handled(request, CLOSED if close else ANSWERED, actor)
    else:
        audit.record(
            actor, "site.request_followed_up", subject=f"{request.kind_label} request {request.id}"
        )
    db.session.commit()
    return request


def approve_member_list(request_id: int, *, note: str, actor) -> SiteRequest:
    """Send the member agencies list to the visitor who asked for it."""
    request = _open(request_id)
    if request.kind != MEMBER_LIST:
        raise InvalidInput("Only a member agencies list request can be approved.")
    agencies = facts.member_agencies()
    lines = [f"- {name} ({county_label(county, state)})" for name, county, state in agencies]
    intro = note.strip() + "\n\n" if note.strip() else ""
    listed = f"These are the {len(agencies)} member agencies of WeNeverWalkAlone today:"
    _sent(
        request,
        actor,
        "The WeNeverWalkAlone member agencies",
        f"Hello {request.name},\n\n{intro}{listed}\n\n" + "\n".join(lines),
        kept=f"{intro}{listed} (the list)",
    )
    _handled(request, APPROVED, actor)
    db.session.commit()
    return request


def decline_member_list(request_id: int, *, message: str, actor) -> SiteRequest:
    request = _open(request_id)
    if request.kind != MEMBER_LIST:
        raise InvalidInput("Only a member agencies list request can be declined.")
    text = message.strip() or (
        "Thank you for your interest. We share the list of member agencies with departments "
        "and partners we can verify, and we could not approve this request."
    )
    _sent(request, actor, "Your request for the member agencies list", text)
    _handled(request, DECLINED, actor)
    db.session.commit()
    return request


def close(request_id: int, *, actor) -> SiteRequest:
    """Close an open request without a reply (spam, or answered by phone)."""
    request = _open(request_id)
    _handled(request, CLOSED, actor)
    db.session.commit()
    return request
