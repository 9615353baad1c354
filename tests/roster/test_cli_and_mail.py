"""`flask roster import`, and invitations reaching SMTP (tests) or the outbox (development)."""

from __future__ import annotations

import json
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from sqlalchemy import func, select

from tests.roster.conftest import people_of, person, roster_csv
from wnwa.auth.services import account_for_token
from wnwa.extensions import db
from wnwa.mail import MailJob, drain
from wnwa.roster.provisioning import import_roster
from wnwa.tenants.scoping import tenant_context


def write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    return str(path)


def test_cli_dry_run_changes_nothing(app, make, tmp_path):
    dept = make.department()
    runner = app.test_cli_runner()
    file = write(tmp_path, roster_csv([person(1), person(2)]))
    result = runner.invoke(args=["roster", "import", dept.slug, file, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 to add, 0 to update, 0 unchanged, no departures, 0 problems." in result.output
    assert "Dry run: nothing was changed." in result.output
    assert people_of(dept) == []


def test_cli_imports_and_full_sync_departs(app, make, tmp_path):
    dept = make.department()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["roster", "import", dept.slug, write(tmp_path, roster_csv([person(1), person(2)]))]
    )
    assert result.exit_code == 0, result.output
    assert (
        "Imported: 2 added, 0 updated, 0 left the roster, 0 unchanged; 2 invitations queued."
        in result.output
    )
    result = runner.invoke(
        args=[
            "roster",
            "import",
            dept.slug,
            write(tmp_path, roster_csv([person(1)])),
            "--full-sync",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "1 left the roster" in result.output
    assert [p["active"] for p in people_of(dept)] == [True, False]


def test_cli_reports_problems_with_lines_and_fails(app, make, tmp_path):
    dept = make.department()
    runner = app.test_cli_runner()
    file = write(tmp_path, roster_csv([person(1), person(2, email="bad")]))
    result = runner.invoke(args=["roster", "import", dept.slug, file])
    assert result.exit_code == 1
    assert "line 3: Work email" in result.output
    assert "nothing was changed" in result.output
    assert people_of(dept) == []
    result = runner.invoke(args=["roster", "import", "no-such-dept", file])
    assert result.exit_code == 1 and "No department" in result.output


def test_invitations_are_delivered_by_the_worker_over_smtp(app, make, smtp_server):
    dept = make.department("Mailtown PD")
    with tenant_context(dept.id):
        import_roster(
            dept, roster_csv([person(n) for n in range(1, 4)]), full_sync=False, actor="t"
        )
    assert drain() == 3
    assert db.session.scalar(select(func.count(MailJob.id))) == 0
    for n in range(1, 4):
        (message,) = smtp_server.to(f"officer{n}@pd.example.gov")
        assert message["Subject"] == "Your WeNeverWalkAlone account"
        body = message.get_body(("plain",)).get_content()
        assert "Mailtown PD" in body
        token = next(w for w in body.split() if "/activate/" in w).rsplit("/", 1)[1]
        assert account_for_token(token).email == f"officer{n}@pd.example.gov"
        html = message.get_body(("html",)).get_content()
        assert "Mailtown PD" in html and f"/activate/{token}" in html


def test_the_queue_holds_a_reference_and_the_link_is_made_when_sent(app, make, smtp_server):
    dept = make.department("Refton PD")
    with tenant_context(dept.id):
        import_roster(dept, roster_csv([person(1), person(2)]), full_sync=False, actor="t")
    jobs = db.session.scalars(select(MailJob).order_by(MailJob.id)).all()
    assert [job.template for job in jobs] == ["invitation", "invitation"]
    for job in jobs:
        assert json.loads(job.context).keys() == {"department_id", "user_id"}
        assert "activate" not in job.context and "Refton" not in job.context
    # Officer 2 leaves the roster before the worker runs: nothing is sent to them.
    with tenant_context(dept.id):
        import_roster(dept, roster_csv([person(1)]), full_sync=True, actor="t")
    assert drain() == 1
    assert [m["To"] for m in smtp_server.messages] == ["officer1@pd.example.gov"]
    assert db.session.scalar(select(func.count(MailJob.id))) == 0


def test_invitations_land_in_the_development_outbox(app, make, tmp_path):
    dept = make.department()
    with tenant_context(dept.id):
        import_roster(dept, roster_csv([person(1), person(2)]), full_sync=False, actor="t")
    saved = app.config["MAIL_TRANSPORT"], app.config["MAIL_OUTBOX"]
    app.config.update(MAIL_TRANSPORT="outbox", MAIL_OUTBOX=str(tmp_path / "outbox"))
    try:
        result = app.test_cli_runner().invoke(args=["mail", "worker", "--once"])
    finally:
        app.config["MAIL_TRANSPORT"], app.config["MAIL_OUTBOX"] = saved
    assert result.exit_code == 0 and "sent 2" in result.output
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    recipients = sorted(message_from_bytes(f.read_bytes(), policy=default)["To"] for f in files)
    assert recipients == ["officer1@pd.example.gov", "officer2@pd.example.gov"]
    for f in files:  # an officer's invitation asks for nothing a chief's does
        body = message_from_bytes(f.read_bytes(), policy=default).get_body(("plain",))
        assert "authenticator app" not in body.get_content()
