"""Demo training classes for `flask --app wsgi demo seed` (the lead calls `seed_training`)."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from wnwa.extensions import db
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context
from wnwa.training.classes import ClassInput, create_class
from wnwa.training.external import ExternalInput, submit_external
from wnwa.training.models import TrainingClass
from wnwa.training.seats import reserve_seat

ACTOR = "demo seed"
# The class whose seats the demo fills to its capacity, so the next reservation waits.
WAITLIST_CLASS = "4-day leader course"

DEMO_CLASSES = (
    # title, location, first day (days from today), number of days, hours, capacity, price
    ("3-day teammate course", "Naperville Police Training Center", 24, 3, 24, 24, 45000),
    ("4-day leader course", "Schaumburg Public Safety Academy", 52, 4, 32, 18, 65000),
    ("3-day teammate course", "Joliet Regional Training Facility", 87, 3, 24, 24, 45000),
)


def seed_training(today: date) -> int:
    """Schedule the demo classes unless classes exist already; returns how many were made."""
    if db.session.scalar(select(TrainingClass.id).limit(1)) is not None:
        return 0
    for title, location, offset, n_days, hours, capacity, price in DEMO_CLASSES:
        start = today + timedelta(days=offset)
        create_class(
            ClassInput(
                title=title,
                location=location,
                days=[start + timedelta(days=i) for i in range(n_days)],
                capacity=capacity,
                seats_per_department=4,
                price_cents=price,
                hours=hours,
                registration_deadline=start - timedelta(days=10),
            ),
            actor="demo seed",
            on=today,
        )
    return len(DEMO_CLASSES)


def _members(department: Department, count: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.sworn.is_(True), User.active.is_(True), User.is_chief.is_(False))
            .order_by(User.id.desc())
            .limit(count)
        ).all()
    )


def seed_waitlist(today: date, home: str) -> int:
    """Fill the leader course with seats from several departments, then reserve two more for
    `home` (the demo chief's department): one place is left, the other waits. Returns how many
    seats wait."""
    cls = db.session.scalar(select(TrainingClass).where(TrainingClass.title == WAITLIST_CLASS))
    if cls is None:
        return 0
    departments = db.session.scalars(select(Department).order_by(Department.sworn_declared.desc()))
    others = [d for d in departments if d.name != home]
    waiting = 0
    wanted = [(d, cls.seats_per_department or 4) for d in others[:4]]
    wanted.append((db.session.scalar(select(Department).where(Department.name == home)), 3))
    for department, count in wanted:
        if department is None:
            continue
        with tenant_context(department.id):
            for member in _members(department, count):
                seat = reserve_seat(
                    department,
                    class_id=cls.id,
                    officer=member.employee_number,
                    actor=ACTOR,
                    on=today,
                )
                waiting += seat.status == "waitlisted"
    return waiting


def _certificate_pdf(name: str, provider: str, course: str, hours: int) -> bytes:
    """A one-page PDF certificate, written by hand (no library needed for four lines)."""
    lines = [
        "Certificate of completion",
        f"{name} completed {course}",
        f"{provider}, {hours} hours",
    ]
    text = " ".join(
        f"BT /F1 {18 if i == 0 else 12} Tf 72 {720 - 40 * i} Td ({line}) Tj ET"
        for i, line in enumerate(lines)
    ).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def seed_external_submission(today: date, home: str) -> bool:
    """One certificate from another provider, submitted by `home`'s chief, waiting for review."""
    department = db.session.scalar(select(Department).where(Department.name == home))
    if department is None:
        return False
    with tenant_context(department.id):
        member = _members(department, 8)[-1]
        provider, course, hours = (
            "Midwest First Responder Peer Training",
            "Peer team basic course",
            24,
        )
        submit_external(
            department,
            ExternalInput(
                officer=member.employee_number,
                provider=provider,
                course=course,
                started_on=today - timedelta(days=45),
                ended_on=today - timedelta(days=43),
                hours=hours,
            ),
            io.BytesIO(_certificate_pdf(member.display_name, provider, course, hours)),
            actor=ACTOR,
            on=today,
        )
    return True
