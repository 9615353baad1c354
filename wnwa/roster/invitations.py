"""Activation invitations: one e-mail text for everyone, queued for the mail worker.

The text and the link are the same whether or not the person has set a password before (the
link is stateless and bound to the current password hash, so it also works as "choose a new
password", with the second factor for an account that has one): neither the chief's screens
nor the e-mail can tell who has activated.

The queue holds only a reference (department and account ids): the worker renders each
invitation when it sends it (`load_invitation`), so the activation link is made then, from the
account as it is at that moment, and no live link sits in the database. An invitation for
someone who has left the roster by then is not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import String, bindparam, cast, insert, literal, select

from wnwa import emails, mail
from wnwa.auth.services import activation_token
from wnwa.database import one_of
from wnwa.extensions import db, utcnow
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import acting_for

TEMPLATE = "invitation"


@dataclass(frozen=True)
class Invitee:
    """The few facts an invitation needs; also what activation_token() reads."""

    id: int
    email: str
    first_name: str
    password_hash: str
    kind: str = "u"


def activation_link(invitee: Invitee | User) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/activate/{activation_token(invitee)}"


def _reference(invitee: Invitee, department_id: int) -> dict[str, int]:
    return {"department_id": department_id, "user_id": invitee.id}


def queue_invitation(invitee: Invitee, department_id: int) -> None:
    """Queue one invitation inside the caller's transaction (flush only)."""
    mail.queue(invitee.email, TEMPLATE, **_reference(invitee, department_id))


def queue_invitations(invitees: Sequence[Invitee], department_id: int) -> int:
    """Queue an invitation to each of these new accounts of the bound department with one
    INSERT ... SELECT from the accounts themselves (flush only): the context is the text
    mail.encode_context writes, built by the database, so no row is built or sent per
    invitation."""
    if not invitees:
        return 0
    jobs = mail.MailJob.__table__
    context = (
        literal(f'{{"department_id":{int(department_id)},"user_id":')
        + cast(User.id, String)
        + literal("}")
    )
    accounts = select(
        User.email,
        literal(TEMPLATE),
        context,
        literal(0),
        bindparam("now", utcnow(), type_=jobs.c.not_before.type),
    ).where(one_of(User.id, [invitee.id for invitee in invitees]))
    db.session.execute(
        insert(jobs).from_select(["to", "template", "context", "attempts", "not_before"], accounts)
    )
    return len(invitees)


@mail.loader(TEMPLATE)
def load_invitation(reference: dict[str, Any], to: str) -> dict[str, Any] | None:
    """At send time: the account's name, department and a fresh activation link, or None if
    the account is no longer on its department's roster or no longer has the address `to`
    the invitation was queued for (a chief corrected it meanwhile: the link must not reach the
    old mailbox; the chief sends a new invitation to the corrected one)."""
    department_id = int(reference["department_id"])
    with acting_for(department_id):
        found = (
            select(User, Department.name)
            .join(Department, Department.id == User.department_id)
            .where(User.id == int(reference["user_id"]), User.active.is_(True))
        )
        row = db.session.execute(found).one_or_none()
        if row is None:
            return None
        user, department_name = row
        if user.email != emails.lookup_form(to):
            return None
        return {
            "first_name": user.first_name,
            "email": user.email,
            "department_name": department_name,
            "link": activation_link(user),
            "days": current_app.config["ACTIVATION_MAX_AGE"].days,
            # what the person's role asks of them first, read as the account is now
            "chief": user.is_chief,
            "two_step": user.mfa_required,
        }
