"""Demo professionals for `make run` and 15,000 for `demo seed --scale us`.

Rows are written directly (no mail, no audit: nobody applied), with their search tags. The demo
set has a few dozen listings across several states (the Chicago metro area first), a mix of
insurance and guarantees, applications waiting in the queue and one deferral.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from wnwa.extensions import db, utcnow
from wnwa.professionals import geo, uploads, vocab
from wnwa.professionals.applications import sort_name, tags_for
from wnwa.professionals.models import (
    DEFERRED,
    IN_REVIEW,
    LISTED,
    OFFICE,
    SUBMITTED,
    Document,
    Professional,
    Tag,
)
from wnwa.us_states import NETWORK_ZONE

FIRST = (
    "Maria", "James", "Aisha", "Robert", "Elena", "David", "Priya", "Michael", "Grace", "Daniel",
    "Sofia", "Thomas", "Naomi", "Kevin", "Leah", "Marcus", "Hannah", "Victor", "Julia", "Samuel",
    "Renee", "Carlos", "Denise", "Patrick", "Monica", "Andre", "Colleen", "Omar", "Tessa", "Frank",
)  # fmt: skip
LAST = (
    "Alvarez", "Brennan", "Chen", "Dubois", "Esposito", "Fitzgerald", "Garcia", "Hoffman",
    "Ibrahim", "Jablonski", "Kowalski", "Lindqvist", "Murphy", "Nguyen", "O'Connor", "Patel",
    "Quinlan", "Romero", "Sullivan", "Thompson", "Underwood", "Vasquez", "Walsh", "Yamamoto",
    "Zielinski", "Okafor", "Novak", "Haddad", "Kim", "Brooks",
)  # fmt: skip
CREDENTIALS = {
    "psychologist": ("PhD", "PsyD"),
    "psychiatrist": ("MD", "DO"),
    "lcsw": ("LCSW",),
    "lcpc": ("LCPC", "LPC"),
    "lmft": ("LMFT",),
    "pmhnp": ("PMHNP-BC",),
    "ladc": ("CADC", "LADC"),
}
PRACTICES = (
    "Counseling Associates", "Behavioral Health", "Psychological Services", "Trauma Center",
    "Family Therapy", "Wellness Group", "First Responder Counseling", "Psychiatry",
)  # fmt: skip

STREETS = ("Main St", "Oak Ave", "Washington St", "Lake St", "Center Rd", "Park Ave", "2nd St")
EXPERIENCE = (
    "Contract clinician for several suburban departments; critical-incident debriefings.",
    "Former department psychologist; trained in line-of-duty death response.",
    "Spouse of a retired sergeant; works with officers and their families.",
    "Runs a weekly group for first responders in recovery.",
    "Provides EAP sessions for county sheriff's deputies.",
)
ABOUT = (
    "I know shift work and the job's culture. Call me directly; I answer my own phone.",
    "Evening and weekend appointments. Telehealth anywhere I am licensed.",
    "Confidential, no reports to your agency, ever.",
    "I work with officers and spouses, separately or together.",
)
# (zip code, city, state) for the demo set: the Chicago metro first, then other states.
DEMO_PLACES = (
    ("60601", "Chicago", "IL"), ("60614", "Chicago", "IL"), ("60505", "Aurora", "IL"),
    ("60540", "Naperville", "IL"), ("60201", "Evanston", "IL"), ("60120", "Elgin", "IL"),
    ("60187", "Wheaton", "IL"), ("60126", "Elmhurst", "IL"), ("60068", "Park Ridge", "IL"),
    ("60430", "Homewood", "IL"), ("60435", "Joliet", "IL"), ("60174", "St. Charles", "IL"),
    ("60560", "Yorkville", "IL"), ("60450", "Morris", "IL"), ("62301", "Quincy", "IL"),
    ("62701", "Springfield", "IL"), ("61820", "Champaign", "IL"), ("53202", "Milwaukee", "WI"),
    ("53703", "Madison", "WI"), ("46204", "Indianapolis", "IN"), ("46320", "Hammond", "IN"),
    ("48226", "Detroit", "MI"), ("63101", "St. Louis", "MO"), ("55401", "Minneapolis", "MN"),
    ("43215", "Columbus", "OH"), ("80202", "Denver", "CO"), ("78701", "Austin", "TX"),
    ("85004", "Phoenix", "AZ"), ("30303", "Atlanta", "GA"), ("19103", "Philadelphia", "PA"),
    ("10001", "New York", "NY"), ("98101", "Seattle", "WA"),
)  # fmt: skip
NEIGHBOURS = {
    "IL": ("WI", "IN", "IA", "MO"),
    "WI": ("IL", "MN"),
    "IN": ("IL", "OH"),
    "MI": ("OH",),
    "MO": ("IL", "KS"),
}


def _sample(rng: random.Random, vocabulary: dict[str, str], low: int, high: int) -> list[str]:
    chosen = set(rng.sample(list(vocabulary), rng.randint(low, high)))
    return [code for code in vocabulary if code in chosen]


def _row(rng: random.Random, n: int, zip_code: str, city: str, state: str, now: datetime) -> dict:
    license_type = rng.choices(list(CREDENTIALS), weights=(30, 8, 22, 20, 10, 7, 3))[0]
    first, last = rng.choice(FIRST), rng.choice(LAST)
    name = f"{first} {last}"
    point = geo.centroid(zip_code)
    states = [state] + rng.sample(
        NEIGHBOURS.get(state, ()), rng.randint(0, 1) if NEIGHBOURS.get(state) else 0
    )
    answers, within = rng.choice(((True, True), (True, False), (False, True), (False, True)))
    plans = _sample(rng, {k: v for k, v in vocab.PLAN_TYPES.items()}, 1, 4)
    if "self_pay" not in plans and rng.random() < 0.6:
        plans.append("self_pay")
    return {
        "status": LISTED,
        "name": name,
        "sort_name": sort_name(name),
        "credentials": rng.choice(CREDENTIALS[license_type]),
        "license_type": license_type,
        "licenses": [
            {"state": s, "number": f"{rng.randint(10, 99)}-{rng.randint(10000, 99999)}"}
            for s in states
        ],
        "practice_name": f"{last} {rng.choice(PRACTICES)}",
        "street": f"{rng.randint(10, 9800)} {rng.choice(STREETS)}",
        "city": city,
        "state": state,
        "zip_code": zip_code,
        "lat": point.lat,
        "lon": point.lon,
        "lon_band": geo.lon_band(point.lon),  # a bulk insert passes no validator
        "phone": f"+1{geo.area_code(zip_code)}555{100 + n % 100:04d}",
        "email": f"{first}.{last}.{n}@practice.demo".lower().replace("'", ""),
        "website": "",
        "telehealth": rng.random() < 0.7,
        "specialties": _sample(rng, vocab.SPECIALTIES, 2, 5),
        "modalities": _sample(rng, vocab.MODALITIES, 1, 3),
        "carriers": _sample(rng, vocab.CARRIERS, 1, 5),
        "plan_types": plans,
        "officer_years": rng.randint(1, 25),
        "officer_experience": rng.choice(EXPERIENCE),
        "answers_24_7": answers,
        "within_24h": within,
        "no_fitness_for_duty": True,
        "accepting_new": rng.random() < 0.85,
        "about": rng.choice(ABOUT),
        "submitted_at": now - timedelta(days=rng.randint(200, 900)),
        "decided_at": now - timedelta(days=rng.randint(190, 199)),
        "confirmed_at": now - timedelta(days=rng.randint(0, 170)),
    }


def _insert(rows: list[dict]) -> None:
    for chunk in _chunks(rows, 2000):
        ids = db.session.scalars(
            insert(Professional).returning(Professional.id, sort_by_parameter_order=True), chunk
        ).all()
        tags = []
        for pid, row in zip(ids, chunk, strict=True):
            probe = Professional(
                **{
                    k: row[k]
                    for k in ("licenses", "specialties", "modalities", "carriers", "plan_types")
                }
            )
            tags += [{"professional_id": pid, "tag": t} for t in sorted(tags_for(probe))]
        for tag_chunk in _chunks(tags, 5000):
            db.session.execute(insert(Tag), tag_chunk)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def seed_demo_professionals(rng: random.Random, now: datetime | None = None) -> int:
    """About three dozen listings, three applications waiting, one deferred; once."""
    now = now or utcnow()
    if db.session.scalar(select(func.count()).select_from(Professional)):
        return 0
    rows = []
    for n, (zip_code, city, state) in enumerate(DEMO_PLACES * 2):
        if n >= 40:
            break
        rows.append(_row(rng, n, zip_code, city, state, now))
    rows[5]["confirmed_at"] = now - timedelta(days=190)  # stale: flagged to officers and staff
    rows[6]["recheck_since"] = (now - timedelta(days=2)).date()  # an officer asked for a re-check
    for n, status in enumerate((SUBMITTED, SUBMITTED, IN_REVIEW, DEFERRED)):
        row = rows[-(n + 1)]
        row.update(status=status, submitted_at=now - timedelta(days=3 + 9 * n), confirmed_at=None)
        row["decided_at"] = None
        if status == DEFERRED:
            row.update(
                decided_at=now - timedelta(days=20),
                deferred_reason="No experience with officers yet; the vetters suggest a "
                "first-responder course before applying again.",
                reapply_on=(now + timedelta(days=160)).date(),
                rule="unanimous",
                rule_min_votes=2,
            )
    _insert(rows)
    db.session.execute(
        Tag.__table__.delete().where(
            Tag.professional_id.in_(select(Professional.id).where(Professional.status != LISTED))
        )
    )
    _attach_documents(now)
    db.session.commit()
    return len(rows)


def seed_demo_vetting(now: datetime | None = None) -> Professional | None:
    """The demo application in review, part way through: the demo vetter and network admin
    assigned, an office visit booked for later this week, the admin's vote in; the vetter's
    vote decides it. Through the vetting services, so its history reads as a real one."""
    from wnwa.auth.models import StaffAccount
    from wnwa.professionals import vetting

    now = now or utcnow()
    application = db.session.scalar(
        select(Professional).where(Professional.status == IN_REVIEW).order_by(Professional.id)
    )
    staff = {
        role: db.session.scalar(
            select(StaffAccount).where(StaffAccount.role == role).order_by(StaffAccount.id)
        )
        for role in ("network_admin", "vetter")
    }
    if application is None or application.votes or None in staff.values():
        return None
    admin, vetter = staff["network_admin"], staff["vetter"]
    for person in (admin, vetter):
        vetting.assign(application.id, person.id, actor=admin, now=now)
    visit = (now.astimezone(NETWORK_ZONE) + timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    vetting.schedule(application.id, kind=OFFICE, at=visit, held=False, notes="", actor=admin)
    vetting.vote(application.id, choice="approve", reason="", actor=admin, now=now)
    return application


def _attach_documents(now: datetime) -> None:
    """Each demo professional's application documents (license, CV, malpractice insurance, a
    reference) as small PDFs marked as demo files, stored as uploads are, so the vetting pages
    show what a vetter reads."""
    for professional in db.session.scalars(select(Professional).order_by(Professional.id)):
        for kind, title in vocab.DOCUMENT_KINDS.items():
            data = _demo_pdf(f"{title}: {professional.name}, {professional.credentials}")
            label = f"{title.lower().replace(' ', '-')}-{professional.name.split()[-1].lower()}.pdf"
            item = uploads.Checked(kind, label, data, "application/pdf", "pdf")
            db.session.add(
                Document(
                    professional_id=professional.id,
                    kind=kind,
                    label=label,
                    stored_name=uploads.store(item),
                    content_type=item.content_type,
                    size=len(data),
                    uploaded_at=professional.submitted_at or now,
                )
            )


def _demo_pdf(line: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 12, "Demo document (not a real record)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 12)
    pdf.multi_cell(0, 8, line.encode("latin-1", "replace").decode("latin-1"))
    return bytes(pdf.output())


def seed_us_professionals(count: int = 15000, rng: random.Random | None = None) -> int:
    """`count` listed professionals at ZIP codes across the country (every ZIP code equally
    likely, so denser areas, which have more ZIP codes, get more)."""
    rng = rng or random.Random(15000)  # demo data  # noqa: S311  # nosec B311
    now = utcnow()
    zips = geo.all_zip_codes()
    rows = []
    for n in range(count):
        zip_code, city, state = rng.choice(zips)
        if state not in vocab.US_STATES:
            state = "IL"
        row = _row(rng, 100000 + n, zip_code, city or "Springfield", state, now)
        row["email"] = f"p{n}@us-scale.example"
        rows.append(row)
    _insert(rows)
    db.session.commit()
    return count
