"""The public application: validate everything, store the documents and the application in
one go (a failure keeps nothing), email a private status link (a stateless signature)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, insert, select

from wnwa import emails, mail, phones
from wnwa.database import serialized_on
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db, utcnow
from wnwa.professionals import geo, uploads, vocab
from wnwa.professionals.models import (
    IN_REVIEW,
    LISTED,
    OPEN_STATUSES,
    SUBMITTED,
    SUSPENDED,
    Document,
    Professional,
    Tag,
)
from wnwa.us_states import day_words, network_day

STATUS_SALT = "professional-status-v1"
STATUS_MAX_AGE = timedelta(days=3 * 365)
MAX_LICENSES = 10
TEXT_LIMITS = {"officer_experience": 4000, "about": 2000}  # the written answers, in characters


@dataclass
class LicenseInput:
    state: str
    number: str


@dataclass
class ApplicationInput:
    name: str = ""
    credentials: str = ""
    license_type: str = ""
    licenses: list[LicenseInput] = field(default_factory=list)
    practice_name: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    telehealth: bool = False
    specialties: list[str] = field(default_factory=list)
    modalities: list[str] = field(default_factory=list)
    carriers: list[str] = field(default_factory=list)
    plan_types: list[str] = field(default_factory=list)
    officer_years: str = ""
    officer_experience: str = ""
    answers_24_7: bool = False
    within_24h: bool = False
    no_fitness_for_duty: bool = False
    accepting_new: bool = True
    about: str = ""


class ApplicationInvalid(InvalidInput):
    """Per-field problems, so the form can show each one beside its field."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def _codes(values: list[str], vocabulary: dict[str, str]) -> list[str]:
    chosen = set(values)
    return [code for code in vocabulary if code in chosen]


def validate(data: ApplicationInput) -> tuple[dict, dict[str, str]]:
    """Clean values for a Professional row, and the problems by field name."""
    problems: dict[str, str] = {}
    clean: dict = {}

    def text(name: str, limit: int, *, required: str | None = None) -> str:
        value = " ".join((getattr(data, name) or "").split())
        if required and not value:
            problems[name] = required
        elif len(value) > limit:
            problems[name] = f"Keep this under {limit} characters."
        return value

    clean["name"] = text("name", 200, required="Give your name as licensed.")
    clean["credentials"] = text("credentials", 100)
    clean["practice_name"] = text("practice_name", 200)
    clean["street"] = text("street", 200, required="Give the practice's street address.")
    clean["city"] = text("city", 100, required="Give the practice's city.")
    if data.license_type not in vocab.LICENSE_TYPES:
        problems["license_type"] = "Choose your license type."
    clean["license_type"] = data.license_type
    licenses, seen = [], set()
    for item in data.licenses:
        state, number = (item.state or "").strip().upper(), " ".join((item.number or "").split())
        if not state and not number:
            continue
        if state not in vocab.US_STATES:
            problems["licenses"] = "Choose the state of each license."
        elif not number or len(number) > 40:
            problems["licenses"] = f"Give the license number for {state} (up to 40 characters)."
        elif state in seen:
            problems["licenses"] = f"{state} is listed twice; give one license number per state."
        else:
            seen.add(state)
            licenses.append({"state": state, "number": number})
    if not licenses and "licenses" not in problems:
        problems["licenses"] = "Give at least one state license and its number."
    if len(licenses) > MAX_LICENSES:
        problems["licenses"] = f"List at most {MAX_LICENSES} state licenses."
    clean["licenses"] = licenses
    state = (data.state or "").strip().upper()
    if state not in vocab.US_STATES:
        problems["state"] = "Choose the practice's state."
    clean["state"] = state
    zip_code = geo.normalize_zip(data.zip_code)
    point = geo.centroid(zip_code) if zip_code else None
    if point is None:
        problems["zip_code"] = "Give the practice's five-digit ZIP code (a US ZIP code we know)."
    else:
        clean["lat"], clean["lon"] = point.lat, point.lon
    clean["zip_code"] = zip_code or ""
    phone = phones.to_e164(data.phone)
    if phone is None:
        problems["phone"] = "Give a phone number officers can call, e.g. 312-555-0142."
    clean["phone"] = phone or ""
    try:
        clean["email"] = emails.normalise(data.email)
    except emails.InvalidEmail:
        problems["email"] = "Give an email address we can write to."
        clean["email"] = ""
    website = (data.website or "").strip()
    if website and not re.fullmatch(r"https?://[^\s<>\"']{3,290}", website):
        problems["website"] = "Give the website as a full address, e.g. https://example.org."
    clean["website"] = website
    clean["specialties"] = _codes(data.specialties, vocab.SPECIALTIES)
    if not clean["specialties"]:
        problems["specialties"] = "Choose at least one specialty."
    clean["modalities"] = _codes(data.modalities, vocab.MODALITIES)
    clean["carriers"] = _codes(data.carriers, vocab.CARRIERS)
    clean["plan_types"] = _codes(data.plan_types, vocab.PLAN_TYPES)
    if not clean["plan_types"]:
        problems["plan_types"] = (
            "Choose the plan types and payment you accept (self-pay and sliding scale count)."
        )
    if not clean["carriers"] and "eap" not in clean["plan_types"]:
        # officers are promised a professional who takes their insurance
        problems["carriers"] = (
            "Choose at least one insurance carrier you accept (or EAP under plan types): the "
            "network lists professionals who take officers' insurance."
        )
    years = (data.officer_years or "0").strip()
    whole = years.isdecimal() and len(years) <= 2  # (a longer number is no one's career)
    if not whole or int(years) > 60:
        problems["officer_years"] = "Give your years of experience with officers (0 to 60)."
    clean["officer_years"] = int(years) if whole else 0
    for name, limit in TEXT_LIMITS.items():  # line breaks kept; refused, never cut, when long
        value = (getattr(data, name) or "").strip()
        if len(value) > limit:
            problems[name] = f"Keep this under {limit:,} characters (it has {len(value):,})."
        clean[name] = value
    clean["telehealth"] = bool(data.telehealth)
    clean["answers_24_7"] = bool(data.answers_24_7)
    clean["within_24h"] = bool(data.within_24h)
    if not (data.answers_24_7 or data.within_24h):
        problems["guarantee"] = (
            "Choose the guarantee you give officers: answering calls 24/7, scheduling within "
            "24 hours, or both."
        )
    clean["no_fitness_for_duty"] = bool(data.no_fitness_for_duty)
    if not data.no_fitness_for_duty:
        problems["no_fitness_for_duty"] = (
            "The network lists only professionals who do no fitness-for-duty evaluations for "
            "an officer's own agency; confirm this to apply."
        )
    clean["accepting_new"] = bool(data.accepting_new)
    return clean, problems


def sort_name(name: str) -> str:
    parts = name.split()
    return (" ".join(parts[-1:] + parts[:-1])).lower()


def tags_for(professional: Professional) -> set[str]:
    tags = {f"lic:{item['state']}" for item in professional.licenses}
    for prefix, attribute in (
        ("sp", "specialties"),
        ("md", "modalities"),
        ("ins", "carriers"),
        ("plan", "plan_types"),
    ):
        tags |= {f"{prefix}:{code}" for code in getattr(professional, attribute)}
    return tags


def write_tags(professional: Professional) -> None:
    """Rebuild a listing's search tags (flush only)."""
    db.session.flush()
    db.session.execute(delete(Tag).where(Tag.professional_id == professional.id))
    rows = [{"professional_id": professional.id, "tag": t} for t in sorted(tags_for(professional))]
    if rows:
        db.session.execute(insert(Tag), rows)


def _refuse_duplicates(email: str, today: date) -> None:
    """Refused while an application from the address is open, while the address is listed or
    suspended, and after a deferral until its re-apply date."""
    earlier = db.session.scalars(
        select(Professional).where(Professional.email == email).order_by(Professional.id.desc())
    ).all()
    statuses = {p.status for p in earlier}
    if statuses & set(OPEN_STATUSES):
        raise Conflict(
            "An application from this email address is already being reviewed. Its status "
            "link is in the confirmation email we sent."
        )
    if LISTED in statuses:
        raise Conflict(
            "You are already listed in the network's directory with this email address, so "
            "there is no need to apply again. To update your listing, use the re-confirmation "
            "link we email you, or ask us through the Contact page to change anything else."
        )
    if SUSPENDED in statuses:
        raise Conflict(
            "Your listing with this email address is suspended. Please contact the network "
            "through the Contact page instead of applying again."
        )
    last = earlier[0] if earlier else None  # every earlier application was deferred
    if last is not None and last.reapply_on and last.reapply_on > today:
        raise Conflict(
            f"Your earlier application was deferred; you may apply again from "
            f"{day_words(last.reapply_on)}."
        )


def submit_application(
    data: ApplicationInput, files: list[uploads.Incoming], *, now: datetime | None = None
) -> tuple[Professional, str]:
    """Store a complete application with its documents and queue the confirmation email; return
    it with its status token. Nothing is kept unless everything is valid."""
    now = now or utcnow()
    clean, problems = validate(data)
    try:
        checked = uploads.check(files)
    except InvalidInput as exc:
        problems["documents"] = exc.message
        checked = []
    if "documents" not in problems and not any(c.kind == "license" for c in checked):
        problems["documents"] = "Attach a copy of your license (PDF, PNG or JPEG)."
    if problems:
        raise ApplicationInvalid(problems)
    # two applications from one address sent at once take turns: the second finds the first
    serialized_on("professional-application:" + clean["email"])
    _refuse_duplicates(clean["email"], network_day(now))
    stored: list[str] = []
    try:
        professional = Professional(
            status=SUBMITTED, sort_name=sort_name(clean["name"]), submitted_at=now, **clean
        )
        db.session.add(professional)
        for item in checked:
            name = uploads.store(item)
            stored.append(name)
            professional.documents.append(
                Document(
                    kind=item.kind,
                    label=item.label,
                    stored_name=name,
                    content_type=item.content_type,
                    size=len(item.data),
                )
            )
        db.session.flush()
        token = status_token(professional)
        tell_professional(
            professional,
            "Your application to the WeNeverWalkAlone network",
            f"Dear {professional.name},\n\n"
            "Thank you for applying to be listed with the WeNeverWalkAlone network. We received "
            f"your application and {len(checked)} document(s).\n\n"
            "Network vetters will contact you to schedule an assessment (an office visit in the "
            "Chicago metro area, a video call elsewhere). You can follow your application here:\n"
            f"{LINK}\n\nKeep this link private: it shows your application.\n",
            link="status",
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.remove(stored)
        raise
    return professional, token


PROFESSIONAL_NOTICE = "professional_notice"
LINK = "{link}"  # where a notice's link goes; the link itself is made when it is sent


def tell_professional(p: Professional, subject: str, body: str, *, link: str) -> None:
    """Queue a notice to the professional (flush only) whose `body` has LINK where their
    private link goes: `link` "status" (their application's page) or "confirm" (re-confirm
    the listing). The queue keeps which professional and which link; the signed link is made
    when the message is sent (see wnwa/mail.py: no live token sits in the queue)."""
    mail.queue(
        p.email, PROFESSIONAL_NOTICE, professional_id=p.id, subject=subject, body=body, link=link
    )


# How each kind of link is made: "status" here, "confirm" by wnwa/professionals/listings.py.
LINK_MAKERS: dict[str, Callable[[Professional], str]] = {}


@mail.loader(PROFESSIONAL_NOTICE)
def _load_professional_notice(stored: dict, to: str) -> dict | None:
    """At send time: the notice with a fresh link, or None if the application is gone or its
    address was corrected since (the link must not reach the old mailbox)."""
    p = db.session.get(Professional, int(stored["professional_id"]))
    if p is None or p.email != to:
        return None
    url = LINK_MAKERS[stored["link"]](p)
    return {"subject": stored["subject"], "body": stored["body"].replace(LINK, url)}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=STATUS_SALT)


def status_token(professional: Professional) -> str:
    return _serializer().dumps({"p": professional.id})


def status_url(token: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/professionals/status/{token}"


def for_status_token(token: str) -> Professional:
    try:
        payload = _serializer().loads(token, max_age=int(STATUS_MAX_AGE.total_seconds()))
    except BadSignature:
        raise NotFound("This status link is not valid. Use the link from our email.") from None
    found = db.session.get(Professional, int(payload.get("p", 0)))
    if found is None:
        raise NotFound("This status link is not valid. Use the link from our email.")
    return found


@dataclass(frozen=True)
class StatusView:
    stage: str
    explanation: str
    reason: str
    reapply_on: str
    assessment: str


def status_view(p: Professional) -> StatusView:
    """What the applicant reads on their status page (no vetter names, no votes)."""
    assessment = ""
    if p.assessment_at is not None and not p.assessment_done:
        kind = "an office visit" if p.assessment_kind == "office" else "a video call"
        assessment = f"{kind} on {vocab.assessment_time(p.assessment_at)}"
    reapply = day_words(p.reapply_on) if p.reapply_on else ""
    if p.status == SUBMITTED:
        return StatusView(
            "Received",
            "Your application is waiting for network vetters, who will contact you to schedule "
            "an assessment.",
            "",
            "",
            assessment,
        )
    if p.status == IN_REVIEW:
        return StatusView(
            "Being vetted",
            "Network vetters are reviewing your application against your professional "
            "association's ethics code.",
            "",
            "",
            assessment,
        )
    if p.status == LISTED:
        return StatusView(
            "Listed",
            "Officers in member departments can find you in the network's directory.",
            "",
            "",
            "",
        )
    if p.status == SUSPENDED:
        return StatusView(
            "Listing paused",
            "Your listing is paused; the network will contact you.",
            "",
            "",
            "",
        )
    return StatusView(
        "Deferred",
        "The vetters deferred your application for now.",
        p.deferred_reason,
        reapply,
        "",
    )


LINK_MAKERS["status"] = lambda p: status_url(status_token(p))
