"""Peer-supporter directory use cases. Explicit arguments; a public use case commits once;
the functions other capabilities call (`unlist_users`, `refresh_listing`,
`listed_supporter_count`) only flush or read.

Certification is checked through `wnwa.training.certification`. The read model carries each
listing's certification window, so a lapse by date hides the listing with no write; any change
to certification rows made through the ORM re-syncs the listing on flush (see readmodel), and
code that changes them with Core bulk statements calls `refresh_listing(user_id)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select, update

from wnwa import emails, phones
from wnwa.directory import query, readmodel, vocab
from wnwa.directory.models import SupporterProfile
from wnwa.errors import InvalidInput, NotFound
from wnwa.extensions import db, utcnow
from wnwa.tenants.models import User
from wnwa.training.certification import certified_user_ids, is_certified
from wnwa.us_states import local_zone, network_day

MAX_BIO = 600
MAX_YEARS = 60
_CHUNK = 2000


# --- reading ---------------------------------------------------------------------------------


def search_directory(
    filters: query.SearchFilters, *, department_id: int, now: datetime | None = None
) -> query.SearchPage:
    """An officer's search; `department_id` is the officer's own (excluded unless asked).
    The page carries the number of matches (capped), unless only similar names were found;
    page one counts them in its own statement, later pages ask for them."""
    now = now or utcnow()
    result = query.search(filters, viewer_department_id=department_id, now=now)
    if result.total is None and not result.similar_names:
        result.total, result.total_now = query.count(
            filters, viewer_department_id=department_id, now=now
        )
    return result


def listing(entry_id: int, *, department_id: int, now: datetime | None = None) -> query.Listing:
    found = query.get_listing(entry_id, viewer_department_id=department_id, now=now or utcnow())
    if found is None:
        raise NotFound("That peer supporter is not in the directory.")
    return found


@dataclass(frozen=True)
class MyListing:
    """What a member sees on their own peer-supporter page."""

    certified: bool
    profile: SupporterProfile | None
    visible: bool
    availability: str


def my_listing(user: User, *, now: datetime | None = None) -> MyListing:
    now = now or utcnow()
    profile = _profile_of(user)
    certified = is_certified(user.id, network_day(now))
    visible = bool(profile and profile.listed and certified and user.active)
    label = ""
    if profile is not None and profile.status_until is not None:
        label, _ = query.availability(
            profile.status, int(profile.status_until.timestamp()), user.department.state, now
        )
    return MyListing(certified, profile, visible, label)


def _profile_of(user: User) -> SupporterProfile | None:
    return db.session.scalars(
        select(SupporterProfile).where(SupporterProfile.user_id == user.id)
    ).one_or_none()


# --- the supporter's own profile --------------------------------------------------------------


@dataclass(frozen=True)
class ProfileInput:
    display_name: str
    phone: str
    accepts_texts: bool = False
    contact_email: str = ""
    years_of_service: int = 0
    assignments: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en",)
    gender: str = ""
    career: str = "active"
    bio: str = ""


def normalise_phone(raw: str) -> str:
    """E.164 for a valid number (US numbers may omit +1), else InvalidInput."""
    e164 = phones.to_e164(raw)
    if e164 is None:
        raise InvalidInput(
            "That is not a phone number that can be called. Check the area code and digits, "
            "e.g. 312-555-0142.",
            field="phone",
        )
    return e164


def _codes(values: Iterable[str], vocabulary: dict[str, str], what: str) -> str:
    chosen = set(values)
    unknown = chosen - set(vocabulary)
    if unknown:
        raise InvalidInput(f"Unknown {what}: choose from the list.")
    return " ".join(code for code in vocabulary if code in chosen)


def _validated(data: ProfileInput) -> dict:
    name = " ".join((data.display_name or "").split())
    if not 2 <= len(name) <= 120:
        raise InvalidInput("Give the name to show, 2 to 120 characters.", field="display_name")
    if not any(c.isalnum() for c in name):
        raise InvalidInput(
            "Give a name with letters in it: officers search the directory by name.",
            field="display_name",
        )
    email = (data.contact_email or "").strip()
    if email:
        try:
            email = emails.normalise(email)
        except emails.InvalidEmail:
            raise InvalidInput("That email address is not valid.", field="contact_email") from None
    if not 0 <= data.years_of_service <= MAX_YEARS:
        raise InvalidInput(
            f"Years of service must be between 0 and {MAX_YEARS}.", field="years_of_service"
        )
    bio = (data.bio or "").strip()
    if len(bio) > MAX_BIO:
        raise InvalidInput(f"Keep the introduction under {MAX_BIO} characters.", field="bio")
    languages = _codes(data.languages, vocab.LANGUAGES, "language")
    if not languages:
        raise InvalidInput("Choose at least one language.")
    if data.gender and data.gender not in vocab.GENDERS:
        raise InvalidInput("Unknown gender: choose from the list.")
    if data.career not in vocab.CAREERS:
        raise InvalidInput("Choose active duty or retired.")
    return {
        "display_name": name,
        "phone": normalise_phone(data.phone),
        "accepts_texts": bool(data.accepts_texts),
        "contact_email": email,
        "years_of_service": data.years_of_service,
        "assignments": _codes(data.assignments, vocab.ASSIGNMENTS, "assignment"),
        "topics": _codes(data.topics, vocab.TOPICS, "topic"),
        "languages": languages,
        "gender": data.gender,
        "career": data.career,
        "bio": bio,
    }


def save_profile(user: User, data: ProfileInput, *, today: date | None = None) -> SupporterProfile:
    """Create or update the member's profile. A new profile needs a valid certification and is
    listed at once (creating it is the opt-in); an existing one keeps its listed choice."""
    values = _validated(data)
    profile = _profile_of(user)
    if profile is None:
        if not is_certified(user.id, today or network_day()):
            raise InvalidInput("Only members with a valid peer-support certification are listed.")
        profile = SupporterProfile(user_id=user.id, listed=True, **values)
        db.session.add(profile)
    else:
        for name, value in values.items():
            setattr(profile, name, value)
    db.session.commit()
    return profile


def set_listed(user: User, listed: bool, *, today: date | None = None) -> SupporterProfile:
    profile = _profile_of(user)
    if profile is None:
        raise NotFound("Create your profile first.")
    if listed and not is_certified(user.id, today or network_day()):
        raise InvalidInput("Only members with a valid peer-support certification are listed.")
    profile.listed = listed
    db.session.commit()
    return profile


def _next_quarter_hour(moment: datetime) -> datetime:
    """`moment` rounded up to :00, :15, :30 or :45: an end "now + hours" to the second would
    tell anyone who sees it (every officer, "until 3:37 AM") when the supporter was signed in."""
    start = moment.replace(minute=0, second=0, microsecond=0)
    quarters = -(-(moment - start) // timedelta(minutes=15))  # ceiling
    return start + quarters * timedelta(minutes=15)


def availability_until(
    status: str, *, state: str, now: datetime, hours: int | None = None, until: date | None = None
) -> datetime | None:
    """When a status ends by itself, or InvalidInput. '' clears the status."""
    zone = local_zone(state)
    local_today = now.astimezone(zone).date()

    def local_midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), zone).astimezone(now.tzinfo)

    if status == "":
        return None
    if status == vocab.STATUS_NOW:
        if hours not in vocab.NOW_HOURS:
            raise InvalidInput("Choose for how many hours you are available.", field="hours")
        return _next_quarter_hour(now + timedelta(hours=hours))
    if status == vocab.STATUS_LATER:
        return local_midnight(local_today + timedelta(days=1))
    if status in (vocab.STATUS_AWAY, vocab.STATUS_PAUSED):
        if until is None and status == vocab.STATUS_PAUSED:
            until = local_today + timedelta(days=vocab.PAUSE_DEFAULT_DAYS)
        if until is None or until <= local_today:
            raise InvalidInput("Choose the date you will be back (after today).", field="until")
        if until > local_today + timedelta(days=vocab.MAX_AWAY_DAYS):
            raise InvalidInput(f"Choose a date within {vocab.MAX_AWAY_DAYS} days.", field="until")
        return local_midnight(until)
    raise InvalidInput("Choose one of the availability options.")


def set_availability(
    user: User,
    status: str,
    *,
    hours: int | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> SupporterProfile:
    """Set (or clear) the status; the old one is overwritten, no history is kept."""
    profile = _profile_of(user)
    if profile is None:
        raise NotFound("Create your profile first.")
    ends = availability_until(
        status, state=user.department.state, now=now or utcnow(), hours=hours, until=until
    )
    profile.status = status
    profile.status_until = ends
    db.session.commit()
    return profile


# --- called by other capabilities (flush only) ------------------------------------------------


def unlist_users(user_ids: Iterable[int]) -> int:
    """Unlist these accounts of the bound department (departures, certification withdrawn).
    Returns how many listings were taken down. Flush only."""
    ids = sorted({int(i) for i in user_ids})
    changed = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        profiles = db.session.execute(
            select(SupporterProfile.id, SupporterProfile.listed).where(
                SupporterProfile.user_id.in_(chunk)
            )
        ).all()
        listed = [pid for pid, is_listed in profiles if is_listed]
        if listed:
            db.session.execute(
                update(SupporterProfile)
                .where(SupporterProfile.id.in_(listed))
                .values(listed=False)
                .execution_options(synchronize_session="fetch")
            )
        readmodel.remove_profiles([pid for pid, _ in profiles])
        changed += len(listed)
    db.session.flush()
    return changed


def refresh_listing(user_id: int) -> None:
    """Re-sync one account's listing after changes made without the ORM. Flush only."""
    db.session.flush()
    readmodel.sync_users([user_id])


def counts_toward_quota(on: date) -> tuple[ColumnElement[bool], ...]:
    """The one rule for a supporter who counts toward their department's quota on `on`: listed,
    an active sworn member of the profile's department, certified on that date. For a query
    over SupporterProfile joined to its User."""
    return (
        SupporterProfile.listed.is_(True),
        User.active.is_(True),
        User.sworn.is_(True),
        User.department_id == SupporterProfile.department_id,
        SupporterProfile.user_id.in_(certified_user_ids(on)),
    )


def listed_supporter_count(department_id: int, on: date) -> int:
    """Supporters of the bound department who count toward its quota on `on`."""
    return (
        db.session.scalar(
            select(func.count(SupporterProfile.id))
            .join(User, User.id == SupporterProfile.user_id)
            .where(SupporterProfile.department_id == department_id, *counts_toward_quota(on))
        )
        or 0
    )
