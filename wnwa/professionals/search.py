"""The officer's professional directory: one read-only query module.

Filters are tag lookups (EXISTS on the (professional_id, tag) key) and plain columns. With a ZIP
code the listings are narrowed by a latitude/longitude bounding box in SQL (the (status,
lon_band, lat, lon, confirmed_at) index on both engines: the latitude range of each whole degree
of longitude the box crosses, read without touching the rows), then measured by haversine in
Python, kept within the radius and ordered nearest first. Without one, listings come in name
order off the (status, sort_name, id) index, a page at a time; a licence-state filter instead
starts from that state's few tag entries.

Each kind of search is one statement per shape (which filters are set), built once per process
with its values bound at each run, so a search pays for its SQL and little else.

Listings whose re-confirmation is overdue are flagged as stale; once the grace period has passed
too they drop out of the default results (an officer may include them). Nothing here writes or
logs: the ZIP code, state and filters exist only for the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.orm import aliased

from wnwa import phones
from wnwa.errors import NotFound
from wnwa.extensions import db
from wnwa.professionals import geo, vocab
from wnwa.professionals import settings as settings_service
from wnwa.professionals.models import LISTED, Professional, Tag
from wnwa.us_states import day_words

PAGE_SIZE = 25
MAX_CANDIDATES = 20000


@dataclass(frozen=True)
class Filters:
    specialty: str = ""
    modality: str = ""
    carrier: str = ""
    plan: str = ""
    licensed_in: str = ""
    zip_code: str = ""
    radius: int = 25
    telehealth: bool = False
    answers_24_7: bool = False
    accepting: bool = False
    include_stale: bool = False
    page: int = 1


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    name: str
    credentials: str
    license_label: str
    place: str
    distance: str
    phone_display: str
    tel: str
    guarantee: list[str]
    specialties: list[str]
    insurance: str
    telehealth: bool
    accepting_new: bool
    stale: bool


@dataclass
class Results:
    cards: list[Card] = field(default_factory=list)
    page: int = 1
    has_next: bool = False
    zip_unknown: bool = False
    origin: str = ""


def guarantee(p) -> list[str]:
    found = []
    if p.answers_24_7:
        found.append("Answers calls 24/7")
    if p.within_24h:
        found.append("Sees you within 24 hours")
    return found


def _cutoffs(now: datetime) -> tuple[datetime, datetime]:
    """(stale before, dropped before): confirmed earlier than these is stale / dropped."""
    current = settings_service.current()
    stale = now - timedelta(days=current.reconfirm_days)
    return stale, stale - timedelta(days=current.grace_days)


@dataclass(frozen=True)
class _Shape:
    """What a search's statement looks like, whatever the values: one statement is built per
    shape, once per process, and its values are bound at each run."""

    tags: int
    telehealth: bool
    answers_24_7: bool
    accepting: bool
    include_stale: bool


def _shape(filters: Filters, tags: list[str]) -> _Shape:
    return _Shape(
        len(tags),
        filters.telehealth,
        filters.answers_24_7,
        filters.accepting,
        filters.include_stale,
    )


def _has(i: int, listing=Professional.id):
    """Listing `listing` holds the i-th tag of the search."""
    tag = aliased(Tag)
    return exists().where(and_(tag.professional_id == listing, tag.tag == bindparam(f"tag{i}")))


def _tags(filters: Filters) -> list[str]:
    """The filters' tags, the narrowest kind first: a licence state holds a few percent of the
    listings, a carrier or a specialty about a third, a plan type a third or more."""
    return [
        f"{prefix}:{code}"
        for prefix, code, vocabulary in (
            ("lic", filters.licensed_in, vocab.US_STATES),
            ("md", filters.modality, vocab.MODALITIES),
            ("ins", filters.carrier, vocab.CARRIERS),
            ("sp", filters.specialty, vocab.SPECIALTIES),
            ("plan", filters.plan, vocab.PLAN_TYPES),
        )
        if code in vocabulary
    ]


def _refinements(shape: _Shape, *, tags: bool = True) -> list:
    """The conditions after the listing's status: the columns' first (read off the index), then
    the tags' lookups."""
    conditions = []
    if not shape.include_stale:
        conditions.append(Professional.confirmed_at >= bindparam("dropped_before"))
    if shape.telehealth:
        conditions.append(Professional.telehealth.is_(True))
    if shape.answers_24_7:
        conditions.append(Professional.answers_24_7.is_(True))
    if shape.accepting:
        conditions.append(Professional.accepting_new.is_(True))
    if tags:
        conditions += [_has(i) for i in range(shape.tags)]
    return conditions


CARD_COLUMNS = (
    Professional.id,
    Professional.name,
    Professional.credentials,
    Professional.license_type,
    Professional.city,
    Professional.state,
    Professional.phone,
    Professional.answers_24_7,
    Professional.within_24h,
    Professional.specialties,
    Professional.carriers,
    Professional.plan_types,
    Professional.telehealth,
    Professional.accepting_new,
    Professional.confirmed_at,
)


@lru_cache(maxsize=64)
def _near_statement(shape: _Shape):
    """Listings in a latitude/longitude box, read off the (status, lon_band, lat, lon,
    confirmed_at) index band by band: ids and positions only, for the distance to be measured
    in Python. The tags are looked up only for the listings inside the box."""
    return (
        select(Professional.id, Professional.lat, Professional.lon)
        .where(
            Professional.status == LISTED,
            Professional.lon_band.in_(bindparam("bands", expanding=True)),
            Professional.lat.between(bindparam("min_lat"), bindparam("max_lat")),
            Professional.lon.between(bindparam("min_lon"), bindparam("max_lon")),
            *_refinements(shape),
        )
        .limit(MAX_CANDIDATES)
    )


_CARDS_BY_ID = select(*CARD_COLUMNS).where(Professional.id.in_(bindparam("ids", expanding=True)))


@lru_cache(maxsize=64)
def _by_name_statement(shape: _Shape, in_state: bool):
    """A page of listings in name order. With a licence state (the first tag), that state's few
    tag entries are read and checked against the other tags on the tag index alone; only the
    listings holding them all are read and sorted."""
    if in_state:
        state = aliased(Tag)
        holders = select(state.professional_id).where(
            state.tag == bindparam("tag0"),
            *(_has(i, state.professional_id) for i in range(1, shape.tags)),
        )
        conditions = [
            Professional.id.in_(holders),
            Professional.status == LISTED,
            *_refinements(shape, tags=False),
        ]
    else:
        conditions = [Professional.status == LISTED, *_refinements(shape)]
    return (
        select(*CARD_COLUMNS)
        .where(*conditions)
        .order_by(Professional.sort_name, Professional.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


def _run(statement, values: dict) -> list:
    """Run a prebuilt statement on the session's connection (and so its transaction). The
    statement object is reused, so SQLAlchemy computes its cache key once; these tables have no
    department, so the ORM's tenant filter has nothing to add."""
    return db.session.connection().execute(statement, values).all()


def _card(row, stale_before: datetime, miles: float | None) -> Card:
    insurance = vocab.labels(row.carriers, vocab.CARRIERS) + vocab.labels(
        row.plan_types, vocab.PLAN_TYPES
    )
    return Card(
        id=row.id,
        name=row.name,
        credentials=row.credentials,
        license_label=vocab.LICENSE_TYPES.get(row.license_type, ""),
        place=f"{row.city}, {row.state}",
        distance="" if miles is None else f"{miles:.1f} mi",
        phone_display=phones.display(row.phone),
        tel=f"tel:{row.phone}",
        guarantee=guarantee(row),
        specialties=vocab.labels(row.specialties, vocab.SPECIALTIES)[:4],
        insurance=", ".join(insurance[:6]),
        telehealth=row.telehealth,
        accepting_new=row.accepting_new,
        stale=row.confirmed_at is None or row.confirmed_at < stale_before,
    )


def search(filters: Filters, *, now: datetime) -> Results:
    page = max(1, min(filters.page, 400))
    stale_before, dropped_before = _cutoffs(now)
    tags = _tags(filters)
    shape = _shape(filters, tags)
    values = {f"tag{i}": tag for i, tag in enumerate(tags)}
    if not shape.include_stale:
        values["dropped_before"] = dropped_before
    zip_code = geo.normalize_zip(filters.zip_code) if filters.zip_code else None
    if filters.zip_code:
        center = geo.centroid(zip_code) if zip_code else None
        if center is None:
            return Results(zip_unknown=True)
        radius = filters.radius if filters.radius in vocab.RADII else 25
        box = geo.bounding_box(center, radius)
        candidates = _run(
            _near_statement(shape),
            values
            | {
                "bands": geo.lon_bands(box),
                "min_lat": box.min_lat,
                "max_lat": box.max_lat,
                "min_lon": box.min_lon,
                "max_lon": box.max_lon,
            },
        )
        near = sorted(
            (d, pid)
            for pid, lat, lon in candidates
            if (d := geo.haversine_miles(center, geo.Point(lat, lon))) <= radius
        )
        window = near[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        rows = {r.id: r for r in _run(_CARDS_BY_ID, {"ids": [pid for _, pid in window]})}
        city = geo.place(zip_code)
        return Results(
            cards=[_card(rows[pid], stale_before, d) for d, pid in window if pid in rows],
            page=page,
            has_next=len(near) > page * PAGE_SIZE,
            origin=f"{zip_code} ({city[0]}, {city[1]})" if city else zip_code,
        )
    in_state = filters.licensed_in in vocab.US_STATES
    rows = _run(
        _by_name_statement(shape, in_state),
        values | {"offset": (page - 1) * PAGE_SIZE, "limit": PAGE_SIZE + 1},
    )
    return Results(
        cards=[_card(r, stale_before, None) for r in rows[:PAGE_SIZE]],
        page=page,
        has_next=len(rows) > PAGE_SIZE,
    )


@dataclass(frozen=True)
class Profile:
    card: Card
    about: str
    licenses: list[str]
    modalities: list[str]
    specialties: list[str]
    carriers: list[str]
    plan_types: list[str]
    officer_years: int
    officer_experience: str
    practice: str
    address: str
    website: str
    email: str
    confirmed_on: str


def profile(professional_id: int, *, now: datetime) -> Profile:
    p = db.session.get(Professional, professional_id)
    if p is None or p.status != LISTED:
        raise NotFound("That listing is not in the directory.")
    card = _card(p, _cutoffs(now)[0], None)
    return Profile(
        card=card,
        about=p.about,
        licenses=[
            f"{vocab.US_STATES.get(x['state'], x['state'])} ({x['number']})" for x in p.licenses
        ],
        modalities=vocab.labels(p.modalities, vocab.MODALITIES),
        specialties=vocab.labels(p.specialties, vocab.SPECIALTIES),
        carriers=vocab.labels(p.carriers, vocab.CARRIERS),
        plan_types=vocab.labels(p.plan_types, vocab.PLAN_TYPES),
        officer_years=p.officer_years,
        officer_experience=p.officer_experience,
        practice=p.practice_name,
        address=f"{p.street}, {p.city}, {p.state} {p.zip_code}",
        website=p.website,
        email=p.email,
        confirmed_on=day_words(p.confirmed_at) if p.confirmed_at else "not yet",
    )
