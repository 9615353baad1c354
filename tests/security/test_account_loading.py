"""The request's account, read by one prebuilt statement (wnwa/auth/loading.py): it loads only
the department the session identity names, and what it returns behaves as a loaded instance."""

from __future__ import annotations

from sqlalchemy import event, inspect, select

from wnwa.auth import loading
from wnwa.auth.services import load_by_identity
from wnwa.extensions import db
from wnwa.tenants.credentials import session_identity
from wnwa.tenants.models import User
from wnwa.tenants.scoping import bound_department_id, tenant_context


class Statements:
    """The SQL statements the engine runs while counting."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.seen.append(statement)


def _fresh_session() -> None:
    db.session.commit()
    db.session.expunge_all()


def test_a_member_loads_with_the_department_in_one_statement(make):
    dept = make.department(name="Harbor City PD")
    officer = make.officer(dept, first_name="Ana", last_name="Reyes")
    identity, dept_id = session_identity(officer), dept.id
    _fresh_session()

    with Statements() as statements:
        account = load_by_identity(identity)
        assert account is not None
        assert (account.first_name, account.department.name) == ("Ana", "Harbor City PD")
        assert account.roles == frozenset({"officer"})
    reads = [s for s in statements.seen if " FROM " in s.upper().replace("\n", " ")]
    assert len(reads) == 1, statements.seen  # not counting PostgreSQL's tenant claim
    assert bound_department_id() == dept_id
    state = inspect(account)
    assert state.persistent and not state.expired_attributes
    assert account not in db.session.dirty
    assert inspect(account.department).persistent


def test_the_loaded_member_changes_flushes_and_expires_as_a_loaded_one(make):
    dept = make.department()
    officer = make.officer(dept, rank="Officer")
    identity, officer_id, dept_id = session_identity(officer), officer.id, dept.id
    _fresh_session()

    account = load_by_identity(identity)
    account.rank = "Sergeant"
    assert account in db.session.dirty
    db.session.commit()
    assert "rank" not in account.__dict__  # expired at commit, read again when asked
    assert account.rank == "Sergeant"
    db.session.expunge_all()
    with tenant_context(dept_id):
        stored = db.session.scalars(select(User).where(User.id == officer_id)).one()
        assert stored.rank == "Sergeant"


def test_only_the_named_department_is_read(make):
    mine, other = make.department(), make.department()
    officer = make.officer(other)
    officer_id, mine_id = officer.id, mine.id
    forged = f"u{officer_id}.{mine_id}.{session_identity(officer).rsplit('.', 1)[1]}"
    _fresh_session()

    assert loading.user(db.session(), officer_id, mine_id) is None
    assert load_by_identity(forged) is None
    assert bound_department_id() is None


def test_an_account_the_session_holds_is_returned_as_it_is(make):
    dept = make.department()
    officer = make.officer(dept)
    with tenant_context(dept.id):
        held = db.session.scalars(select(User).where(User.id == officer.id)).one()
        assert loading.user(db.session(), officer.id, dept.id) is held


def test_network_staff_load_as_persistent_accounts(make):
    admin = make.staff("network_admin")
    identity, admin_id, email = session_identity(admin), admin.id, admin.email
    _fresh_session()

    account = load_by_identity(identity)
    assert account is not None and account.email == email
    assert inspect(account).persistent and account not in db.session.dirty
    assert loading.staff(db.session(), admin_id + 10_000) is None


def test_a_departed_member_or_a_changed_password_loads_nobody(make):
    dept = make.department()
    gone, changed = make.officer(dept), make.officer(dept)
    identities = session_identity(gone), session_identity(changed)
    with tenant_context(dept.id):
        gone.active = False
        changed.password_hash = make.password_hash("another long passphrase 42")
        db.session.commit()
    _fresh_session()

    assert [load_by_identity(i) for i in identities] == [None, None]
