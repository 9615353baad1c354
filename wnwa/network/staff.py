"""Network staff accounts."""

from __future__ import annotations

from sqlalchemy import select

from wnwa import emails
from wnwa.auth.models import STAFF_ROLES, StaffAccount
from wnwa.auth.services import find_account
from wnwa.errors import Conflict, InvalidInput
from wnwa.extensions import db
from wnwa.tenants.credentials import fresh_credentials


def create_staff_account(*, role: str, email: str, name: str = "") -> StaffAccount:
    if role not in STAFF_ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(STAFF_ROLES)}.")
    try:
        email = emails.normalise(email)
    except emails.InvalidEmail:
        raise InvalidInput("That email address is not valid.") from None
    if find_account(email) is not None:
        raise Conflict("An account with that email already exists.")
    password_hash, secrets = fresh_credentials()
    account = StaffAccount(
        email=email, name=name.strip(), role=role, password_hash=password_hash, secrets=secrets
    )
    db.session.add(account)
    db.session.commit()
    return db.session.scalar(select(StaffAccount).where(StaffAccount.id == account.id))
