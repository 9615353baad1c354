"""Parsing requests into the services' inputs (no validation here: the services own the rules).
CSRF is checked for every POST by the app's CSRFProtect."""

from __future__ import annotations

from datetime import UTC, date, datetime

from werkzeug.datastructures import MultiDict

from wnwa.professionals import search, vocab
from wnwa.professionals.applications import ApplicationInput, LicenseInput
from wnwa.professionals.listings import Reconfirmation
from wnwa.professionals.uploads import Incoming
from wnwa.us_states import NETWORK_ZONE

LICENSE_ROWS = 5
# A field people never see (off-screen, out of the tab order, no autofill); bots fill it in.
# Not "website": the application has a real one.
HONEYPOT = "homepage"


def _flag(form: MultiDict, name: str) -> bool:
    return form.get(name) in ("1", "y", "on", "true")


def is_spam(form: MultiDict) -> bool:
    return bool((form.get(HONEYPOT) or "").strip())


def application(form: MultiDict) -> ApplicationInput:
    return ApplicationInput(
        name=form.get("name", ""),
        credentials=form.get("credentials", ""),
        license_type=form.get("license_type", ""),
        licenses=[
            LicenseInput(form.get(f"license_state_{i}", ""), form.get(f"license_number_{i}", ""))
            for i in range(LICENSE_ROWS)
        ],
        practice_name=form.get("practice_name", ""),
        street=form.get("street", ""),
        city=form.get("city", ""),
        state=form.get("state", ""),
        zip_code=form.get("zip_code", ""),
        phone=form.get("phone", ""),
        email=form.get("email", ""),
        website=form.get("website", ""),
        telehealth=_flag(form, "telehealth"),
        specialties=form.getlist("specialties"),
        modalities=form.getlist("modalities"),
        carriers=form.getlist("carriers"),
        plan_types=form.getlist("plan_types"),
        officer_years=form.get("officer_years", ""),
        officer_experience=form.get("officer_experience", ""),
        answers_24_7=_flag(form, "answers_24_7"),
        within_24h=_flag(form, "within_24h"),
        no_fitness_for_duty=_flag(form, "no_fitness_for_duty"),
        accepting_new=_flag(form, "accepting_new"),
        about=form.get("about", ""),
    )


def documents(files: MultiDict) -> list[Incoming]:
    return [
        Incoming(kind, upload.filename or "", upload.stream)
        for kind in vocab.DOCUMENT_KINDS
        for upload in files.getlist(f"doc_{kind}")
        if upload and upload.filename
    ]


def reconfirmation(form: MultiDict) -> Reconfirmation:
    return Reconfirmation(
        answers_24_7=_flag(form, "answers_24_7"),
        within_24h=_flag(form, "within_24h"),
        accepting_new=_flag(form, "accepting_new"),
        telehealth=_flag(form, "telehealth"),
        carriers=form.getlist("carriers"),
        plan_types=form.getlist("plan_types"),
        phone=form.get("phone", ""),
    )


def filters(args: MultiDict) -> search.Filters:
    def code(name: str, vocabulary: dict) -> str:
        value = args.get(name, "")
        return value if value in vocabulary else ""

    radius = args.get("radius", "25")
    page = args.get("page", "1")
    return search.Filters(
        specialty=code("specialty", vocab.SPECIALTIES),
        modality=code("modality", vocab.MODALITIES),
        carrier=code("carrier", vocab.CARRIERS),
        plan=code("plan", vocab.PLAN_TYPES),
        licensed_in=code("licensed_in", vocab.US_STATES),
        zip_code=(args.get("zip", "") or "").strip()[:10],
        radius=int(radius) if radius.isdecimal() and int(radius) in vocab.RADII else 25,
        telehealth=_flag(args, "telehealth"),
        answers_24_7=_flag(args, "answers_24_7"),
        accepting=_flag(args, "accepting"),
        include_stale=_flag(args, "stale"),
        page=int(page) if page.isdecimal() and 0 < int(page) < 1000 else 1,
    )


def when(value: str) -> datetime | None:
    """An assessment's datetime-local value ("2026-12-07T14:30"), typed in Central time, as
    UTC; None for anything else, a year out of reach (9999) included."""
    try:
        typed = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    if not 2000 <= typed.year <= 2100:
        return None
    return typed.replace(tzinfo=NETWORK_ZONE).astimezone(UTC)


def day(value: str) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def number(value: str, default: int = 0) -> int:
    value = (value or "").strip()
    return int(value) if value.isdecimal() and len(value) < 6 else default
