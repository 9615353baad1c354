"""Who hears about training events, through the mail queue (flush only)."""

from __future__ import annotations

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
