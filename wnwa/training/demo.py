"""Demo training classes for `flask --app wsgi demo seed` (the lead calls `seed_training`)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from wnwa.extensions import db
from wnwa.training.classes import ClassInput, create_class
from wnwa.training.models import TrainingClass

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
