"""Who hears about training events, through the mail queue (flush only).

Chiefs get plain notices (`tell_chiefs`); the officer a seat or certification is about gets
that event's own message (`tell_officer`, a template pair under templates/mail/)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from wnwa import mail
from wnwa.auth.models import StaffAccount
from wnwa.extensions import db
from wnwa.tenants.models import User
from wnwa.tenants.scoping import acting_for


def link(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def chief_emails(department_id: int) -> list[str]:
    with acting_for(department_id):
        return sorted(
            set(
                db.session.scalars(
                    select(User.email).where(User.is_chief.is_(True), User.active.is_(True))
                )
            )
        )


def admin_emails() -> list[str]:
    return sorted(
        set(
            db.session.scalars(
                select(StaffAccount.email).where(
                    StaffAccount.role == "network_admin", StaffAccount.active.is_(True)
                )
            )
        )
    )


def tell_chiefs(department_id: int, subject: str, body: str) -> int:
    addresses = chief_emails(department_id)
    for address in addresses:
        mail.enqueue(address, subject[:200], body + f"\n\n{link('/department/peer-support')}\n")
    return len(addresses)


def tell_admins(subject: str, body: str, path: str) -> int:
    addresses = admin_emails()
    for address in addresses:
        mail.enqueue(address, subject[:200], body + f"\n\n{link(path)}\n")
    return len(addresses)


def when(day: date) -> str:
    """A date as the messages write it: "January 12, 2027"."""
    return f"{day:%B} {day.day}, {day.year}"


def class_facts(cls: Any) -> dict[str, str]:
    """What a message says about a class."""
    return {
        "class_title": cls.title,
        "starts_on": when(cls.starts_on),
        "ends_on": when(cls.ends_on),
        "location": cls.location,
    }


# The messages an officer gets about their own training.
OFFICER_TEMPLATES = (
    "seat_approved",
    "seat_waitlisted",
    "seat_declined",
    "seat_promoted",
    "certification_granted",
    "external_accepted",
    "external_declined",
)


def tell_officer(user: User, template: str, **context: Any) -> None:
    """Queue the message `template` to the officer it is about (flush only). `chief`: the
    officer is a chief (who manages seats, and has no chief to ask)."""
    if template not in OFFICER_TEMPLATES:
        raise ValueError(f"{template} is not an officer's training message")
    mail.queue(
        user.email,
        template,
        user_id=user.id,
        department_id=user.department_id,
        first_name=user.first_name,
        chief=user.is_chief,
        **context,
    )


def _still_theirs(stored: dict[str, Any], to: str) -> dict[str, Any] | None:
    """At send time: the message, unless the officer has left the roster since it was queued
    or their address has been corrected (it would reach a mailbox that is not theirs)."""
    if "user_id" not in stored:  # queued before messages named their officer
        return stored
    with acting_for(int(stored["department_id"])):
        email = db.session.scalar(
            select(User.email).where(User.id == int(stored["user_id"]), User.active.is_(True))
        )
    return stored if email == to else None


for _template in OFFICER_TEMPLATES:
    mail.loader(_template)(_still_theirs)
