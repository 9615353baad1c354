"""External training: submission with a checked certificate file, review by a network admin,
and the certificate file served only to network staff and the submitting department."""

import io
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.training.conftest import attach, months_before
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.tenants.scoping import tenant_context
from wnwa.training import external
from wnwa.training.certification import is_certified
from wnwa.training.external import ExternalInput
from wnwa.training.models import Certification, ExternalCertificate
from wnwa.training.quota_service import department_quota

ON = date(2026, 6, 15)
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _input(officer: str, **changes) -> ExternalInput:
    values = {
        "officer": officer,
        "provider": "Illinois Law Enforcement Peer Support",
        "course": "Peer support basic",
        "started_on": ON - timedelta(days=40),
        "ended_on": ON - timedelta(days=38),
        "hours": 24,
    }
    values.update(changes)
    return ExternalInput(**values)


def _submit(dept, user, content=PDF, **changes):
    attach(user)
    number = user.employee_number
    with tenant_context(dept.id):
        cert = external.submit_external(
            dept, _input(number, **changes), io.BytesIO(content), actor="chief", on=ON
        )
        return cert.id


def _stored_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / external.FOLDER
    return set(os.listdir(folder)) if folder.exists() else set()


@pytest.mark.parametrize(
    ("content", "kind"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")]
)
def test_accepted_file_types_by_content(app, make, content, kind):
    dept = make.department()
    user = make.officer(dept)
    cert_id = _submit(dept, user, content)
    cert = external.network_certificate(cert_id)
    assert (cert.content_type, cert.status) == (kind, "pending")
    stored = Path(app.config["UPLOAD_FOLDER"]) / external.FOLDER / cert.file_name
    assert stored.read_bytes() == content
    assert "static" not in str(stored.resolve())
    assert len(cert.file_name) > 30 and user.employee_number not in cert.file_name
    assert oct(stored.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a" + b"\x00" * 20, "must be a PDF, PNG or JPEG file"),
        (b"MZ\x90\x00 this is a program", "must be a PDF, PNG or JPEG file"),
        (b"<html>%PDF-</html>", "must be a PDF, PNG or JPEG file"),
        (b"", "The certificate file is empty."),
    ],
)
def test_wrong_file_types_are_refused_and_nothing_is_kept(app, make, content, message):
    dept = make.department()
    user = make.officer(dept)
    before = _stored_files(app)
    with pytest.raises(InvalidInput, match=message):
        _submit(dept, user, content)
    assert _stored_files(app) == before
    with tenant_context(dept.id):
        assert db.session.scalars(select(ExternalCertificate)).all() == []


def test_oversized_file_is_refused(app, make):
    dept = make.department()
    user = make.officer(dept)
    big = PDF + b"0" * (external.MAX_FILE_BYTES)
    with pytest.raises(InvalidInput, match="larger than 10 MB"):
        _submit(dept, user, big)
    app.config["TRAINING_MAX_CERTIFICATE_BYTES"] = 100
    try:
        with pytest.raises(InvalidInput, match="larger than"):
            _submit(dept, user, PDF + b"0" * 100)
    finally:
        app.config.pop("TRAINING_MAX_CERTIFICATE_BYTES")


def test_missing_file_is_refused(make):
    dept = make.department()
    user = make.officer(dept)
    attach(user)
    number = user.employee_number
    with tenant_context(dept.id), pytest.raises(InvalidInput, match="Attach the certificate"):
        external.submit_external(dept, _input(number), None, actor="chief", on=ON)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"started_on": ON - timedelta(days=3), "ended_on": ON - timedelta(days=5)},
            "The last day (Jun 10, 2026) comes before the first day (Jun 12, 2026).",
        ),
        ({"ended_on": ON + timedelta(days=1)}, "The training must have ended already."),
        ({"started_on": None}, "Give the first and last day of the training."),
        ({"hours": 0}, "Hours must be between 1 and 400."),
        ({"provider": " "}, "Give the training provider."),
        ({"course": ""}, "Give the course name."),
    ],
)
def test_bad_submissions_get_clear_messages(app, make, changes, message):
    dept = make.department()
    user = make.officer(dept)
    before = _stored_files(app)
    with pytest.raises(InvalidInput) as error:
        _submit(dept, user, **changes)
    assert message in error.value.message
    assert _stored_files(app) == before


def test_submission_for_another_departments_officer_is_refused(make):
    dept, other = make.department(), make.department()
    stranger = make.officer(other)
    with pytest.raises(InvalidInput, match="No active member"):
        _submit(dept, stranger)


def test_submission_tells_network_admins(make, tr):
    admin_email = tr.admin.email
    dept = make.department("Elgin PD")
    _submit(dept, make.officer(dept))
    mails = db.session.scalars(select(MailJob).where(MailJob.to == admin_email)).all()
    assert len(mails) == 1 and "Elgin PD" in mails[0].subject
    assert "/network/training/external" in mails[0].body


def test_accept_certifies_the_officer_and_counts_once_listed(make, tr):
    dept = make.department(sworn=10, joined=months_before(ON, 13))
    make.officer(dept, chief=True, email="chief@elgin.example")
    user = make.officer(dept)
    cert_id = _submit(dept, user)
    user_id = user.id
    external.accept_external(cert_id, actor=tr.admin, on=ON)
    assert external.network_certificate(cert_id).status == "accepted"
    with tenant_context(dept.id):
        assert is_certified(user_id, ON)
        cert = db.session.scalars(select(Certification)).one()
        assert (cert.source, cert.certified_on) == ("external", ON - timedelta(days=38))
        assert cert.course == "Peer support basic (Illinois Law Enforcement Peer Support)"
    tr.list_supporter(user, ON)
    with tenant_context(dept.id):
        assert department_quota(dept, ON).counted == 1
    to_chief = db.session.scalars(select(MailJob).where(MailJob.to == "chief@elgin.example"))
    assert any("accepted" in m.subject for m in to_chief)
    with pytest.raises(Conflict, match="already accepted"):
        external.accept_external(cert_id, actor=tr.admin, on=ON)


def test_decline_needs_a_reason_and_tells_the_chief(make, tr):
    dept = make.department()
    make.officer(dept, chief=True, email="chief@joliet.example")
    user = make.officer(dept)
    cert_id = _submit(dept, user)
    user_id = user.id
    with pytest.raises(InvalidInput, match="reason"):
        external.decline_external(cert_id, reason=" ", actor=tr.admin, on=ON)
    external.decline_external(
        cert_id, reason="Only 8 hours; IACP guidance expects more.", actor=tr.admin, on=ON
    )
    cert = external.network_certificate(cert_id)
    assert (cert.status, cert.decided_on) == ("declined", ON)
    with tenant_context(dept.id):
        assert not is_certified(user_id, ON)
    body = (
        db.session.scalars(select(MailJob).where(MailJob.to == "chief@joliet.example")).one().body
    )
    assert "Only 8 hours; IACP guidance expects more." in body


def test_department_certificate_is_scoped(make):
    a, b = make.department(), make.department()
    cert_id = _submit(b, make.officer(b))
    with tenant_context(a.id), pytest.raises(NotFound):
        external.department_certificate(cert_id)
    with tenant_context(b.id):
        assert external.department_certificate(cert_id).id == cert_id


def test_certificate_file_refuses_a_name_outside_the_folder(make):
    dept = make.department()
    cert_id = _submit(dept, make.officer(dept))
    cert = external.network_certificate(cert_id)
    cert.file_name = "../../config.py"
    with pytest.raises(NotFound):
        external.certificate_file(cert)


def test_training_whose_certification_has_already_lapsed_is_not_accepted(app, make, tr):
    """Accepting it would tell the officer and the chief "certified" while certifying nobody."""
    app.config["CERTIFICATION_RENEWAL_MONTHS"] = 24
    try:
        dept = make.department()
        user = make.officer(dept)
        cert_id = _submit(dept, user, started_on=date(2019, 3, 1), ended_on=date(2019, 3, 3))
        with pytest.raises(InvalidInput, match="would have lapsed on Mar 3, 2021"):
            external.accept_external(cert_id, actor=tr.admin, on=ON)
        db.session.rollback()
        assert external.network_certificate(cert_id).status == "pending"
        assert not db.session.scalars(
            select(MailJob).where(MailJob.template == "external_accepted")
        ).all()
    finally:
        app.config["CERTIFICATION_RENEWAL_MONTHS"] = None


def test_a_submission_for_someone_who_left_is_withdrawn_and_certifies_nobody(make):
    from wnwa.roster.people import depart_person

    dept = make.department()
    leaving = make.officer(dept, email="gone@dept.example")
    leaving_id = leaving.id
    cert_id = _submit(dept, leaving)
    with tenant_context(dept.id):
        depart_person(dept, leaving_id, actor="chief")
    db.session.commit()
    cert = external.network_certificate(cert_id)
    assert (cert.status, cert.decision_reason) == ("declined", "Withdrawn: they left the roster.")
    with pytest.raises(Conflict, match="already declined"):
        external.accept_external(cert_id, actor="staff", on=ON)
    assert not is_certified(leaving_id, ON)
    assert not db.session.scalars(select(MailJob).where(MailJob.to == "gone@dept.example")).all()
