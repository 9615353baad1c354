"""The chief's roster pages read indexes, whatever the department's size (docs/RULES.md 4.7).

Each page's statements are caught as the page runs them and explained on the current engine:
the roster's pages, its counts, the name search and the seat picker's suggestions must be
answered from the roster indexes (no full read of the department's accounts, no sort of them).
Paging returns every person exactly once, by page number and by the Next/Previous links, and
the name keys stay right through every way the roster changes.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import make_url

from config import TestingConfig
from tests.conftest import ON_POSTGRES
from tests.roster.conftest import person, roster_csv
from tests.roster.test_scim import bearer, new_token, okta_user
from wnwa import create_app
from wnwa.directory.us_scale import seed_us_scale
from wnwa.extensions import db
from wnwa.roster import people
from wnwa.roster.people import RosterQuery, roster_page
from wnwa.roster.provisioning import import_roster
from wnwa.tenants.models import Department, User
from wnwa.tenants.names import name_key, words
from wnwa.tenants.scoping import tenant_context
from wnwa.tenants.services import sworn_count
from wnwa.training.seats import member_suggestions

ROOT = Path(__file__).resolve().parents[2]
LAST = ["Smith", "smith", "Smithers", "O'Brien", "Ñúñez", "Nunez", "Lee", "Álvarez", "Zed"]
FIRST = ["Ann", "ann", "Bob", "Smitty", "José", "Jose"]


def _people(count: int) -> list[dict[str, str]]:
    return [
        person(
            n,
            first_name=FIRST[n % len(FIRST)],
            last_name=LAST[n % len(LAST)],
            sworn="Civilian" if n % 10 == 0 else "Sworn",
        )
        for n in range(1, count + 1)
    ]


@pytest.fixture
def roster(make):
    """A department of 120 people with repeated names, imported as a chief would."""
    dept = make.department(sworn=100)
    with tenant_context(dept.id):
        import_roster(dept, roster_csv(_people(120)), full_sync=False, actor="test")
    return dept


@contextmanager
def statements() -> Iterator[list[tuple[str, object]]]:
    """The SELECTs on user_account that run inside the block, with their parameters."""
    seen: list[tuple[str, object]] = []

    def catch(conn, cursor, sql, params, context, many):
        if not many and sql.lstrip().upper().startswith("SELECT") and "user_account" in sql:
            seen.append((sql, params))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", catch)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", catch)


# --- plans, on a database of its own the size of a real network ------------------------------

LARGEST = 3_000


@contextmanager
def _app(url: str, owner_url: str) -> Iterator:
    saved = os.environ.get("MIGRATION_DATABASE_URL")
    os.environ["MIGRATION_DATABASE_URL"] = owner_url
    try:
        app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if saved is None:
            os.environ.pop("MIGRATION_DATABASE_URL", None)
        else:
            os.environ["MIGRATION_DATABASE_URL"] = saved


def _pg_database(name: str) -> tuple[str, str]:
    admin = make_url(os.environ["WNWA_PG_ADMIN_URL"])
    subprocess.run(  # noqa: S603 - the test cluster's psql, fixed arguments
        [  # noqa: S607
            "psql",
            "-q",
            "-h",
            admin.host,
            "-p",
            str(admin.port),
            "-U",
            admin.username,
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            f"db={name}",
            "-f",
            str(ROOT / "scripts" / "pg_database.sql"),
        ],
        check=True,
        capture_output=True,
    )
    on = [
        make_url(os.environ[key]).set(database=name).render_as_string(hide_password=False)
        for key in ("WNWA_TEST_DATABASE_URL", "MIGRATION_DATABASE_URL")
    ]
    return on[0], on[1]


@pytest.fixture(scope="module", params=["guessed", "measured"])
def network(request, tmp_path_factory):
    """40 departments, the largest of LARGEST people with the US-scale seed's names, committed.
    PostgreSQL: VACUUM ANALYZE, as autovacuum keeps a live database. SQLite: as migrated (the
    statistics the migration writes), then after ANALYZE measured the real ones."""
    if ON_POSTGRES:
        if request.param == "guessed":
            pytest.skip("PostgreSQL always has measured statistics (autovacuum)")
        url, owner = _pg_database(f"wnwa_roster_plans_{os.getpid()}")
    else:
        url = owner = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'plans.sqlite3'}"
    with _app(owner, owner):
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    with _app(url, owner):
        largest = seed_us_scale(
            departments=40, officers=LARGEST * 3, supporters=60, largest=LARGEST
        ).bench_department_id
    if ON_POSTGRES:
        engine = create_engine(owner, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            # until the visibility map covers the accounts, as autovacuum passes again and again
            # on a live database: a pass while another session's snapshot is still open (another
            # test's database in the same cluster) leaves pages unmarked
            for _ in range(20):
                connection.exec_driver_sql("VACUUM ANALYZE")
                pages, visible = connection.exec_driver_sql(
                    "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'user_account'"
                ).one()
                if visible >= pages:
                    break
                time.sleep(0.5)
        engine.dispose()
    elif request.param == "measured":
        engine = create_engine(owner)
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        engine.dispose()
    return url, owner, largest


def plan(sql: str, params) -> str:
    """The engine's plan for one caught statement, as one string."""
    connection = db.session.connection()
    prefix = "EXPLAIN " if ON_POSTGRES else "EXPLAIN QUERY PLAN "
    rows = connection.exec_driver_sql(prefix + sql, params).all()
    return "\n".join(str(row[-1]) for row in rows)


def assert_indexed(text: str, *, ordered: bool = True) -> None:
    """Read from a roster index: no read of the department's accounts, no sort of them."""
    assert "ix_user_account_roster_" in text, text
    assert "Seq Scan on user_account" not in text and "SCAN user_account" not in text, text
    assert "ix_user_account_department_id" not in text, text
    if ordered:
        assert "Sort" not in text and "TEMP B-TREE" not in text, text


def _pages(network) -> dict[str, list[tuple[str, object]]]:
    """The statements of each chief page's roster part, caught as they run."""
    url, owner, largest = network
    caught = {}
    with _app(url, owner), tenant_context(largest):
        department = db.session.get(Department, largest)
        last_shown = roster_page(department, RosterQuery()).people[-1].id
        for name, run in {
            "page": lambda: roster_page(department, RosterQuery(page=40)),
            "next": lambda: roster_page(department, RosterQuery(page=2, after=last_shown)),
            "search": lambda: roster_page(department, RosterQuery(q="smith")),
            "picker": lambda: member_suggestions("smi"),
            "sworn": lambda: sworn_count(department),
        }.items():
            with statements() as seen:
                run()
            caught[name] = [(sql, params, plan(sql, params)) for sql, params in seen]
    return caught


@pytest.fixture(scope="module")
def plans(network):
    return _pages(network)


def test_a_roster_page_is_read_from_the_name_index_at_any_depth(plans):
    count, ids, _load = plans["page"]
    assert "count" in count[0].lower()
    assert_indexed(count[2])
    assert "ORDER BY" in ids[0] and "OFFSET" in ids[0].upper()
    assert_indexed(ids[2])
    if ON_POSTGRES:  # the skipped entries are read from the index alone
        assert "Index Only Scan using ix_user_account_roster_name" in ids[2], ids[2]


def test_next_and_previous_read_from_the_cursor_on(plans):
    _count, _cursor, ids, _load = plans["next"]
    assert "user_account.id) >" in ids[0], ids[0]
    assert_indexed(ids[2])


def test_the_sworn_count_reads_an_index_alone(plans):
    ((_sql, _params, text),) = plans["sworn"]
    assert_indexed(text)
    assert "Index Only Scan" in text if ON_POSTGRES else "COVERING INDEX" in text, text


def test_a_name_search_reads_the_three_key_indexes(plans):
    count, ids, _load = plans["search"]
    for _sql, _params, text in (count, ids):
        assert_indexed(text, ordered=False)
        for index in ("name", "first", "number"):
            assert f"ix_user_account_roster_{index}" in text, text


def test_the_seat_picker_reads_each_key_index_in_its_order(plans):
    seen = plans["picker"]
    assert len(seen) == 3
    for _sql, _params, text in seen:
        assert_indexed(text)


def test_a_deep_page_by_number_and_by_link_agree(network):
    url, owner, largest = network
    with _app(url, owner), tenant_context(largest):
        department = db.session.get(Department, largest)
        before = roster_page(department, RosterQuery(page=39))
        by_link = roster_page(department, RosterQuery(**before.next_args()))
        by_number = roster_page(department, RosterQuery(page=40))
        assert [p.id for p in by_link.people] == [p.id for p in by_number.people]
        assert len(by_number.people) == people.PER_PAGE
        last = roster_page(department, RosterQuery(page=10_000))
        assert last.query.page == last.pages == -(-last.total // people.PER_PAGE)
        assert last.total >= LARGEST * 0.9


@pytest.mark.parametrize(
    ("sort", "order", "status"),
    [
        ("name", "asc", "active"),
        ("name", "desc", "active"),
        ("name", "asc", "all"),
        ("number", "desc", "all"),
        ("type", "asc", "active"),
        ("rank", "desc", "departed"),
    ],
)
def test_paging_shows_everyone_exactly_once(roster, monkeypatch, sort, order, status):
    monkeypatch.setattr(people, "PER_PAGE", 7)
    with tenant_context(roster.id):
        gone = db.session.scalars(select(User.id).order_by(User.id).limit(15)).all()
        people.depart_people(list(gone[::2]))
        db.session.flush()
        wanted = RosterQuery(sort=sort, order=order, status=status)
        total = roster_page(roster, wanted).total
        assert total == {"active": 112, "departed": 8, "all": 120}[status]

        by_number, page = [], roster_page(roster, wanted)
        for n in range(2, page.pages + 2):
            by_number.extend(p.id for p in page.people)
            page = roster_page(roster, RosterQuery(sort=sort, order=order, status=status, page=n))
        assert len(by_number) == total == len(set(by_number))

        by_link, pages, page = [], [], roster_page(roster, wanted)
        while True:
            by_link.extend(p.id for p in page.people)
            pages.append([p.id for p in page.people])
            if not page.has_next:
                break
            page = roster_page(roster, RosterQuery(**page.next_args()))
        assert by_link == by_number

        back = [[p.id for p in page.people]]
        while page.has_prev:
            page = roster_page(roster, RosterQuery(**page.prev_args()))
            back.append([p.id for p in page.people])
        assert back[::-1] == pages


def test_name_order_ignores_the_case_of_a_to_z_and_ends_with_the_id(roster):
    with tenant_context(roster.id):
        users = db.session.scalars(select(User).where(User.active.is_(True))).all()
        expected = sorted(
            users, key=lambda u: (name_key(u.last_name), name_key(u.first_name), u.id)
        )
        shown = []
        page = roster_page(roster, RosterQuery())
        while True:
            shown.extend(p.id for p in page.people)
            if not page.has_next:
                break
            page = roster_page(roster, RosterQuery(**page.next_args()))
    assert shown == [u.id for u in expected]


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("SMITH", {"Smith", "smith", "Smithers"}),  # A-Z in any case
        ("smithe", {"Smithers"}),  # the start of the word, not inside it
        ("brien", set()),
        ("o'b", {"O'Brien"}),  # other characters as they are
        ("Ñú", {"Ñúñez"}),
        ("ñú", set()),  # beyond A-Z, the case must match
        ("nu", {"Nunez"}),  # no accent folding: Ñúñez is not Nunez
        ("lee, ann", {"Lee"}),  # every word must match: last and first name
        ("lee bob", set()),
        ("B00007", {LAST[7 % len(LAST)]}),  # an employee number
        ("%", set()),  # no wildcards
        ("officer7", set()),  # the email is not searched
    ],
)
def test_what_a_chief_can_type(roster, typed, names):
    with tenant_context(roster.id):
        found = roster_page(roster, RosterQuery(q=typed, status="all"))
        shown = [p.id for p in found.people]
        people_found = db.session.scalars(select(User).where(User.id.in_(shown))).all()
    assert {u.last_name for u in people_found} == names


def test_the_picker_follows_the_same_rule(roster):
    with tenant_context(roster.id):
        assert {u.last_name for u in member_suggestions("o'b")} == {"O'Brien"}
        assert {u.first_name for u in member_suggestions("smitty")} == {"Smitty"}
        assert [u.employee_number for u in member_suggestions("b00012")] == ["B00012"]
        both = member_suggestions("ann Lee")
        assert both and all((u.first_name.lower(), u.last_name) == ("ann", "Lee") for u in both)
        assert member_suggestions("s") == [] and member_suggestions("officer1") == []
    assert words("  Lee,  Ann.x@y z w ") == ["lee", "ann", "x", "y"]


def _keys_right(dept) -> None:
    with tenant_context(dept.id):
        rows = db.session.execute(
            select(
                User.last_name,
                User.first_name,
                User.employee_number,
                User.last_key,
                User.first_key,
                User.number_key,
            ).execution_options(populate_existing=True)
        ).all()
        for last, first, number, last_key, first_key, number_key in rows:
            assert (last_key, first_key, number_key) == (
                name_key(last),
                name_key(first),
                name_key(number),
            )
        active_sworn = db.session.scalars(
            select(User.id).where(User.active.is_(True), User.sworn.is_(True))
        ).all()
        assert sworn_count(dept) == len(active_sworn)


def test_the_keys_and_counts_follow_every_way_the_roster_changes(client, make):
    dept = make.department(sworn=10)
    with tenant_context(dept.id):
        import_roster(dept, roster_csv(_people(12)), full_sync=False, actor="test")
    _keys_right(dept)
    # an import that renames one person and makes another a civilian
    changed = _people(12)
    changed[0]["last_name"] = "MacDonald"
    changed[1]["sworn"] = "Civilian"
    with tenant_context(dept.id):
        import_roster(dept, roster_csv(changed), full_sync=False, actor="test")
        assert [p.name for p in roster_page(dept, RosterQuery(q="macd")).people] == [
            "MacDonald, ann"
        ]
    _keys_right(dept)
    # SCIM: a new person, then a new surname
    token = new_token(dept)
    created = client.post("/scim/v2/Users", json=okta_user(1), headers=bearer(token)).get_json()
    replaced = okta_user(1, name={"givenName": "Given1", "familyName": "VanDerBerg"})
    client.put(f"/scim/v2/Users/{created['id']}", json=replaced, headers=bearer(token))
    _keys_right(dept)
    with tenant_context(dept.id):
        assert roster_page(dept, RosterQuery(q="vanderb")).total == 1
        assert roster_page(dept, RosterQuery(q="family1")).total == 0
    # the chief's edit and a departure
    with tenant_context(dept.id):
        user = db.session.scalars(select(User).where(User.employee_number == "B00003")).one()
        values = {**people.form_data(user), "first_name": "Zoë", "sworn": "civilian"}
        people.update_person(dept, user.id, values, actor="test")
        assert roster_page(dept, RosterQuery(q="zoë")).total == 1
        other = db.session.scalars(select(User).where(User.employee_number == "B00004")).one()
        people.depart_person(dept, other.id, actor="test")
        assert roster_page(dept, RosterQuery(q="b00004")).total == 0
        assert roster_page(dept, RosterQuery(q="b00004", status="departed")).total == 1
    # a full sync that drops everyone but three
    with tenant_context(dept.id):
        import_roster(dept, roster_csv(changed[:3]), full_sync=True, actor="test")
    _keys_right(dept)


def test_a_deep_page_number_is_the_last_page(chief_client, make):
    client, dept, _ = chief_client
    for n in range(3):
        make.officer(dept, last_name=f"Zed{n}")
    response = client.get("/department/roster?page=200", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Showing 1–4 of 4 people." in body
    stale = client.get("/department/roster?page=3&after=999999999")
    assert stale.status_code == 200 and "Zed2" in stale.get_data(as_text=True)
    for cursor in ("after", "before"):  # beyond any id an engine stores: no cursor at all
        huge = client.get(f"/department/roster?page=2&{cursor}=99999999999999999999")
        assert huge.status_code == 200 and "Zed2" in huge.get_data(as_text=True), cursor
