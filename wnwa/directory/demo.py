"""Demo peer supporters for `make run`: a few certified, listed officers in each department."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from wnwa.directory.services import ProfileInput, save_profile, set_availability
from wnwa.directory.vocab import ASSIGNMENTS, GENDERS, STATUS_LATER, STATUS_NOW, TOPICS
from wnwa.extensions import db
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context
from wnwa.training.certification import add_certification

BIOS = (
    "Twenty years on patrol. I have been where you are; call any time.",
    "Former SWAT team leader. Lost a partner in 2015 and got through it with help.",
    "Detective, married to a dispatcher. Happy to talk about anything, no judgment.",
    "In recovery since 2012. I answer texts faster than calls.",
    "Army veteran and night-shift sergeant. Night owls welcome.",
)


def seed_demo_supporters(today: date, rng: random.Random, per_department: int = 3) -> int:
    """Certify and list a few sworn officers per department; returns how many were listed."""
    listed = 0
    departments = db.session.scalars(select(Department).order_by(Department.id)).all()
    for n, department in enumerate(departments):
        with tenant_context(department.id):
            candidates = db.session.scalars(
                select(User)
                .where(User.sworn.is_(True), User.active.is_(True), User.is_chief.is_(False))
                .order_by(User.id)
                .limit(per_department)
            ).all()
            for i, user in enumerate(candidates):
                add_certification(
                    user,
                    source="class",
                    course="3-day teammate course",
                    on=today - timedelta(days=rng.randint(30, 900)),
                    actor="demo seed",
                )
                save_profile(
                    user,
                    ProfileInput(
                        display_name=user.display_name,
                        phone=f"+1312555{1000 + n * per_department + i:04d}",
                        accepts_texts=rng.random() < 0.6,
                        years_of_service=rng.randint(4, 30),
                        assignments=tuple(rng.sample(sorted(ASSIGNMENTS), 2)),
                        topics=tuple(rng.sample(sorted(TOPICS), 2)),
                        languages=("en", "es") if rng.random() < 0.2 else ("en",),
                        gender=rng.choice(sorted(GENDERS)),
                        career="retired" if rng.random() < 0.1 else "active",
                        bio=rng.choice(BIOS),
                    ),
                    today=today,
                )
                # Some are on call right now, a few later today (the rest set no status).
                if (n + i) % 4 == 0:
                    set_availability(user, STATUS_NOW, hours=8)
                elif (n + i) % 7 == 0:
                    set_availability(user, STATUS_LATER)
                listed += 1
    return listed
