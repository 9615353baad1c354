"""Test data builders. Every tenant-owned row names its department."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy import select

from wnwa.auth.models import StaffAccount
from wnwa.auth.passwords import hash_password
from wnwa.extensions import db
from wnwa.tenants.credentials import Secrets, fresh_credentials, seal
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context

PASSWORD = "river stone morning lantern"  # noqa: S105
TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
_seq = itertools.count(1)
_hash_cache: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def department(
    name: str | None = None,
    *,
    county: str = "Cook",
    state: str = "IL",
    sworn: int = 50,
    joined: date | None = None,
) -> Department:
    n = next(_seq)
    name = name or f"Test Department {n}"
    dept = Department(
        name=name,
        slug=f"test-dept-{n}",
        county=county,
        state=state,
        sworn_declared=sworn,
        joined_on=joined or date(2024, 1, 15),
    )
    db.session.add(dept)
    db.session.commit()
    return dept


def officer(
    dept: Department,
    *,
    first_name: str = "Alex",
    last_name: str | None = None,
    email: str | None = None,
    activated: bool = True,
    mfa: bool | None = None,
    chief: bool = False,
    finance: bool = False,
    sworn: bool = True,
    active: bool = True,
    rank: str = "Officer",
) -> User:
    """A department member. `activated` gives them PASSWORD (and TOTP_SECRET if MFA)."""
    n = next(_seq)
    mfa = (chief or finance) if mfa is None else mfa
    if activated:
        pw_hash, secrets = password_hash(), seal(Secrets(totp=TOTP_SECRET if mfa else None))
    else:
        pw_hash, secrets = fresh_credentials()
    with tenant_context(dept.id):
        user = User(
            email=email or f"person{n}@dept{dept.id}.example",
            employee_number=f"E{n:05d}",
            first_name=first_name,
            last_name=last_name or f"Person{n}",
            rank=rank,
            sworn=sworn,
            is_chief=chief,
            is_finance=finance,
            active=active,
            password_hash=pw_hash,
            secrets=secrets,
        )
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    return db.session.scalars(
        select(User).where(User.id == user_id).execution_options(unscoped=True)
    ).one()


def staff(role: str = "network_admin", *, email: str | None = None) -> StaffAccount:
    n = next(_seq)
    account = StaffAccount(
        email=email or f"staff{n}@wnwa.example",
        name=f"Staff {n}",
        role=role,
        password_hash=password_hash(),
        secrets=seal(Secrets(totp=TOTP_SECRET)),
    )
    db.session.add(account)
    db.session.commit()
    return account
