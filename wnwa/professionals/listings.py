"""Keeping listings true: re-confirmation through an emailed signed link, the officers'
"this listing didn't work for me" report (a re-check date on the listing, nothing about who
reported), and network staff's edits, suspensions and reinstatements (audited)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db, utcnow
from wnwa.professionals import settings as settings_service
from wnwa.professionals.applications import (
    LINK_MAKERS,
    ApplicationInput,
    ApplicationInvalid,
    LicenseInput,
    sort_name,
    validate,
    write_tags,
)
from wnwa.professionals.models import LISTED, OPEN_STATUSES, SUSPENDED, Professional
from wnwa.professionals.settings import who
from wnwa.professionals.vetting import get, record
from wnwa.us_states import day_words

CONFIRM_SALT = "professional-reconfirm-v1"
CONFIRM_MAX_AGE = timedelta(days=90)


# --- re-confirmation -----------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def _stamp(p: Professional) -> int:
    return int(p.confirmed_at.timestamp()) if p.confirmed_at else 0


def reconfirm_token(p: Professional) -> str:
    """Bound to the last confirmation: once used, the link is spent."""
    return _serializer().dumps({"p": p.id, "c": _stamp(p)})


def reconfirm_url(p: Professional) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/professionals/confirm/{reconfirm_token(p)}"


LINK_MAKERS["confirm"] = reconfirm_url  # what a queued re-confirmation notice links to


def for_reconfirm_token(token: str) -> Professional:
    problem = "This re-confirmation link has expired or was already used. We email a new one."
    try:
        payload = _serializer().loads(token, max_age=int(CONFIRM_MAX_AGE.total_seconds()))
    except BadSignature:
        raise NotFound(problem) from None
    p = db.session.get(Professional, int(payload.get("p", 0)))
    if p is None or p.status != LISTED or payload.get("c") != _stamp(p):
        raise NotFound(problem)
    return p


@dataclass(frozen=True)
class Reconfirmation:
    answers_24_7: bool
    within_24h: bool
    accepting_new: bool
    telehealth: bool
    carriers: list[str]
    plan_types: list[str]
    phone: str


def input_from(p: Professional) -> ApplicationInput:
    return ApplicationInput(
        name=p.name,
        credentials=p.credentials,
        license_type=p.license_type,
        licenses=[LicenseInput(x["state"], x["number"]) for x in p.licenses],
        practice_name=p.practice_name,
        street=p.street,
        city=p.city,
        state=p.state,
        zip_code=p.zip_code,
        phone=p.phone,
        email=p.email,
        website=p.website,
        telehealth=p.telehealth,
        specialties=list(p.specialties),
        modalities=list(p.modalities),
        carriers=list(p.carriers),
        plan_types=list(p.plan_types),
        officer_years=str(p.officer_years),
        officer_experience=p.officer_experience,
        answers_24_7=p.answers_24_7,
        within_24h=p.within_24h,
        no_fitness_for_duty=p.no_fitness_for_duty,
        accepting_new=p.accepting_new,
        about=p.about,
    )


def _apply(p: Professional, clean: dict) -> None:
    for key, value in clean.items():
        setattr(p, key, value)
    p.sort_name = sort_name(p.name)
    write_tags(p)


def reconfirm(token: str, data: Reconfirmation, *, now: datetime | None = None) -> Professional:
    """The professional confirms (or corrects) availability and insurance; one commit."""
    now = now or utcnow()
    p = for_reconfirm_token(token)
    merged = input_from(p)
    for f in fields(Reconfirmation):
        setattr(merged, f.name, getattr(data, f.name))
    clean, problems = validate(merged)
    if problems:
        raise ApplicationInvalid(problems)
    _apply(p, clean)
    # An officer's open report stays on the staff overview until staff close it (close_recheck):
    # re-confirming answers it from the professional's side only, so the link just used counts
    # as the one the report called for (no new link is sent for it).
    p.confirmed_at = now
    p.reminded_at = now if p.recheck_since is not None else None
    record(p.name, p, "reconfirmed", f"{p.name} re-confirmed their availability and insurance.")
    db.session.commit()
    return p


# --- the officers' report ------------------------------------------------------------------


def report_problem(professional_id: int, *, today: date) -> None:
    """Queue a re-check of a listing. Records the first day a re-check was asked for and
    nothing else: not who asked, not how many asked, not when exactly. Opening a re-check clears
    `reminded_at` (no link sent since it was asked), so the next run emails its own link."""
    p = db.session.get(Professional, professional_id)
    if p is None or p.status != LISTED:
        raise NotFound("That listing is not in the directory.")
    db.session.execute(
        update(Professional)
        .where(Professional.id == p.id, Professional.recheck_since.is_(None))
        .values(recheck_since=today, reminded_at=None)
    )
    db.session.commit()


# --- network staff -------------------------------------------------------------------------


def edit(professional_id: int, data: ApplicationInput, *, actor: Any) -> Professional:
    p = get(professional_id)
    clean, problems = validate(data)
    if problems:
        raise ApplicationInvalid(problems)
    changed = sorted(
        k.replace("_", " ")
        for k, v in clean.items()
        if getattr(p, k) != v and k not in ("lat", "lon")
    )
    _apply(p, clean)
    record(
        actor,
        p,
        "edited",
        f"{who(actor)} edited {p.name}'s listing ({', '.join(changed) or 'no change'}).",
    )
    db.session.commit()
    return p


def suspend(professional_id: int, reason: str, *, actor: Any) -> Professional:
    p = get(professional_id)
    if p.status != LISTED:
        raise Conflict("Only a listed professional can be suspended.")
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise InvalidInput("Give the reason for suspending (up to 2,000 characters).")
    p.status, p.suspended_reason = SUSPENDED, reason
    record(actor, p, "suspended", f"{who(actor)} suspended {p.name}'s listing: {reason}")
    db.session.commit()
    return p


def reinstate(professional_id: int, *, actor: Any, now: datetime | None = None) -> Professional:
    now = now or utcnow()
    p = get(professional_id)
    if p.status != SUSPENDED:
        raise Conflict("Only a suspended listing can be reinstated.")
    p.status, p.suspended_reason = LISTED, ""
    write_tags(p)
    record(actor, p, "reinstated", f"{who(actor)} reinstated {p.name}'s listing.")
    db.session.commit()
    return p


def close_recheck(professional_id: int, *, actor: Any) -> Professional:
    p = get(professional_id)
    if p.recheck_since is None:
        raise Conflict("No re-check is open for this listing.")
    p.recheck_since = None
    record(actor, p, "recheck_closed", f"{who(actor)} re-checked {p.name}'s listing.")
    db.session.commit()
    return p


@dataclass(frozen=True)
class StaffRow:
    id: int
    name: str
    state: str
    status: str
    confirmed_on: str
    recheck_since: str
    stale: bool


@dataclass(frozen=True)
class Overview:
    waiting: int
    stale: list[StaffRow]
    reports: list[StaffRow]
    suspended: list[StaffRow]
    listed: int


@dataclass(frozen=True)
class Counts:
    waiting: int
    stale: int
    reports: int
    listed: int


def counts(now: datetime) -> Counts:
    """What the staff console shows: applications waiting, stale listings, listings officers
    asked to re-check, and listings in all. Counts only, in one query."""
    stale_before = now - timedelta(days=settings_service.current().reconfirm_days)
    listed = Professional.status == LISTED
    row = db.session.execute(
        select(
            func.count().filter(Professional.status.in_(OPEN_STATUSES)),
            func.count().filter(listed, Professional.confirmed_at < stale_before),
            func.count().filter(listed, Professional.recheck_since.is_not(None)),
            func.count().filter(listed),
        ).select_from(Professional)
    ).one()
    return Counts(*(int(n) for n in row))


def overview(now: datetime) -> Overview:
    current = settings_service.current()
    stale_before = now - timedelta(days=current.reconfirm_days)
    waiting = db.session.scalar(select(func.count()).where(Professional.status.in_(OPEN_STATUSES)))
    listed = db.session.scalar(select(func.count()).where(Professional.status == LISTED))

    def rows(*conditions) -> list[StaffRow]:
        return [
            StaffRow(
                p.id,
                p.name,
                p.state,
                p.status,
                day_words(p.confirmed_at) if p.confirmed_at else "never",
                day_words(p.recheck_since) if p.recheck_since else "",
                p.confirmed_at is None or p.confirmed_at < stale_before,
            )
            for p in db.session.scalars(
                select(Professional).where(*conditions).order_by(Professional.sort_name).limit(200)
            )
        ]

    return Overview(
        waiting=waiting,
        stale=rows(Professional.status == LISTED, Professional.confirmed_at < stale_before),
        reports=rows(Professional.status == LISTED, Professional.recheck_since.is_not(None)),
        suspended=rows(Professional.status == SUSPENDED),
        listed=listed,
    )
