"""Vetting: a queue, assigned vetters, the assessment (office visit in the Chicago metro area,
video call elsewhere), blind votes and the consensus rule.

Rules, in one place:
* Votes are blind: nobody sees how anyone voted until every assigned vetter has voted.
* The rule (unanimous or majority, and the least number of votes) is fixed for an application
  when its first vetter is assigned; a later change of the settings applies to applications
  whose vetting starts afterwards.
* An application is decided when every assigned vetter has voted and there are at least the
  required number of votes: LISTED if the rule is met, otherwise DEFERRED with the reasons the
  deferring vetters gave and the earliest date to apply again. A tie under the majority rule is
  not a majority: deferred.
* Removing a vetter removes their vote; the application is decided again at once if the
  remaining votes are complete and enough. Too few remaining vetters: it waits for more.
* Every action that changes an application first locks its row until the transaction ends
  (`_locked`), then reads the votes: two last votes cast at the same moment are decided by the
  second, which sees the first.
* Every action is written to the audit trail in plain language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wnwa import audit
from wnwa.auth.models import StaffAccount
from wnwa.database import locked
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db, utcnow
from wnwa.professionals import settings as settings_service
from wnwa.professionals.applications import LINK, tell_professional, write_tags
from wnwa.professionals.models import (
    APPROVE,
    DEFER,
    DEFERRED,
    IN_REVIEW,
    LISTED,
    OFFICE,
    OPEN_STATUSES,
    SUBMITTED,
    VIDEO,
    Professional,
    Vote,
)
from wnwa.professionals.settings import MAJORITY, describe_rule, who
from wnwa.professionals.vocab import assessment_input, assessment_time
from wnwa.us_states import day_words, network_day

VETTING_ROLES = ("vetter", "network_admin")
DEFAULT_REAPPLY_DAYS = 180
MAX_REAPPLY_DAYS = 3 * 365
# Practices here get an office visit; elsewhere a video call (ZIP centroid within this radius).
CHICAGO = (41.8781, -87.6298)
CHICAGO_METRO_MILES = 60


def record(actor: Any, professional: Professional, action: str, summary: str) -> None:
    audit.record(
        actor,
        f"professionals.{action}",
        subject=subject(professional.id),
        details={"summary": summary},
    )


def subject(professional_id: int) -> str:
    return f"professional application {professional_id}"


def get(professional_id: int) -> Professional:
    found = db.session.get(Professional, professional_id)
    if found is None:
        raise NotFound("No such application.")
    return found


def in_chicago_metro(professional: Professional) -> bool:
    from wnwa.professionals.geo import Point, haversine_miles

    return haversine_miles(Point(*CHICAGO), Point(professional.lat, professional.lon)) <= (
        CHICAGO_METRO_MILES
    )


def assessment_kind_for(professional: Professional) -> str:
    return OFFICE if in_chicago_metro(professional) else VIDEO


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    id: int
    name: str
    license_label: str
    state: str
    status: str
    age_days: int
    vetters: int
    votes_in: int
    assessment: str


def queue(now: datetime) -> list[QueueRow]:
    from wnwa.professionals.vocab import LICENSE_TYPES

    rows = db.session.scalars(
        select(Professional)
        .where(Professional.status.in_(OPEN_STATUSES))
        .order_by(Professional.submitted_at)
    ).all()
    counts = dict(
        db.session.execute(
            select(Vote.professional_id, func.count())
            .where(Vote.professional_id.in_([p.id for p in rows]))
            .group_by(Vote.professional_id)
        ).all()
    )
    cast = dict(
        db.session.execute(
            select(Vote.professional_id, func.count())
            .where(Vote.professional_id.in_([p.id for p in rows]), Vote.choice.is_not(None))
            .group_by(Vote.professional_id)
        ).all()
    )
    return [
        QueueRow(
            id=p.id,
            name=p.name,
            license_label=LICENSE_TYPES.get(p.license_type, p.license_type),
            state=p.state,
            status="waiting for vetters" if p.status == SUBMITTED else "in review",
            age_days=(now - p.submitted_at).days,
            vetters=counts.get(p.id, 0),
            votes_in=cast.get(p.id, 0),
            assessment=_assessment_text(p),
        )
        for p in rows
    ]


def _assessment_text(p: Professional) -> str:
    office = (p.assessment_kind or assessment_kind_for(p)) == OFFICE
    kind = "office visit" if office else "video call"
    if p.assessment_at is None:
        return f"{kind} to schedule"
    when = assessment_time(p.assessment_at)
    return f"{kind} {'held' if p.assessment_done else 'scheduled'} {when}"


@dataclass(frozen=True)
class VoteView:
    vetter_id: int
    vetter: str
    voted: bool
    choice: str  # "" while votes are blind
    reason: str


@dataclass(frozen=True)
class Detail:
    professional: Professional
    votes: list[VoteView]
    all_in: bool
    my_vote: Vote | None
    assigned_to_me: bool
    rule_text: str
    needed: int
    assessment_text: str
    assessment_input: str  # the form's value, Chicago time
    suggested_kind: str
    history: list[tuple[datetime, str]]
    candidates: list[StaffAccount]


def detail(professional_id: int, viewer: Any) -> Detail:
    p = get(professional_id)
    votes = list(p.votes)
    rule = p.rule or settings_service.current().rule
    needed = p.rule_min_votes or settings_service.current().min_votes
    # Shown once the votes decide it: every assigned vetter has voted AND there are as many
    # votes as the rule needs. A lone first vote stays hidden from the vetter assigned next.
    all_in = outcome(rule, needed, [v.choice for v in votes]) is not None
    names = _names([v.vetter_id for v in votes])
    mine = next((v for v in votes if v.vetter_id == viewer.id), None)
    assigned_ids = {v.vetter_id for v in votes}
    candidates = [
        s
        for s in db.session.scalars(
            select(StaffAccount)
            .where(StaffAccount.role.in_(VETTING_ROLES), StaffAccount.active.is_(True))
            .order_by(StaffAccount.name, StaffAccount.email)
        )
        if s.id not in assigned_ids
    ]
    return Detail(
        professional=p,
        votes=[
            VoteView(
                v.vetter_id,
                names.get(v.vetter_id, "a former vetter"),
                v.choice is not None,
                (v.choice or "") if all_in else "",
                v.reason if all_in else "",
            )
            for v in votes
        ],
        all_in=all_in,
        my_vote=mine,
        assigned_to_me=mine is not None,
        rule_text=describe_rule(rule, needed),
        needed=needed,
        assessment_text=_assessment_text(p),
        assessment_input=assessment_input(p.assessment_at),
        suggested_kind=p.assessment_kind or assessment_kind_for(p),
        history=history(p.id),
        candidates=candidates,
    )


def _names(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        s.id: s.display_name
        for s in db.session.scalars(select(StaffAccount).where(StaffAccount.id.in_(ids)))
    }


def history(professional_id: int) -> list[tuple[datetime, str]]:
    entries = db.session.scalars(
        select(audit.AuditEntry)
        .where(audit.AuditEntry.subject == subject(professional_id))
        .order_by(audit.AuditEntry.id)
        # unscoped: network-level audit rows (no department) are read by network staff only.
        .execution_options(unscoped=True)
    ).all()
    return [(e.at, (e.details or {}).get("summary", e.action)) for e in entries]


# --- actions ---------------------------------------------------------------------------------


def _locked(professional_id: int) -> Professional:
    """Load the application and hold its row lock until the transaction ends; its votes are
    read under the lock, so a concurrent vetter's committed vote is seen
    (`wnwa.database.locked`)."""
    found = locked(
        Professional, professional_id, Professional.status, selectinload(Professional.votes)
    )
    if found is None:
        raise NotFound("No such application.")
    return found


def _open(professional_id: int) -> Professional:
    p = _locked(professional_id)
    if p.status not in OPEN_STATUSES:
        raise Conflict(f"This application was already decided ({p.status}).")
    return p


def _vetter(vetter_id: int) -> StaffAccount:
    vetter = db.session.get(StaffAccount, vetter_id)
    if vetter is None or vetter.role not in VETTING_ROLES or not vetter.active:
        raise InvalidInput("Choose an active vetter or network admin.")
    return vetter


def assign(professional_id: int, vetter_id: int, *, actor: Any, now: datetime | None = None):
    now = now or utcnow()
    p = _open(professional_id)
    vetter = _vetter(vetter_id)
    if any(v.vetter_id == vetter.id for v in p.votes):
        raise Conflict(f"{vetter.display_name} is already assigned.")
    if p.rule is None:
        current = settings_service.current()
        p.rule, p.rule_min_votes = current.rule, current.min_votes
    p.votes.append(Vote(vetter_id=vetter.id, assigned_at=now))
    p.status = IN_REVIEW
    if p.assessment_kind is None:
        p.assessment_kind = assessment_kind_for(p)
    db.session.flush()
    summary = f"{who(actor)} assigned {vetter.display_name} to vet {p.name}."
    record(actor, p, "vetter_assigned", summary)
    _maybe_decide(p, actor=actor, now=now)
    db.session.commit()
    return p


def unassign(professional_id: int, vetter_id: int, *, actor: Any, now: datetime | None = None):
    now = now or utcnow()
    p = _open(professional_id)
    vote = next((v for v in p.votes if v.vetter_id == vetter_id), None)
    if vote is None:
        raise NotFound("That vetter is not assigned to this application.")
    name = _names([vetter_id]).get(vetter_id, "a vetter")
    had_voted = vote.choice is not None
    p.votes.remove(vote)
    db.session.flush()
    record(
        actor,
        p,
        "vetter_removed",
        f"{who(actor)} removed {name} from vetting {p.name}"
        + (" and their vote with them." if had_voted else "."),
    )
    if not p.votes:
        p.status = SUBMITTED
    _maybe_decide(p, actor=actor, now=now)
    db.session.commit()
    return p


def schedule(
    professional_id: int,
    *,
    kind: str,
    at: datetime | None,
    held: bool,
    notes: str,
    actor: Any,
) -> Professional:
    p = _open(professional_id)
    if kind not in (OFFICE, VIDEO):
        raise InvalidInput("Choose an office visit or a video call.")
    if at is None:
        raise InvalidInput("Give the date and time of the assessment.")
    if len(notes or "") > 8000:
        raise InvalidInput("Keep the notes under 8,000 characters.")
    p.assessment_kind, p.assessment_at = kind, at
    p.assessment_done = bool(held)
    p.assessment_notes = (notes or "").strip()
    what = "an office visit" if kind == OFFICE else "a video call"
    verb = "recorded" if held else "scheduled"
    record(
        actor,
        p,
        "assessment_recorded" if held else "assessment_scheduled",
        f"{who(actor)} {verb} {what} with {p.name} on {assessment_time(at)}"
        + (" and its notes." if held and p.assessment_notes else "."),
    )
    db.session.commit()
    return p


def vote(
    professional_id: int,
    *,
    choice: str,
    reason: str,
    actor: Any,
    now: datetime | None = None,
) -> Professional:
    now = now or utcnow()
    p = _open(professional_id)
    mine = next((v for v in p.votes if v.vetter_id == actor.id), None)
    if mine is None:
        raise Conflict("Only the vetters assigned to this application vote on it.")
    if mine.choice is not None:
        raise Conflict("You have already voted on this application.")
    reason = (reason or "").strip()
    if choice not in (APPROVE, DEFER):
        raise InvalidInput("Choose approve or defer.")
    if choice == DEFER and not reason:
        raise InvalidInput("Give the reason for deferring; the applicant will read it.")
    if len(reason) > 2000:
        raise InvalidInput("Keep the reason under 2,000 characters.")
    mine.choice, mine.reason, mine.voted_at = choice, reason, now
    db.session.flush()
    cast = sum(1 for v in p.votes if v.choice)
    summary = f"{who(actor)} voted on {p.name} ({cast} of {len(p.votes)} votes in)."
    record(actor, p, "vote_cast", summary)
    _maybe_decide(p, actor=actor, now=now)
    db.session.commit()
    return p


def outcome(rule: str, min_votes: int, choices: list[str | None]) -> str | None:
    """LISTED, DEFERRED, or None while undecided (a vote missing or too few votes)."""
    if not choices or any(c is None for c in choices) or len(choices) < min_votes:
        return None
    approvals = sum(1 for c in choices if c == APPROVE)
    if rule == MAJORITY:
        return LISTED if approvals * 2 > len(choices) else DEFERRED
    return LISTED if approvals == len(choices) else DEFERRED


def _maybe_decide(p: Professional, *, actor: Any, now: datetime) -> None:
    rule = p.rule or settings_service.current().rule
    needed = p.rule_min_votes or settings_service.current().min_votes
    result = outcome(rule, needed, [v.choice for v in p.votes])
    if result is None:
        return
    p.decided_at = now
    if result == LISTED:
        p.status = LISTED
        p.confirmed_at = now
        p.reminded_at = None
        p.deferred_reason, p.reapply_on = "", None
        write_tags(p)
        record("system", p, "listed", f"{p.name} is listed: {describe_rule(rule, needed)}.")
        tell_professional(
            p,
            "You are listed with the WeNeverWalkAlone network",
            f"Dear {p.name},\n\nThe vetters approved your application: officers in member "
            "departments can now find you in the network's directory.\n\nEvery "
            f"{settings_service.current().reconfirm_days} days we will email you a link to "
            "re-confirm your availability and the insurance you accept.\n\n"
            f"Your application's page: {LINK}\n",
            link="status",
        )
        return
    reasons = [v.reason for v in p.votes if v.choice == DEFER and v.reason]
    p.status = DEFERRED
    p.deferred_reason = " ".join(reasons) or "The vetters did not reach the approval needed."
    p.reapply_on = network_day(now) + timedelta(days=DEFAULT_REAPPLY_DAYS)
    record(
        "system",
        p,
        "deferred",
        f"{p.name} is deferred: the rule ({describe_rule(rule, needed)}) was not met. "
        f"They may apply again from {day_words(p.reapply_on)}.",
    )
    tell_professional(
        p,
        "Your application to the WeNeverWalkAlone network",
        f"Dear {p.name},\n\nThe vetters deferred your application for now.\n\nReason: "
        f"{p.deferred_reason}\n\nYou may apply again from {day_words(p.reapply_on)}.\n\n"
        f"Your application's page: {LINK}\n",
        link="status",
    )


def set_reapply_date(professional_id: int, on: date, *, today: date, actor: Any) -> Professional:
    p = _locked(professional_id)
    if p.status != DEFERRED:
        raise Conflict("Only a deferred application has a re-apply date.")
    if not today <= on <= today + timedelta(days=MAX_REAPPLY_DAYS):
        raise InvalidInput("The re-apply date must be between today and three years from now.")
    changed = p.reapply_on != on
    p.reapply_on = on
    summary = f"{who(actor)} set {p.name}'s re-apply date to {day_words(on)}."
    record(actor, p, "reapply_set", summary)
    if changed:  # the deferral email named the old date
        tell_professional(
            p,
            "A new date to apply again to the WeNeverWalkAlone network",
            f"Dear {p.name},\n\nThe network changed the date from which you may apply again: it "
            f"is now {day_words(on)}.\n\nYour application's page: {LINK}\n",
            link="status",
        )
    db.session.commit()
    return p


def document(document_id: int):
    from wnwa.professionals.models import Document

    found = db.session.get(Document, document_id)
    if found is None:
        raise NotFound("No such document.")
    return found
