"""Activation invitations: one e-mail text for everyone, queued for the mail worker.

The text and the link are the same whether or not the person has set a password before (the
link is stateless and bound to the current password hash, so it also works as "choose a new
password"): neither the chief's screens nor the e-mail can tell who has activated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app

from wnwa.auth.services import activation_token
from wnwa.extensions import utcnow
from wnwa.mail import MailJob, enqueue
from wnwa.roster.bulk import bulk_insert

SUBJECT = "Your WeNeverWalkAlone account"


@dataclass(frozen=True)
class Invitee:
    """The few facts an invitation needs; also what activation_token() reads."""

    id: int
    email: str
    first_name: str
    password_hash: str
    kind: str = "u"


def activation_link(invitee: Invitee) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/activate/{activation_token(invitee)}"


def invitation_body(invitee: Invitee, department_name: str) -> str:
    days = current_app.config["ACTIVATION_MAX_AGE"].days
    return (
        f"Hello {invitee.first_name},\n\n"
        f"{department_name} is a member of WeNeverWalkAlone, a confidential network where "
        "police officers can reach a trained peer supporter from another department, or a "
        "vetted mental-health professional, at any time.\n\n"
        f"An account is ready for you under this work e-mail address ({invitee.email}). "
        f"Choose your password with this link (it works for {days} days and only once):\n\n"
        f"{activation_link(invitee)}\n\n"
        "If you already chose a password, the link lets you replace it; if you did not ask "
        "for this message you can ignore it.\n\n"
        "We do not record who signs in, when, how often, whom you call, what you search "
        "or read.\n\n"
        "In crisis now? Call or text 988.\n"
    )


def queue_invitation(invitee: Invitee, department_name: str) -> None:
    """Queue one invitation inside the caller's transaction (flush only)."""
    enqueue(invitee.email, SUBJECT, invitation_body(invitee, department_name))


def queue_invitations(invitees: Iterable[Invitee], department_name: str) -> int:
    """Queue many invitations with one multi-row insert (flush only)."""
    now = utcnow()
    jobs = [
        {
            "to": invitee.email,
            "subject": SUBJECT,
            "body": invitation_body(invitee, department_name),
            "attempts": 0,
            "not_before": now,
        }
        for invitee in invitees
    ]
    bulk_insert(MailJob.__table__, jobs)
    return len(jobs)
