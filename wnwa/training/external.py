"""Training from another provider: a chief submits an officer's certificate, a network admin
accepts it (consistent with IACP peer-support guidelines: the officer is certified) or declines
it with a reason. Certificate files are checked by content, size-limited, stored outside
`static` under random names, and served only to network staff and the submitting department."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import select

from wnwa import audit
from wnwa.database import locked, one_of
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.signals import members_departed
from wnwa.storage import write_private
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import acting_for
from wnwa.training.certification import add_certification
from wnwa.training.models import (
    EXTERNAL_ACCEPTED,
    EXTERNAL_DECLINED,
    EXTERNAL_PENDING,
    ExternalCertificate,
)
from wnwa.training.notify import tell_admins, tell_chiefs, tell_officer, when
from wnwa.training.seats import find_member, serialized
from wnwa.training.settings import renewal_date
from wnwa.us_states import day_words, network_day

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_HOURS = 400
FOLDER = "training-certificates"
# Leading bytes of each accepted type: (content type, file extension).
SIGNATURES = (
    (b"%PDF-", ("application/pdf", "pdf")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
)
EXTENSIONS = {content_type: ext for _, (content_type, ext) in SIGNATURES}


@dataclass(frozen=True)
class ExternalInput:
    officer: str
    provider: str
    course: str
    started_on: date | None
    ended_on: date | None
    hours: int | None


def max_file_bytes() -> int:
    return int(current_app.config.get("TRAINING_MAX_CERTIFICATE_BYTES", MAX_FILE_BYTES))


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, PNG or JPEG by its first bytes; None otherwise."""
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    return None


def read_upload(stream: IO[bytes] | None, limit: int) -> tuple[bytes, str, str]:
    """The file's bytes and kind, or a clear InvalidInput."""
    if stream is None:
        raise InvalidInput("Attach the certificate (PDF, PNG or JPEG).")
    data = stream.read(limit + 1)
    if not data:
        raise InvalidInput("The certificate file is empty.")
    if len(data) > limit:
        raise InvalidInput(
            f"The certificate file is larger than {limit // (1024 * 1024)} MB; "
            "scan it at a lower resolution or send a PDF."
        )
    kind = sniff(data[:16])
    if kind is None:
        raise InvalidInput(
            "The certificate must be a PDF, PNG or JPEG file; this file is none of these "
            "(its content was checked, not its name)."
        )
    return data, kind[0], kind[1]


def input_problems(data: ExternalInput, on: date) -> list[str]:
    problems = []
    if not data.provider.strip():
        problems.append("Give the training provider.")
    elif len(data.provider.strip()) > 200:
        problems.append("Keep the provider under 200 characters.")
    if not data.course.strip():
        problems.append("Give the course name.")
    elif len(data.course.strip()) > 200:
        problems.append("Keep the course name under 200 characters.")
    if data.started_on is None or data.ended_on is None:
        problems.append("Give the first and last day of the training.")
    elif data.ended_on < data.started_on:
        problems.append(
            f"The last day ({day_words(data.ended_on)}) comes before the first day "
            f"({day_words(data.started_on)})."
        )
    elif data.ended_on > on:
        problems.append("The training must have ended already.")
    if data.hours is None or not 1 <= data.hours <= MAX_HOURS:
        problems.append(f"Hours must be between 1 and {MAX_HOURS}.")
    return problems


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store(data: bytes, extension: str) -> str:
    name = f"{secrets.token_urlsafe(24)}.{extension}"
    write_private(_folder() / name, data)  # disk full: StorageFull, nothing kept
    return name


def submit_external(
    department: Department,
    data: ExternalInput,
    upload: IO[bytes] | None,
    *,
    actor: Any,
    on: date,
) -> ExternalCertificate:
    """A chief submits an officer's certificate from another provider for review."""
    user = find_member(data.officer)
    problems = input_problems(data, on)
    if problems:
        raise InvalidInput(" ".join(problems))
    content, content_type, extension = read_upload(upload, max_file_bytes())
    name = _store(content, extension)
    try:
        cert = ExternalCertificate(
            user_id=user.id,
            department_id=user.department_id,
            provider=data.provider.strip(),
            course=data.course.strip(),
            started_on=data.started_on,
            ended_on=data.ended_on,
            hours=data.hours,
            file_name=name,
            content_type=content_type,
            status=EXTERNAL_PENDING,
        )
        db.session.add(cert)
        db.session.flush()
        audit.record(
            actor,
            "training.external_submitted",
            department_id=user.department_id,
            subject=f"external {cert.id}",
            details={"user": user.id, "provider": cert.provider, "hours": cert.hours},
        )
        tell_admins(
            f"External training to review: {department.name}",
            f"{department.name} submitted a certificate from {cert.provider} "
            f"({cert.hours} hours) for review against the IACP peer-support guidelines.",
            "/network/training/external",
        )
        db.session.commit()
    except Exception:
        (_folder() / name).unlink(missing_ok=True)
        raise
    return cert


def _pending_for_review(cert_id: int) -> ExternalCertificate:
    """The submission, locked until the transaction ends, if it still waits for a decision:
    two staff members deciding at once take turns, and the second finds it decided."""
    department_id = network_certificate(cert_id).department_id
    with acting_for(department_id):
        cert = locked(ExternalCertificate, cert_id, ExternalCertificate.status)
    if cert.status != EXTERNAL_PENDING:
        raise Conflict(f"That submission was already {cert.status}.")
    return cert


def network_certificate(cert_id: int) -> ExternalCertificate:
    cert = db.session.scalars(
        select(ExternalCertificate)
        .where(ExternalCertificate.id == cert_id)
        # unscoped: network staff review every department's submissions.
        .execution_options(unscoped=True)
    ).first()
    if cert is None:
        raise NotFound("No such submission.")
    return cert


def department_certificate(cert_id: int) -> ExternalCertificate:
    cert = db.session.scalars(
        select(ExternalCertificate).where(ExternalCertificate.id == cert_id)
    ).first()
    if cert is None:
        raise NotFound("No such submission in your department.")
    return cert


def accept_external(cert_id: int, *, actor: Any, on: date) -> ExternalCertificate:
    """Accept as consistent with IACP peer-support guidelines: certifies the officer."""
    return serialized(lambda: _accept(cert_id, actor=actor, on=on))


def _accept(cert_id: int, *, actor: Any, on: date) -> ExternalCertificate:
    cert = _pending_for_review(cert_id)
    with acting_for(cert.department_id):
        user = db.session.scalars(select(User).where(User.id == cert.user_id)).one()
        if not user.active:  # (departure withdraws a submission; this one raced it)
            raise Conflict(f"{user.display_name} has left the roster: nobody is certified.")
        renews_on = renewal_date(cert.ended_on)
        if renews_on is not None and renews_on <= on:
            raise InvalidInput(
                f"This training ended on {day_words(cert.ended_on)}, so its certification "
                f"would have lapsed on {day_words(renews_on)}: accepting it would certify "
                "nobody. Decline it with that reason."
            )
        cert.status, cert.decided_on, cert.decision_reason = EXTERNAL_ACCEPTED, on, ""
        add_certification(
            user,
            source="external",
            course=f"{cert.course} ({cert.provider})"[:200],
            on=cert.ended_on,
            renews_on=renews_on,
            actor=actor,
        )
        tell_officer(
            user,
            "external_accepted",
            course=cert.course,
            provider=cert.provider,
            renews_on=when(renews_on) if renews_on else "",
        )
        audit.record(
            actor,
            "training.external_accepted",
            department_id=cert.department_id,
            subject=f"external {cert.id}",
        )
        tell_chiefs(
            cert.department_id,
            "External training accepted",
            f"The {cert.course} certificate from {cert.provider} for {user.display_name} was "
            "accepted as consistent with the IACP peer-support guidelines. They are certified "
            "and count toward your quota once they list themselves in the directory.",
        )
    db.session.commit()
    return cert


def decline_external(cert_id: int, *, reason: str, actor: Any, on: date) -> ExternalCertificate:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise InvalidInput("Give the chief a reason they can act on (a few words at least).")
    return serialized(lambda: _decline(cert_id, reason=reason, actor=actor, on=on))


def _decline(cert_id: int, *, reason: str, actor: Any, on: date) -> ExternalCertificate:
    cert = _pending_for_review(cert_id)
    with acting_for(cert.department_id):
        user = db.session.scalars(select(User).where(User.id == cert.user_id)).one()
        cert.status, cert.decided_on, cert.decision_reason = EXTERNAL_DECLINED, on, reason[:2000]
        audit.record(
            actor,
            "training.external_declined",
            department_id=cert.department_id,
            subject=f"external {cert.id}",
            details={"reason": reason[:300]},
        )
        tell_officer(
            user, "external_declined", course=cert.course, provider=cert.provider, reason=reason
        )
        tell_chiefs(
            cert.department_id,
            "External training declined",
            f"The {cert.course} certificate from {cert.provider} for {user.display_name} was "
            f"not accepted: {reason}",
        )
    db.session.commit()
    return cert


@dataclass(frozen=True)
class CertificateFile:
    path: Path
    content_type: str
    download_name: str


def certificate_file(cert: ExternalCertificate) -> CertificateFile:
    path = _folder() / cert.file_name
    if Path(cert.file_name).name != cert.file_name or not path.is_file():
        raise NotFound("The certificate file is missing.")
    extension = EXTENSIONS.get(cert.content_type, "bin")
    return CertificateFile(path, cert.content_type, f"certificate-{cert.id}.{extension}")


@dataclass(frozen=True)
class ExternalView:
    id: int
    name: str
    department: str
    provider: str
    course: str
    started_on: date
    ended_on: date
    hours: int
    status: str
    reason: str
    decided_on: date | None


def department_submissions() -> list[ExternalView]:
    rows = db.session.execute(
        select(ExternalCertificate, User, Department)
        .join(User, User.id == ExternalCertificate.user_id)
        .join(Department, Department.id == ExternalCertificate.department_id)
        .order_by(ExternalCertificate.id.desc())
        .limit(100)
    ).all()
    return [_view(*row) for row in rows]


def network_submissions(status: str | None = EXTERNAL_PENDING) -> list[ExternalView]:
    stmt = (
        select(ExternalCertificate, User, Department)
        .join(User, User.id == ExternalCertificate.user_id)
        .join(Department, Department.id == ExternalCertificate.department_id)
        .order_by(ExternalCertificate.id)
        .limit(500)
        .execution_options(unscoped=True)  # unscoped: network staff review every department
    )
    if status:
        stmt = stmt.where(ExternalCertificate.status == status)
    return [_view(*row) for row in db.session.execute(stmt).all()]


def network_submission(cert_id: int) -> ExternalView:
    row = db.session.execute(
        select(ExternalCertificate, User, Department)
        .join(User, User.id == ExternalCertificate.user_id)
        .join(Department, Department.id == ExternalCertificate.department_id)
        .where(ExternalCertificate.id == cert_id)
        .execution_options(unscoped=True)  # unscoped: network staff review every department
    ).first()
    if row is None:
        raise NotFound("No such submission.")
    return _view(*row)


def _view(cert: ExternalCertificate, user: User, dept: Department) -> ExternalView:
    return ExternalView(
        id=cert.id,
        name=user.display_name,
        department=dept.name,
        provider=cert.provider,
        course=cert.course,
        started_on=cert.started_on,
        ended_on=cert.ended_on,
        hours=cert.hours,
        status=cert.status,
        reason=cert.decision_reason,
        decided_on=cert.decided_on,
    )


@members_departed.connect
def _withdraw_submissions_of(_sender: object, *, user_ids: list[int]) -> None:
    """Outside training submitted for people who left the roster is no longer reviewed: it is
    declined as withdrawn, with nobody told and nobody certified (flush only)."""
    pending = db.session.scalars(
        select(ExternalCertificate).where(
            one_of(ExternalCertificate.user_id, user_ids),
            ExternalCertificate.status == EXTERNAL_PENDING,
        )
    ).all()
    for cert in pending:
        cert.status, cert.decided_on = EXTERNAL_DECLINED, network_day()
        cert.decision_reason = "Withdrawn: they left the roster."
    db.session.flush()
