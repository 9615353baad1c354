"""Bearer tokens for a department's SCIM provisioning.

A token is 256 random bits, shown once; only its SHA-256 digest is stored (a fast hash is
enough for a secret with that much entropy). The token table is tenant-owned, so the chief's
list and revoke go through the tenant filter and row-level security; the one cross-tenant read
is the lookup by digest, which can only find the row whose secret the caller already holds.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from wnwa import audit
from wnwa.errors import InvalidInput, NotFound
from wnwa.extensions import db, utcnow
from wnwa.tenants.models import Department, ScimToken

PREFIX = "wnwa_scim_"


@dataclass(frozen=True)
class TokenRow:
    id: int
    label: str
    hint: str
    created_at: datetime
    created_by: str
    revoked: bool


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scim_base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/scim/v2"


def list_tokens(department: Department) -> list[TokenRow]:
    tokens = db.session.scalars(select(ScimToken).order_by(ScimToken.id.desc()))
    return [
        TokenRow(t.id, t.label, t.hint, t.created_at, t.created_by, t.revoked_at is not None)
        for t in tokens
    ]


def create_token(department: Department, *, label: str, actor) -> str:
    """Create a token; returns the secret, which is never shown again."""
    label = label.strip()
    if not label:
        raise InvalidInput("Give the token a name, e.g. the identity provider it is for.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ScimToken(
        label=label[:100],
        digest=digest(secret),
        hint=secret[: len(PREFIX) + 2],
        created_by=audit.actor_label(actor),
    )
    db.session.add(token)
    audit.record(actor, "scim.token_created", department_id=department.id, subject=label[:100])
    db.session.commit()
    return secret


def revoke_token(department: Department, token_id: int, *, actor) -> None:
    token = db.session.scalars(select(ScimToken).where(ScimToken.id == token_id)).one_or_none()
    if token is None:
        raise NotFound("There is no such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, "scim.token_revoked", department_id=department.id, subject=token.label)
    db.session.commit()


def department_for_secret(secret: str) -> Department | None:
    """The department a live token belongs to, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalars(
        select(ScimToken)
        .where(ScimToken.digest == digest(secret), ScimToken.revoked_at.is_(None))
        .execution_options(unscoped=True)  # unscoped: the token names the tenant to bind
    ).one_or_none()
    if token is None:
        return None
    department = db.session.get(Department, token.department_id)
    if department is None or department.status == "left":
        return None
    return department
