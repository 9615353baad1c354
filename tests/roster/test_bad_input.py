"""Every kind of bad roster file gets a clear message, and nothing is written."""

from __future__ import annotations

import pytest

from tests.privacy.snapshots import snapshot
from tests.roster.conftest import HEADER, person, roster_csv
from wnwa.roster.provisioning import RosterInvalid, import_roster
from wnwa.roster.roster import parse_roster
from wnwa.tenants.scoping import tenant_context


def refused(dept, data: bytes, *, full_sync: bool = False) -> list[tuple[int | None, str]]:
    """Import `data`, expecting a refusal that writes nothing; return the problems."""
    before = snapshot()
    with tenant_context(dept.id), pytest.raises(RosterInvalid) as caught:
        import_roster(dept, data, full_sync=full_sync, actor="test")
    assert snapshot() == before
    assert "nothing was changed" in caught.value.message
    return [(issue.line, issue.message) for issue in caught.value.plan.errors]


def rows_with_bad(line: int, **bad) -> list[dict]:
    """Five good people, with the one on `line` (2-6) spoiled by `bad`."""
    people = [person(i) for i in range(1, 6)]
    people[line - 2] = person(line - 1, **bad)
    return people


def test_wrong_encoding(make):
    text = roster_csv([person(1, first_name="José")]).decode()
    problems = refused(make.department(), text.encode("latin-1"))
    assert problems == [(None, problems[0][1])]
    assert "not UTF-8" in problems[0][1]


@pytest.mark.parametrize("bom", [False, True])
def test_utf8_with_or_without_bom_is_accepted(make, bom):
    dept = make.department()
    data = roster_csv([person(1, first_name="José", last_name="Núñez")], bom=bom)
    with tenant_context(dept.id):
        result = import_roster(dept, data, full_sync=False, actor="test")
    assert result.added == 1


def test_missing_required_columns(make):
    header = ["Employee number", "First name", "Last name", "Rank"]
    data = "\r\n".join([",".join(header), "1,Ann,Lee,Officer"]).encode()
    ((line, message),) = refused(make.department(), data)
    assert line is None
    assert "Work email" in message and "Sworn or civilian" in message


def test_duplicate_employee_numbers_in_the_file(make):
    data = roster_csv([person(1), person(2, employee_number="B00001")])
    problems = refused(make.department(), data)
    assert problems[0][0] == 3
    assert "duplicate" in problems[0][1] and "line 2" in problems[0][1]


def test_duplicate_emails_in_the_file(make):
    data = roster_csv([person(1), person(2, email="OFFICER1@pd.example.gov")])
    ((line, message),) = refused(make.department(), data)
    assert line == 3 and "Work email" in message and "duplicate" in message


def test_email_already_used_in_another_department(make):
    other = make.department()
    make.officer(other, email="taken@other.example.gov")
    dept = make.department()
    data = roster_csv([person(1), person(2, email="taken@other.example.gov")])
    ((line, message),) = refused(dept, data)
    assert line == 3
    assert "already used by an account outside this department" in message
    # the preview counts that line as a problem only, not also as a new person
    with tenant_context(dept.id), pytest.raises(RosterInvalid) as caught:
        import_roster(dept, data, full_sync=False, actor="test")
    assert [row.email for row in caught.value.plan.adds] == ["officer1@pd.example.gov"]


def test_email_of_network_staff_is_refused_too(make):
    make.staff("vetter", email="vetter@wnwa.example")
    ((line, message),) = refused(
        make.department(), roster_csv([person(1, email="vetter@wnwa.example")])
    )
    assert line == 2 and "outside this department" in message


def test_changing_an_email_to_one_used_elsewhere(make):
    other = make.department()
    make.officer(other, email="taken@other.example.gov")
    dept = make.department()
    with tenant_context(dept.id):
        import_roster(dept, roster_csv([person(1)]), full_sync=False, actor="test")
    ((line, message),) = refused(dept, roster_csv([person(1, email="taken@other.example.gov")]))
    assert line == 2 and "outside this department" in message


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@b", "two@@pd.example.gov", "a b@pd.example.gov"]
)
def test_malformed_emails(make, email):
    problems = refused(make.department(), roster_csv(rows_with_bad(4, email=email)))
    assert [p[0] for p in problems] == [4]
    assert "not a valid email address" in problems[0][1]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file(make, data):
    ((line, message),) = refused(make.department(), data)
    assert line is None and "empty" in message


def test_header_only(make):
    ((line, message),) = refused(make.department(), roster_csv([]))
    assert line is None and "no employee rows" in message


def test_more_than_50000_rows(make):
    body = "".join(f"E{n},F{n},L{n},o{n}@pd.example.gov,Officer,Sworn\n" for n in range(50_001))
    data = (",".join(HEADER) + "\n" + body).encode()
    ((line, message),) = refused(make.department(), data)
    assert line is None and "more than 50,000" in message


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
@pytest.mark.parametrize("column", ["first_name", "last_name", "rank", "employee_number"])
def test_formula_injection(make, start, column):
    data = roster_csv(rows_with_bad(3, **{column: start + 'HYPERLINK("http://x")'}))
    problems = refused(make.department(), data)
    assert [p[0] for p in problems] == [3]
    assert "formula-like values are refused" in problems[0][1]


def test_every_problem_is_reported_at_once_with_its_line(make):
    data = roster_csv(
        [
            person(1),
            person(2, email="bad"),
            person(3, rank="=1+1"),
            person(4),
            person(5, employee_number="B00004"),
        ]
    )
    problems = refused(make.department(), data)
    assert [p[0] for p in problems] == [3, 4, 6]


def test_a_status_column_beside_the_sworn_column_is_not_a_duplicate():
    header = [*HEADER, "Status"]
    text = ",".join(header) + "\r\nB1,Ann,Lee,ann@pd.example.gov,Officer,Civilian,Active\r\n"
    result = parse_roster(text.encode())
    assert result.ok, result.errors
    assert result.rows[0].sworn is False


def test_status_alone_still_names_the_sworn_column():
    text = "Badge,First,Last,Email,Rank,Status\r\nB1,Ann,Lee,ann@pd.example.gov,Officer,Sworn\r\n"
    result = parse_roster(text.encode())
    assert result.ok, result.errors
    assert result.rows[0].sworn is True


def test_control_characters_in_a_file_or_a_scim_payload_are_dropped():
    """A stray bell or terminal colour code never reaches the roster, whichever way it came."""
    from wnwa.roster.roster import clean_person

    data = roster_csv([person(1, first_name="A\x07nn", last_name="B\x1b[31mell")])
    parsed = parse_roster(data)
    assert not parsed.errors
    assert (parsed.rows[0].first_name, parsed.rows[0].last_name) == ("Ann", "B[31mell")
    row, problems = clean_person(
        {
            "employee_number": "7",
            "first_name": "Bell\u0007",
            "last_name": "Esc\u001b[2J",
            "email": "bell@pd.example.gov",
            "rank": "",
            "sworn": "sworn",
        }
    )
    assert not problems and (row.first_name, row.last_name) == ("Bell", "Esc[2J")
