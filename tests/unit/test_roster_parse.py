"""Unit tests for the pure roster CSV parser in wnwa.roster.roster."""

from __future__ import annotations

import csv
import io

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wnwa.csvfiles import export_csv, is_formula
from wnwa.input_guard import CONTROL
from wnwa.roster.roster import (
    MAX_BYTES,
    MAX_ROWS,
    REQUIRED_FIELDS,
    TEMPLATE_HEADERS,
    ParsedRoster,
    RosterIssue,
    RosterRow,
    parse_roster,
    template_csv,
)

FIELD_LABELS = dict(zip(REQUIRED_FIELDS, TEMPLATE_HEADERS, strict=True))
FORMULA_REFUSED = "formula-like values are refused"


def make_row(n: int = 1, **overrides: str) -> list[str]:
    values = {
        "employee_number": f"E{n:05d}",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "email": f"officer{n}@police.example.gov",
        "rank": "Officer",
        "sworn": "Sworn",
    }
    values.update(overrides)
    return [values[field] for field in REQUIRED_FIELDS]


def make_text(
    rows: list[list[str]],
    *,
    header: list[str] | None = None,
    delimiter: str = ",",
    newline: str = "\r\n",
    quoting: int = csv.QUOTE_MINIMAL,
) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(TEMPLATE_HEADERS if header is None else header)
    writer.writerows(rows)
    return buffer.getvalue()


def make_csv(rows: list[list[str]], *, bom: bool = False, **options: object) -> bytes:
    text = make_text(rows, **options)  # type: ignore[arg-type]
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def physical_line_breaks(text: str) -> int:
    return len(io.StringIO(text + "x", newline="").readlines()) - 1


def file_errors(result: ParsedRoster) -> list[str]:
    return [issue.message for issue in result.errors if issue.line is None]


def line_errors(result: ParsedRoster, line: int) -> list[str]:
    return [issue.message for issue in result.errors if issue.line == line]


def assert_single_file_error(result: ParsedRoster, *fragments: str) -> str:
    assert result.rows == []
    assert len(result.errors) == 1
    issue = result.errors[0]
    assert issue.line is None
    for fragment in fragments:
        assert fragment in issue.message
    return issue.message


# --- happy path -------------------------------------------------------------------------


def test_valid_file_produces_rows_with_physical_line_numbers() -> None:
    data = make_csv([make_row(1), make_row(2, sworn="Civilian"), make_row(3)])
    result = parse_roster(data)
    assert result.ok
    assert result.errors == []
    assert [row.line for row in result.rows] == [2, 3, 4]
    assert result.rows[0] == RosterRow(
        line=2,
        employee_number="E00001",
        first_name="First1",
        last_name="Last1",
        email="officer1@police.example.gov",
        rank="Officer",
        sworn=True,
    )
    assert [row.sworn for row in result.rows] == [True, False, True]


def test_values_are_stripped_leading_zeros_kept_and_email_lowercased() -> None:
    row = make_row(
        employee_number="  000123 ",
        first_name=" Jane ",
        last_name=" Doe ",
        email="  Jane.DOE@Police.Example.GOV  ",
        rank=" Sergeant ",
        sworn="  SWORN ",
    )
    result = parse_roster(make_csv([row]))
    assert result.ok, result.errors
    parsed = result.rows[0]
    assert parsed.employee_number == "000123"
    assert parsed.first_name == "Jane"
    assert parsed.last_name == "Doe"
    assert parsed.email == "jane.doe@police.example.gov"
    assert parsed.rank == "Sergeant"
    assert parsed.sworn is True


def test_international_email_is_accepted_and_lowercased() -> None:
    result = parse_roster(make_csv([make_row(email="Jürgen@Bücher.Example.DE")]))
    assert result.ok, result.errors
    assert result.rows[0].email == "jürgen@bücher.example.de"


def test_dataclasses_are_frozen() -> None:
    issue = RosterIssue(line=3, message="x")
    with pytest.raises(AttributeError):
        issue.line = 4  # type: ignore[misc]
    row = parse_roster(make_csv([make_row()])).rows[0]
    with pytest.raises(AttributeError):
        row.email = "other@example.org"  # type: ignore[misc]


def test_ok_is_false_when_there_are_errors() -> None:
    assert ParsedRoster(rows=[], errors=[]).ok
    assert not ParsedRoster(rows=[], errors=[RosterIssue(None, "bad")]).ok


# --- encoding, size, empty files --------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True])
def test_bom_is_optional(bom: bool) -> None:
    data = make_csv([make_row(1), make_row(2)], bom=bom)
    assert data.startswith(b"\xef\xbb\xbf") is bom
    result = parse_roster(data)
    assert result.ok, result.errors
    assert [row.employee_number for row in result.rows] == ["E00001", "E00002"]
    assert [row.line for row in result.rows] == [2, 3]


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_line_endings(newline: str) -> None:
    data = make_csv([make_row(1), make_row(2), make_row(3, email="bad")], newline=newline)
    result = parse_roster(data)
    assert [row.line for row in result.rows] == [2, 3]
    assert len(result.errors) == 1
    assert result.errors[0].line == 4
    assert "Work email" in result.errors[0].message


@pytest.mark.parametrize(
    "data",
    [
        make_text([make_row()]).encode("utf-16"),
        make_text([make_row()]).encode("utf-16-le"),
        make_text([make_row()]).encode("utf-16-be"),
        make_text([make_row(first_name="José")]).encode("latin-1"),
        make_text([make_row(first_name="Łukasz")]).encode("cp1250"),
        b"Employee number,First name\x00\r\n",
    ],
    ids=["utf16-bom", "utf16le", "utf16be", "latin1", "cp1250", "nul-byte"],
)
def test_non_utf8_input_is_one_file_level_error(data: bytes) -> None:
    message = assert_single_file_error(parse_roster(data), "UTF-8")
    assert "CSV UTF-8 (Comma delimited)" in message


@pytest.mark.parametrize(
    "data",
    [b"", b"\xef\xbb\xbf", b"   ", b"\r\n\r\n", b",,,,\r\n\r\n"],
    ids=["empty", "bom-only", "spaces", "blank-lines", "empty-cells"],
)
def test_empty_file_is_file_level_error(data: bytes) -> None:
    assert_single_file_error(parse_roster(data), "empty")


@pytest.mark.parametrize(
    "data",
    [
        make_csv([]),
        make_csv([], bom=True),
        make_csv([]) + b"\r\n\r\n,,,,,\r\n",
        ",".join(TEMPLATE_HEADERS).encode(),
    ],
    ids=["header", "header-bom", "header-and-blank-lines", "header-no-newline"],
)
def test_header_only_is_file_level_error(data: bytes) -> None:
    assert_single_file_error(parse_roster(data), "no employee rows")


def test_file_over_max_bytes_is_rejected_without_parsing() -> None:
    data = make_csv([make_row()])
    data += b" " * (MAX_BYTES + 1 - len(data))
    assert len(data) == MAX_BYTES + 1
    assert_single_file_error(parse_roster(data), "too large", "20 MB")


def test_file_of_exactly_max_bytes_is_parsed() -> None:
    data = make_csv([make_row()])
    blank_line = b"," * 998 + b"\r\n"
    data += blank_line * ((MAX_BYTES - len(data)) // len(blank_line))
    data += b" " * (MAX_BYTES - len(data))
    assert len(data) == MAX_BYTES
    result = parse_roster(data)
    assert result.ok, result.errors
    assert len(result.rows) == 1


# --- CSV dialect: quoting, multi-line cells, semicolons ---------------------------------


def test_quoted_fields_with_commas_and_newlines_use_record_start_line() -> None:
    text = (
        "Employee number,First name,Last name,Work email,Rank,Sworn or civilian\r\n"
        'E1,"Smith, Jr.",Doe,a@police.example.gov,"Officer\nPatrol\nDivision",Sworn\r\n'
        'E2,"Ann ""Annie""",Lee,not-an-email,Detective,Sworn\r\n'
        'E3,"Bob\r\nRobert",Ray,c@police.example.gov,"Lieutenant, Night",Civilian\r\n'
        "E4,Dee,Day,=bad,Chief,Sworn\r\n"
    )
    result = parse_roster(text.encode())
    assert [row.line for row in result.rows] == [2, 6]
    first, third = result.rows
    assert first.first_name == "Smith, Jr."
    assert first.rank == "Officer\nPatrol\nDivision"
    assert third.first_name == "Bob\r\nRobert"
    assert third.rank == "Lieutenant, Night"
    assert third.sworn is False
    assert [issue.line for issue in result.errors] == [5, 8]
    assert "Work email" in result.errors[0].message
    assert FORMULA_REFUSED in result.errors[1].message


def test_semicolon_delimited_file() -> None:
    rows = [make_row(1, rank="Officer, Patrol"), make_row(2, sworn="civilian")]
    result = parse_roster(make_csv(rows, delimiter=";"))
    assert result.ok, result.errors
    assert [row.rank for row in result.rows] == ["Officer, Patrol", "Officer"]
    assert [row.sworn for row in result.rows] == [True, False]


def test_semicolon_file_with_bom_crlf_and_excel_synonyms() -> None:
    text = (
        "\ufeffBadge;Given name;Surname;E-mail;Title;Type\r\n"
        "0042;Ana;Ruiz;ana@police.example.gov;Captain, Ops;S\r\n"
    )
    result = parse_roster(text.encode())
    assert result.ok, result.errors
    assert result.rows == [
        RosterRow(2, "0042", "Ana", "Ruiz", "ana@police.example.gov", "Captain, Ops", True)
    ]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_excel_sep_hint_line_is_honoured(delimiter: str) -> None:
    body = make_text([make_row(1), make_row(2, email="bad")], delimiter=delimiter)
    result = parse_roster(f"sep={delimiter}\r\n{body}".encode())
    assert [row.line for row in result.rows] == [3]
    assert [issue.line for issue in result.errors] == [4]


def test_leading_blank_lines_before_header_keep_physical_line_numbers() -> None:
    data = b"\r\n\r\n" + make_csv([make_row(1)])
    result = parse_roster(data)
    assert result.ok, result.errors
    assert result.rows[0].line == 4


def test_unbalanced_quote_is_reported_with_its_line() -> None:
    text = make_text([make_row(1)]) + 'E2,"Unclosed,Doe,b@police.example.gov,Officer,Sworn\r\n'
    result = parse_roster(text.encode())
    assert result.rows == []
    assert len(result.errors) == 1
    assert result.errors[0].line == 3
    assert "not valid CSV" in result.errors[0].message
    assert "quote" in result.errors[0].message


def test_stray_quote_after_quoted_value_is_reported() -> None:
    text = make_text([]) + 'E1,"Ann"x,Lee,a@police.example.gov,Officer,Sworn\r\n'
    result = parse_roster(text.encode())
    assert [issue.line for issue in result.errors] == [2]
    assert "not valid CSV" in result.errors[0].message


def test_quote_inside_unquoted_value_is_tolerated() -> None:
    text = make_text([]) + 'E1,Ann,O"Neil,a@police.example.gov,Officer,Sworn\r\n'
    result = parse_roster(text.encode())
    assert result.ok, result.errors
    assert result.rows[0].last_name == 'O"Neil'


# --- header matching ---------------------------------------------------------------------

SYNONYMS = {
    "employee_number": [
        "employee number",
        "employee no",
        "emp no",
        "employee id",
        "badge",
        "badge number",
        "badge no",
        "id number",
        "employeenumber",
    ],
    "first_name": ["first name", "first", "given name", "firstname"],
    "last_name": ["last name", "last", "surname", "family name", "lastname"],
    "email": ["work email", "email", "e-mail", "email address", "mail"],
    "rank": ["rank", "title", "rank/title"],
    "sworn": [
        "sworn or civilian",
        "sworn/civilian",
        "sworn",
        "type",
        "status",
        "employee type",
        "classification",
    ],
}


@pytest.mark.parametrize(
    ("field", "synonym"),
    [(field, synonym) for field, synonyms in SYNONYMS.items() for synonym in synonyms],
)
def test_every_header_synonym_is_recognised(field: str, synonym: str) -> None:
    header = list(TEMPLATE_HEADERS)
    header[REQUIRED_FIELDS.index(field)] = synonym
    result = parse_roster(make_csv([make_row()], header=header))
    assert result.ok, result.errors
    assert len(result.rows) == 1


@pytest.mark.parametrize(
    "variant",
    [
        "EMPLOYEE NUMBER",
        "employee_number",
        "Employee-Number",
        "  Employee   Number  ",
        "Employee No.",
        "Emp. No",
        "EMP_NO",
        "Badge #",
        "Employee ID:",
        "EmployeeNumber",
    ],
)
def test_header_matching_ignores_case_spaces_underscores_and_punctuation(variant: str) -> None:
    header = [variant, *TEMPLATE_HEADERS[1:]]
    result = parse_roster(make_csv([make_row()], header=header))
    assert result.ok, result.errors


def test_columns_can_be_in_any_order_and_extra_columns_are_ignored() -> None:
    header = ["Notes", "Sworn", "EMAIL", "Rank", "Surname", "Unit", "First Name", "Badge No"]
    row = ["likes, commas", "civilian", "X@Police.Example.GOV", "Clerk", "Poe", "7", "Ed", "77"]
    result = parse_roster(make_csv([row], header=header))
    assert result.ok, result.errors
    assert result.rows == [
        RosterRow(2, "77", "Ed", "Poe", "x@police.example.gov", "Clerk", False),
    ]


def test_missing_columns_are_one_error_naming_every_missing_column() -> None:
    header = ["Employee number", "First name", "Notes", "Rank"]
    result = parse_roster(make_csv([["1", "Ann", "x", "Chief"]], header=header))
    message = assert_single_file_error(result, "Last name", "Work email", "Sworn or civilian")
    assert "missing" in message


def test_single_missing_column_uses_template_name() -> None:
    header = ["Badge", "First", "Last", "Email", "Rank"]
    result = parse_roster(make_csv([make_row()[:5]], header=header))
    assert_single_file_error(result, "Sworn or civilian")


def test_file_without_header_reports_all_columns_missing() -> None:
    text = "E1,Ann,Lee,a@police.example.gov,Officer,Sworn\r\n" * 2
    message = assert_single_file_error(parse_roster(text.encode()), *TEMPLATE_HEADERS)
    assert "missing" in message


def test_duplicate_header_for_same_field_is_file_level_error() -> None:
    header = [*TEMPLATE_HEADERS, "E-mail"]
    result = parse_roster(make_csv([[*make_row(), "other@police.example.gov"]], header=header))
    assert_single_file_error(result, '"Work email"', '"E-mail"', "only one")


def test_duplicate_and_missing_headers_are_both_reported() -> None:
    header = ["Badge", "Employee ID", "First name", "Last name", "Email", "Rank"]
    result = parse_roster(
        make_csv([["1", "1", "A", "B", "a@police.example.gov", "C"]], header=header)
    )
    assert result.rows == []
    assert len(result.errors) == 2
    assert all(issue.line is None for issue in result.errors)
    assert "Sworn or civilian" in result.errors[0].message
    assert '"Badge"' in result.errors[1].message
    assert '"Employee ID"' in result.errors[1].message


def test_status_and_type_columns_together_are_a_duplicate() -> None:
    header = [*TEMPLATE_HEADERS[:5], "Type", "Status"]
    result = parse_roster(make_csv([[*make_row()[:5], "Sworn", "Active"]], header=header))
    assert_single_file_error(result, '"Type"', '"Status"', "Sworn or civilian")


# --- sworn column ------------------------------------------------------------------------

SWORN_TRUE = ["sworn", "s", "yes", "y", "true", "1", "officer"]
SWORN_FALSE = ["civilian", "c", "no", "n", "false", "0", "non-sworn", "nonsworn"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(value, True) for value in SWORN_TRUE]
    + [(value, False) for value in SWORN_FALSE]
    + [("  SWORN  ", True), ("Yes", True), ("OFFICER", True), ("TRUE", True)]
    + [(" Civilian ", False), ("Non-Sworn", False), ("NONSWORN", False), ("No", False)],
)
def test_sworn_values(raw: str, expected: bool) -> None:
    result = parse_roster(make_csv([make_row(sworn=raw)]))
    assert result.ok, result.errors
    assert result.rows[0].sworn is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "part-time", "sworn officer", "yess", "x"])
def test_unknown_sworn_value_is_row_error_naming_the_column(raw: str) -> None:
    result = parse_roster(make_csv([make_row(1), make_row(2, sworn=raw)]))
    assert [row.line for row in result.rows] == [2]
    assert len(result.errors) == 1
    issue = result.errors[0]
    assert issue.line == 3
    assert "Sworn or civilian" in issue.message
    assert f'"{raw}"' in issue.message


# --- blank lines and row limits ----------------------------------------------------------


def test_blank_lines_are_skipped_and_not_counted() -> None:
    text = (
        make_text([make_row(1)])
        + "\r\n"
        + ",,,,,\r\n"
        + " , ,\t, , , \r\n"
        + '"","","","","",""\r\n'
        + make_text([make_row(2)], header=make_row(3))
        + "\r\n"
    )
    result = parse_roster(text.encode())
    assert result.ok, result.errors
    assert [(row.line, row.employee_number) for row in result.rows] == [
        (2, "E00001"),
        (7, "E00003"),
        (8, "E00002"),
    ]


def test_blank_lines_do_not_count_towards_max_rows() -> None:
    text = (
        make_text([make_row(1)]) + "\r\n,,,\r\n\r\n" + make_text([make_row(2)], header=make_row(3))
    )
    result = parse_roster(text.encode(), max_rows=3)
    assert result.ok, result.errors
    assert len(result.rows) == 3


def test_exactly_max_rows_is_accepted() -> None:
    result = parse_roster(make_csv([make_row(n) for n in range(3)]), max_rows=3)
    assert result.ok, result.errors
    assert len(result.rows) == 3


def test_more_than_max_rows_is_one_file_level_error() -> None:
    result = parse_roster(make_csv([make_row(n) for n in range(4)]), max_rows=3)
    message = assert_single_file_error(result, "more than 3 ")
    assert "Split" in message


def test_parsing_stops_at_the_row_limit() -> None:
    rows = [make_row(1, email="bad"), make_row(2), make_row(3)]
    text = make_text(rows) + 'E9,"never closed,Doe\r\n' + "x\r\n" * 100
    result = parse_roster(text.encode(), max_rows=2)
    assert_single_file_error(result, "more than 2 ")


def test_real_row_limit_with_generated_file() -> None:
    header = ",".join(TEMPLATE_HEADERS)
    body = "".join(
        f"E{n},F{n},L{n},o{n}@police.example.gov,Officer,Sworn\n" for n in range(MAX_ROWS + 1)
    )
    data = f"{header}\n{body}".encode()
    assert MAX_ROWS == 50_000
    assert_single_file_error(parse_roster(data), "more than 50,000 ")
    trimmed = data[: data.rindex(b"E50000,")]
    result = parse_roster(trimmed)
    assert result.ok, result.errors[:3]
    assert len(result.rows) == MAX_ROWS
    assert result.rows[-1].line == MAX_ROWS + 1


# --- row errors --------------------------------------------------------------------------


@pytest.mark.parametrize("field", [f for f in REQUIRED_FIELDS if f != "rank"])
@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_missing_value_names_the_column(field: str, blank: str) -> None:
    result = parse_roster(make_csv([make_row(1), make_row(2, **{field: blank})]))
    assert [row.line for row in result.rows] == [2]
    assert len(result.errors) == 1
    issue = result.errors[0]
    assert issue.line == 3
    assert FIELD_LABELS[field] in issue.message
    assert "missing" in issue.message


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_a_rank_may_be_left_empty(blank: str) -> None:
    result = parse_roster(make_csv([make_row(1, rank=blank)]))
    assert result.ok, result.errors
    assert result.rows[0].rank == ""


def test_short_row_reports_each_missing_trailing_column() -> None:
    text = make_text([]) + "E1,Ann\r\n"
    result = parse_roster(text.encode())
    assert result.rows == []
    assert [issue.line for issue in result.errors] == [2, 2, 2]  # a rank may be empty
    required = [label for label in TEMPLATE_HEADERS[2:] if label != "Rank"]
    for label, message in zip(required, (i.message for i in result.errors), strict=True):
        assert label in message
        assert "missing" in message


def test_long_row_extra_cells_are_ignored() -> None:
    text = make_text([[*make_row(), "extra", "=formula"]])
    result = parse_roster(text.encode())
    assert result.ok, result.errors


def test_one_row_can_carry_several_errors() -> None:
    row = make_row(employee_number="", email="nope", rank="=HYPERLINK()", sworn="perhaps")
    result = parse_roster(make_csv([row]))
    assert result.rows == []
    assert [issue.line for issue in result.errors] == [2, 2, 2, 2]
    joined = [issue.message for issue in result.errors]
    assert "Employee number" in joined[0]
    assert "Work email" in joined[1]
    assert "Rank" in joined[2]
    assert FORMULA_REFUSED in joined[2]
    assert "Sworn or civilian" in joined[3]


@pytest.mark.parametrize(
    "email",
    [
        "plainaddress",
        "no-at-sign.example.org",
        "two@@police.example.gov",
        "a@b",
        "a b@police.example.gov",
        "a..b@police.example.gov",
        ".a@police.example.gov",
        "a.@police.example.gov",
        "a@-police.example.gov",
        "a@police..example.gov",
        "Jane Doe <jane@police.example.gov>",
        "jane@police.test",
        "jane@localhost",
        "a@police.example.gov.",
        "jane@police_dept.example.gov",
        "jane@" + "a" * 64 + ".example.gov",
    ],
)
def test_malformed_email_is_row_error_naming_the_column(email: str) -> None:
    result = parse_roster(make_csv([make_row(email=email)]))
    assert result.rows == []
    assert len(result.errors) == 1
    issue = result.errors[0]
    assert issue.line == 2
    assert "Work email" in issue.message
    assert "not a valid email address" in issue.message


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
@pytest.mark.parametrize(
    "prefix", ["=", "+", "-", "@", "\t", "\r", " =", "  @", " +", "\t1", "\r\n="]
)
def test_formula_like_value_in_any_required_field_is_refused(field: str, prefix: str) -> None:
    row = make_row(2, **{field: prefix + "cmd|' /C calc'!A0"})
    result = parse_roster(make_csv([make_row(1), row, make_row(3)]))
    assert [r.line for r in result.rows] == [2, 4 + physical_line_breaks(prefix)]
    assert len(result.errors) == 1
    issue = result.errors[0]
    assert issue.line == 3
    assert FIELD_LABELS[field] in issue.message
    assert FORMULA_REFUSED in issue.message
    assert "calc" not in issue.message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Mary-Jane"),
        ("last_name", "Smith-Jones"),
        ("rank", "Officer (K-9) @ HQ"),
        ("employee_number", "12-345"),
        ("email", "first+tag@police.example.gov"),
    ],
)
def test_formula_characters_inside_a_value_are_fine(field: str, value: str) -> None:
    result = parse_roster(make_csv([make_row(**{field: value})]))
    assert result.ok, result.errors


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("employee_number", 40),
        ("first_name", 100),
        ("last_name", 100),
        ("rank", 100),
    ],
)
def test_text_length_limits(field: str, limit: int) -> None:
    at_limit = make_row(1, **{field: "A" * limit})
    over_limit = make_row(2, **{field: "B" * (limit + 1)})
    padded = make_row(3, **{field: "  " + "C" * limit + "  "})
    result = parse_roster(make_csv([at_limit, over_limit, padded]))
    assert [row.line for row in result.rows] == [2, 4]
    assert len(result.errors) == 1
    issue = result.errors[0]
    assert issue.line == 3
    assert FIELD_LABELS[field] in issue.message
    assert "too long" in issue.message
    assert str(limit) in issue.message
    assert "B" * 20 not in issue.message


def long_email(length: int) -> str:
    local = "a" * 64
    labels = []
    remaining = length - len(local) - 1
    while remaining > 0:
        size = min(63, remaining)
        if remaining - size == 1:
            size -= 2
        labels.append("b" * size)
        remaining -= size + 1
    email = f"{local}@{'.'.join(labels)}"
    assert len(email) == length, len(email)
    return email


def test_email_length_limit() -> None:
    at_limit = long_email(254)
    over_limit = long_email(255)
    result = parse_roster(make_csv([make_row(1, email=at_limit), make_row(2, email=over_limit)]))
    assert [row.email for row in result.rows] == [at_limit]
    assert len(result.errors) == 1
    issue = result.errors[0]
    assert issue.line == 3
    assert "Work email" in issue.message
    assert "too long" in issue.message
    assert "254" in issue.message


def test_duplicate_employee_number_is_reported_on_later_lines() -> None:
    rows = [
        make_row(1, employee_number="0042"),
        make_row(2, employee_number="42"),
        make_row(3, employee_number=" 0042 "),
        make_row(4, employee_number="A7"),
        make_row(5, employee_number="a7"),
        make_row(6, employee_number="0042"),
    ]
    result = parse_roster(make_csv(rows))
    assert [row.line for row in result.rows] == [2, 3, 5, 6]
    assert [issue.line for issue in result.errors] == [4, 7]
    for issue in result.errors:
        assert "Employee number" in issue.message
        assert '"0042"' in issue.message
        assert "duplicate" in issue.message
        assert "line 2" in issue.message


def test_duplicate_email_is_case_insensitive_and_names_earlier_line() -> None:
    rows = [
        make_row(1, email="dup@police.example.gov"),
        make_row(2),
        make_row(3, email="  DUP@Police.Example.Gov "),
    ]
    result = parse_roster(make_csv(rows))
    assert [row.line for row in result.rows] == [2, 3]
    assert len(result.errors) == 1
    issue = result.errors[0]
    assert issue.line == 4
    assert "Work email" in issue.message
    assert "dup@police.example.gov" in issue.message
    assert "line 2" in issue.message


def test_duplicate_number_and_email_on_same_row_give_two_errors() -> None:
    result = parse_roster(make_csv([make_row(1), make_row(1)]))
    assert [row.line for row in result.rows] == [2]
    assert [issue.line for issue in result.errors] == [3, 3]
    assert "Employee number" in result.errors[0].message
    assert "Work email" in result.errors[1].message


def test_duplicate_of_a_row_that_has_other_errors_still_names_it() -> None:
    rows = [make_row(1, sworn="??"), make_row(2, employee_number="E00001")]
    result = parse_roster(make_csv(rows))
    assert result.rows == []
    assert [issue.line for issue in result.errors] == [2, 3]
    assert "line 2" in result.errors[1].message


def test_messages_never_echo_the_whole_row() -> None:
    row = make_row(
        first_name="SECRETFIRST",
        last_name="SECRETLAST",
        rank="SECRETRANK",
        email="still not an email",
        sworn="neither",
    )
    result = parse_roster(make_csv([row]))
    assert len(result.errors) == 2
    for issue in result.errors:
        assert "SECRET" not in issue.message
        assert "E00001" not in issue.message


def test_long_bad_values_are_truncated_in_messages() -> None:
    result = parse_roster(make_csv([make_row(sworn="x" * 60 + "\n" + "y" * 30)]))
    message = result.errors[0].message
    assert "Sworn or civilian" in message
    assert len(message) < 150
    assert "\n" not in message
    assert "y" * 20 not in message


def test_thirteen_thousand_rows_parse_correctly() -> None:
    count = 13_000
    rows = [make_row(n, sworn="Sworn" if n % 3 else "Civilian") for n in range(count)]
    rows[5000] = make_row(5000, email="broken@")
    rows[12_999] = make_row(12_999, employee_number="E00007")
    result = parse_roster(make_csv(rows))
    assert len(result.rows) == count - 2
    assert [(issue.line, "Work email" in issue.message) for issue in result.errors] == [
        (5002, True),
        (13_001, False),
    ]
    assert "line 9" in result.errors[1].message
    assert result.rows[0].line == 2
    assert result.rows[-1] == RosterRow(
        13_000,
        "E12998",
        "First12998",
        "Last12998",
        "officer12998@police.example.gov",
        "Officer",
        True,
    )
    assert sum(not row.sworn for row in result.rows) == len(range(0, count, 3)) - 1
    assert len({row.email for row in result.rows}) == count - 2


# --- is_formula -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", " =x", "   @x", "\n=x", "\u00a0=x", "\t", "\r"],
)
def test_is_formula_true(value: str) -> None:
    assert is_formula(value)


@pytest.mark.parametrize(
    "value", ["", " ", "abc", "a=b", "Mary-Jane", "x@example.org", "1+1", "'=x", "|x", "%x"]
)
def test_is_formula_false(value: str) -> None:
    assert not is_formula(value)


# --- template and export ----------------------------------------------------------------


def test_template_csv_shape() -> None:
    text = template_csv()
    assert text.endswith("\r\n")
    lines = text.split("\r\n")
    assert len(lines) == 3
    assert lines[2] == ""
    assert "\n" not in text.replace("\r\n", "")
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0] == TEMPLATE_HEADERS
    assert len(records[1]) == len(TEMPLATE_HEADERS)


@pytest.mark.parametrize("bom", [False, True])
def test_template_round_trips_through_parser(bom: bool) -> None:
    data = ("\ufeff" if bom else "") + template_csv()
    result = parse_roster(data.encode("utf-8"))
    assert result.ok, result.errors
    assert len(result.rows) == 1
    assert result.rows[0].line == 2


def test_export_csv_neutralises_formula_cells_and_uses_crlf() -> None:
    text = export_csv(["Name", "=Header"], [["=cmd", "ok"], ["@x", "+1"], ["-x", "plain"]])
    assert text == "Name,'=Header\r\n'=cmd,ok\r\n'@x,'+1\r\n'-x,plain\r\n"


def test_export_csv_neutralises_cells_that_defusedcsv_alone_would_miss() -> None:
    text = export_csv(["v"], [[" =cmd"], ["\tcmd"], ["\r=cmd"]])
    values = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert values == ["' =cmd", "'\tcmd", "'\r=cmd"]
    assert all(not is_formula(value) for value in values)


def test_export_csv_quotes_and_keeps_other_values() -> None:
    text = export_csv(
        ["a", "b", "c", "d"], [("x, y", 'say "hi"', None, 3), ["line\nbreak", -2, 1.5, "-12"]]
    )
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["a", "b", "c", "d"],
        ["x, y", 'say "hi"', "", "3"],
        ["line\nbreak", "-2", "1.5", "-12"],
    ]
    assert text.count("\r\n") == 3


def test_export_csv_accepts_a_generator_and_empty_rows() -> None:
    assert export_csv(["h"], (row for row in [])) == "h\r\n"


def test_exported_roster_reparses_to_the_same_rows() -> None:
    original = parse_roster(make_csv([make_row(n) for n in range(5)]))
    exported = export_csv(
        TEMPLATE_HEADERS,
        (
            [r.employee_number, r.first_name, r.last_name, r.email, r.rank, r.sworn]
            for r in original.rows
        ),
    )
    again = parse_roster(exported.encode())
    assert again.ok, again.errors
    assert again.rows == original.rows


# --- properties ---------------------------------------------------------------------------


def expected_email_outcome(raw: str) -> tuple[bool, str]:
    """(accepted, normalised email) or (refused, fragment of the expected message)."""
    value = raw.strip()
    if not value:
        return False, "missing"
    if is_formula(raw):
        return False, FORMULA_REFUSED
    if len(value) > 254:
        return False, "too long"
    try:
        return True, validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return False, "not a valid email address"


email_candidates = st.one_of(
    st.emails(),
    st.from_regex(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,70}@[A-Za-z0-9._-]{1,70}", fullmatch=True),
    st.from_regex(r"[a-z]{1,8}@[a-z0-9-]{1,70}(\.[a-zA-Z0-9-]{1,64}){1,4}", fullmatch=True),
    st.text(max_size=40).map(lambda s: s + "@police.example.gov"),
    st.text(max_size=30),
).filter(lambda s: "\x00" not in s)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(email_candidates)
def test_email_outcome_matches_email_validator(raw: str) -> None:
    result = parse_roster(make_csv([make_row(email=raw)]))
    accepted, expected = expected_email_outcome(CONTROL.sub("", raw))  # dropped from files
    if accepted:
        assert result.ok, (raw, result.errors)
        assert result.rows[0].email == expected
    else:
        assert result.rows == []
        assert len(result.errors) == 1
        assert result.errors[0].line == 2
        assert "Work email" in result.errors[0].message
        assert expected in result.errors[0].message


cell_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    min_size=1,
    max_size=20,
).filter(lambda s: bool(s.strip()) and not is_formula(s) and not CONTROL.search(s))
sworn_spelling = st.sampled_from([*SWORN_TRUE, *SWORN_FALSE, " Sworn ", "CIVILIAN", "Non-Sworn"])


@settings(max_examples=150)
@given(
    people=st.lists(st.tuples(cell_text, cell_text, cell_text, sworn_spelling), max_size=8),
    delimiter=st.sampled_from([",", ";"]),
    newline=st.sampled_from(["\r\n", "\n", "\r"]),
    bom=st.booleans(),
    quote_all=st.booleans(),
)
def test_generated_files_round_trip_with_correct_line_numbers(
    people: list[tuple[str, str, str, str]],
    delimiter: str,
    newline: str,
    bom: bool,
    quote_all: bool,
) -> None:
    # csv.writer only quotes the characters of its own line terminator, so a bare CR or
    # LF inside a value is only safe with QUOTE_MINIMAL when the terminator is CRLF.
    quoting = csv.QUOTE_ALL if quote_all or newline != "\r\n" else csv.QUOTE_MINIMAL
    rows = [
        make_row(n, first_name=first, last_name=last, rank=rank, sworn=sworn)
        for n, (first, last, rank, sworn) in enumerate(people)
    ]
    text = make_text(rows, delimiter=delimiter, newline=newline, quoting=quoting)
    result = parse_roster((("\ufeff" if bom else "") + text).encode())
    if not rows:
        assert_single_file_error(result, "no employee rows")
        return
    assert result.ok, result.errors
    expected_lines = []
    for index in range(len(rows)):
        before = make_text(rows[:index], delimiter=delimiter, newline=newline, quoting=quoting)
        expected_lines.append(physical_line_breaks(before) + 1)
    assert [row.line for row in result.rows] == expected_lines
    for parsed, (first, last, rank, sworn) in zip(result.rows, people, strict=True):
        assert parsed.first_name == first.strip()
        assert parsed.last_name == last.strip()
        assert parsed.rank == rank.strip()
        assert parsed.sworn is (sworn.strip().casefold() in SWORN_TRUE)


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    result = parse_roster(data)
    assert isinstance(result, ParsedRoster)
    assert result.ok == (not result.errors)
    assert result.errors or result.rows


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_arbitrary_text_under_a_valid_header_never_raises(body: str) -> None:
    result = parse_roster((make_text([]) + body).encode("utf-8"))
    assert result.errors or result.rows
    for issue in result.errors:
        assert issue.message
        assert issue.line is None or issue.line >= 2
