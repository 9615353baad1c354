"""Demo peer supporters for `make run`: a few certified, listed officers in each department."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from wnwa.directory import vocab
from wnwa.directory.models import SupporterProfile
from wnwa.directory.services import ProfileInput, save_profile, set_availability
from wnwa.directory.vocab import ASSIGNMENTS, TOPICS
from wnwa.extensions import db, utcnow
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


# The demo rosters' first names that are women's names; every other demo first name is a man's.
WOMEN = frozenset(
    "Maria Linda Patricia Jennifer Elizabeth Susan Jessica Sarah Ana Karen Nancy Lisa Betty "
    "Sandra Ashley Kimberly Emily Donna Dana".split()
)


def gender_of(first_name: str) -> str:
    """The gender a demo profile states, matching its first name."""
    return "woman" if first_name in WOMEN else "man"


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
                        gender=gender_of(user.first_name),
                        career="retired" if rng.random() < 0.1 else "active",
                        bio=rng.choice(BIOS),
                    ),
                    today=today,
                )
                listed += 1
    return listed


def list_demo_peer(user: User, today: date, rng: random.Random) -> None:
    """Certify and list the demo peer-supporter login, available now: the account shows how a
    supporter keeps a listing and sets availability."""
    add_certification(
        user,
        source="class",
        course="3-day teammate course",
        on=today - timedelta(days=200),
        actor="demo seed",
    )
    save_profile(
        user,
        ProfileInput(
            display_name=user.display_name,
            phone="+16305550142",
            accepts_texts=True,
            years_of_service=14,
            assignments=("patrol", "supervisor"),
            topics=("grief", "critical"),
            languages=("en", "es"),
            gender=gender_of(user.first_name),
            career="active",
            bio="Patrol sergeant on nights. Lost my brother in 2019; I answer texts any shift.",
        ),
        today=today,
    )


def refresh_demo_availability(rng: random.Random, now: datetime | None = None) -> int:
    """Fresh availability for the demo supporters, so a demo always has some available now:
    about a quarter available now, some later today, a few away. Returns how many are now."""
    now = now or utcnow()
    available = 0
    departments = db.session.scalars(select(Department).order_by(Department.id)).all()
    for department in departments:
        with tenant_context(department.id):
            profiles = db.session.scalars(
                select(SupporterProfile).order_by(SupporterProfile.id)
            ).all()
            for profile in profiles:
                user = db.session.scalar(select(User).where(User.id == profile.user_id))
                if user is None:
                    continue
                roll = rng.random()
                if user.email.startswith("peer@") or roll < 0.25:
                    set_availability(user, vocab.STATUS_NOW, hours=rng.choice((8, 12)), now=now)
                    available += 1
                elif roll < 0.45:
                    set_availability(user, vocab.STATUS_LATER, now=now)
                elif roll < 0.55:
                    back = now.date() + timedelta(days=rng.randint(3, 14))
                    set_availability(user, vocab.STATUS_AWAY, until=back, now=now)
                else:
                    set_availability(user, "", now=now)
    return available
