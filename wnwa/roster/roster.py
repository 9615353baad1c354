"""Parse and produce police department roster CSV files.

Pure functions only: no Flask, no database. ``parse_roster`` turns the bytes of an
uploaded roster into validated rows plus human-readable problems; ``template_csv`` is the
blank roster (spreadsheet-safe CSV, via wnwa.csvfiles).
"""

from __future__ import annotations

import csv
import gc
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from wnwa import emails
from wnwa.csvfiles import FORMULA_STARTS, export_csv, is_formula
from wnwa.input_guard import CONTROL

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
# The export's last column (wnwa.roster.people.EXPORT_HEADERS): a line whose status is
# DEPARTED is someone who left, and an import skips it, so an export imports back unchanged.
ROSTER_STATUS = "rosterstatus"
DEPARTED = "Departed"
ON_ROSTER = "On roster"
REQUIRED_FIELDS = ("employee_number", "first_name", "last_name", "email", "rank", "sworn")
TEMPLATE_HEADERS = [
    "Employee number",
    "First name",
    "Last name",
    "Work email",
    "Rank",
    "Sworn or civilian",
]

_LABELS: dict[str, str] = dict(zip(REQUIRED_FIELDS, TEMPLATE_HEADERS, strict=True))
_MAX_LENGTHS: dict[str, int] = {
    "employee_number": 40,
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "rank": 100,
    "sworn": 100,
}
_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "employee_number": (
        "employee number",
        "employee no",
        "emp no",
        "employee id",
        "badge",
        "badge number",
        "badge no",
        "id number",
        "employeenumber",
    ),
    "first_name": ("first name", "first", "given name", "firstname"),
    "last_name": ("last name", "last", "surname", "family name", "lastname"),
    "email": ("work email", "email", "e-mail", "email address", "mail"),
    "rank": ("rank", "title", "rank/title"),
    "sworn": (
        "sworn or civilian",
        "sworn/civilian",
        "sworn",
        "type",
        "status",
        "employee type",
        "classification",
    ),
}
# Generic words that name the sworn column only when no more specific header does: a real
# roster often has "Status" (Active/Leave) or "Type" beside a "Sworn or civilian" column.
_GENERIC_HEADERS: frozenset[str] = frozenset({"type", "status"})
_SWORN_VALUES = frozenset({"sworn", "s", "yes", "y", "true", "1", "officer"})
_CIVILIAN_VALUES = frozenset({"civilian", "c", "no", "n", "false", "0", "nonsworn"})
_EXAMPLE_ROW = ["00123", "Jane", "Doe", "jane.doe@police.example.gov", "Sergeant", "Sworn"]

_NOT_UTF8_MESSAGE = (
    "The file is not UTF-8 text. In Excel choose 'File > Save As' and the type "
    "'CSV UTF-8 (Comma delimited)', then upload that file."
)
_FORMULA_MESSAGE = (
    "{label}: formula-like values are refused (a cell must not start with =, +, -, @, "
    "a tab or a carriage return). Remove the leading character."
)

_NON_ALNUM = re.compile(r"[^a-z0-9]")
_SEP_LINE = re.compile(r"sep=([,;])", re.IGNORECASE)
_SHOWN_LENGTH = 40


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One valid employee from the roster; ``line`` is the physical line it starts on."""

    line: int
    employee_number: str
    first_name: str
    last_name: str
    email: str
    rank: str
    sworn: bool


@dataclass(frozen=True, slots=True)
class RosterIssue:
    """A problem found in the file; ``line`` is None for a file-level problem."""

    line: int | None
    message: str


@dataclass(slots=True)
class ParsedRoster:
    """The outcome of ``parse_roster``: valid rows and every problem found."""

    rows: list[RosterRow]
    errors: list[RosterIssue]

    @property
    def ok(self) -> bool:
        """True when the file has no problems at all."""
        return not self.errors


class _FileProblem(Exception):
    """One or more problems that make the whole file unusable."""

    def __init__(self, *messages: str, line: int | None = None) -> None:
        super().__init__(*messages)
        self.messages = messages
        self.line = line

    def issues(self) -> list[RosterIssue]:
        return [RosterIssue(self.line, message) for message in self.messages]


def template_csv() -> str:
    """The roster template: the header line and one example row, CRLF line ends."""
    return export_csv(TEMPLATE_HEADERS, [_EXAMPLE_ROW])


def clean_person(values: dict[str, str], *, line: int = 0) -> tuple[RosterRow | None, list[str]]:
    """Validate one person given field by field (a form, a SCIM payload) by the CSV rules.

    ``values`` maps the names in REQUIRED_FIELDS to raw text; a missing rank is allowed
    (it becomes an empty rank). Returns the row, or None and one message per bad field.
    """
    cleaned: dict[str, str | bool] = {}
    messages: list[str] = []
    for field in REQUIRED_FIELDS:
        raw = CONTROL.sub("", values.get(field, ""))  # as a roster file's are dropped
        if field == "rank" and not raw.strip():
            cleaned[field] = ""
            continue
        try:
            cleaned[field] = _clean_field(field, raw)
        except ValueError as exc:
            messages.append(str(exc))
    if messages:
        return None, messages
    return _build_row(line, cleaned), []


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Run a block (or, as a decorator, a function) without Python's cyclic garbage collector.

    A 13,000-row roster makes tens of thousands of small objects that live through the parse,
    the plan and the import and hold no reference cycles: reference counting frees them. Left
    on, the collector walks them again and again, and they set off a full collection, which
    walks every object of the process (about 0.1 s each time). Collection resumes after the
    block; a block inside another one leaves it to the outer one.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@cycle_collection_paused()
def parse_roster(data: bytes, *, max_rows: int = MAX_ROWS) -> ParsedRoster:
    """Parse and validate an uploaded roster CSV (UTF-8, comma or semicolon separated)."""
    try:
        text = _decode(data)
        delimiter, skip_first_line = _detect_delimiter(text)
        records = _records(text, delimiter, skip_first_line)
        columns = _read_header(records)
        data_records = _collect_data_records(records, max_rows)
    except _FileProblem as problem:
        return ParsedRoster(rows=[], errors=problem.issues())
    return _validate_records(data_records, columns)


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise _FileProblem(
            f"The file is too large ({len(data):,} bytes); the maximum is "
            f"{MAX_BYTES // (1024 * 1024)} MB."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _FileProblem(_NOT_UTF8_MESSAGE) from None
    if "\x00" in text:
        raise _FileProblem(_NOT_UTF8_MESSAGE)
    text = CONTROL.sub("", text)  # stray control characters (a bell, a colour code): dropped
    if not text.strip():
        raise _FileProblem("The file is empty. Add a header line and one line per employee.")
    return text


def _first_nonblank_line(text: str) -> str:
    for line in io.StringIO(text, newline=""):
        if line.strip():
            return line.rstrip("\r\n")
    return ""


def _detect_delimiter(text: str) -> tuple[str, bool]:
    """The delimiter, and whether the first line is an Excel ``sep=`` hint to skip."""
    first = _first_nonblank_line(text)
    hint = _SEP_LINE.fullmatch(first.strip())
    if hint:
        return hint.group(1), True
    scores = {delimiter: _matched_field_count(first, delimiter) for delimiter in ",;"}
    if scores[","] != scores[";"]:
        return max(scores, key=scores.__getitem__), False
    try:
        return csv.Sniffer().sniff(first, delimiters=",;").delimiter, False
    except csv.Error:
        return ",", False


def _matched_field_count(line: str, delimiter: str) -> int:
    try:
        cells = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return 0
    return len({_HEADER_LOOKUP.get(_normalise_header(cell)) for cell in cells} - {None})


def _records(text: str, delimiter: str, skip_first_line: bool) -> Iterator[tuple[int, list[str]]]:
    """Yield (line the record starts on, cells) for every CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for cells in reader:
            if not skip_first_line:
                yield start, cells
            skip_first_line = False
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _FileProblem(
            f"Line {start} is not valid CSV ({exc}). Check that quotes around values are "
            "balanced, or re-save the file from your spreadsheet program.",
            line=start,
        ) from None


def _is_blank(cells: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _normalise_header(cell: str) -> str:
    return _NON_ALNUM.sub("", cell.casefold())


_HEADER_LOOKUP: dict[str, str] = {
    _normalise_header(synonym): field
    for field, synonyms in _HEADER_SYNONYMS.items()
    for synonym in synonyms
}


def _read_header(records: Iterator[tuple[int, list[str]]]) -> dict[str, int]:
    """Find the header record and map each required field to its column index."""
    for _line, cells in records:
        if not _is_blank(cells):
            return _map_header(cells)
    raise _FileProblem("The file is empty. Add a header line and one line per employee.")


def _map_header(cells: Sequence[str]) -> dict[str, int]:
    found: dict[str, list[int]] = {}
    generic: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        name = _normalise_header(cell)
        field = _HEADER_LOOKUP.get(name)
        if field is not None:
            (generic if name in _GENERIC_HEADERS else found).setdefault(field, []).append(index)
    for field, indexes in generic.items():
        found.setdefault(field, indexes)
    problems = [
        _duplicate_header_message(field, found[field], cells)
        for field in REQUIRED_FIELDS
        if len(found.get(field, ())) > 1
    ]
    missing = [_LABELS[field] for field in REQUIRED_FIELDS if field not in found]
    if missing:
        problems.insert(0, _missing_columns_message(missing))
    if problems:
        raise _FileProblem(*problems)
    columns = {field: indexes[0] for field, indexes in found.items()}
    status = [i for i, cell in enumerate(cells) if _normalise_header(cell) == ROSTER_STATUS]
    if status:  # an export that lists people who left: they are not on the roster
        columns[ROSTER_STATUS] = status[0]
    return columns


def _missing_columns_message(missing: list[str]) -> str:
    noun = "column" if len(missing) == 1 else "columns"
    return (
        f"The header line is missing the required {noun}: {', '.join(missing)}. "
        f"The header line must name these columns: {', '.join(TEMPLATE_HEADERS)}."
    )


def _duplicate_header_message(field: str, indexes: list[int], cells: Sequence[str]) -> str:
    names = ", ".join(_show(cells[index]) for index in indexes)
    return f"More than one column means {_LABELS[field]}: {names}. Keep only one of them."


def _collect_data_records(
    records: Iterator[tuple[int, list[str]]], max_rows: int
) -> list[tuple[int, list[str]]]:
    collected: list[tuple[int, list[str]]] = []
    for line, cells in records:
        if _is_blank(cells):
            continue
        if len(collected) >= max_rows:
            raise _FileProblem(
                f"The file has more than {max_rows:,} employee rows, the most one upload can "
                f"hold. Split it into files of at most {max_rows:,} rows."
            )
        collected.append((line, cells))
    if not collected:
        raise _FileProblem("The file has a header line but no employee rows.")
    return collected


def _validate_records(
    records: list[tuple[int, list[str]]], columns: dict[str, int]
) -> ParsedRoster:
    result = ParsedRoster(rows=[], errors=[])
    first_line_of_number: dict[str, int] = {}
    first_line_of_email: dict[str, int] = {}
    status = columns.get(ROSTER_STATUS)
    for line, cells in records:
        state = cells[status].strip() if status is not None and status < len(cells) else ""
        if state.casefold() == DEPARTED.casefold():
            continue  # an exported line of someone who left: not on the roster
        values, messages = _clean_fields(cells, columns)
        if state and state.casefold() != ON_ROSTER.casefold():
            messages.append(
                f"Roster status is “{state}”: write “{ON_ROSTER}”, “{DEPARTED}” or nothing."
            )
        messages += _duplicate_messages(line, values, first_line_of_number, first_line_of_email)
        if messages:
            result.errors.extend(RosterIssue(line, message) for message in messages)
        else:
            result.rows.append(_build_row(line, values))
    return result


def _clean_fields(
    cells: Sequence[str], columns: dict[str, int]
) -> tuple[dict[str, str | bool], list[str]]:
    """Validated values of one record by field, and messages for the invalid ones.

    A cell that starts with a visible character other than = + - @ and fits its column is
    plainly not missing and not a formula: it skips those checks (the same outcome as
    `_clean_field`, which every other cell goes through, at a fraction of the cost for the
    thousands of ordinary cells of a large roster)."""
    values: dict[str, str | bool] = {}
    messages: list[str] = []
    count = len(cells)
    for field in REQUIRED_FIELDS:
        index = columns[field]
        raw = cells[index] if index < count else ""
        first = raw[:1]
        try:
            if first and not first.isspace() and first not in FORMULA_STARTS:
                value = raw.rstrip()
                if len(value) <= _MAX_LENGTHS[field]:
                    if field == "email":
                        values[field] = _normalise_email(value)
                    elif field == "sworn":
                        values[field] = _parse_sworn(value)
                    else:
                        values[field] = value
                    continue
            values[field] = _clean_field(field, raw)
        except ValueError as exc:
            messages.append(str(exc))
    return values, messages


def _clean_field(field: str, raw: str) -> str | bool:
    label = _LABELS[field]
    value = raw.strip()
    if not value and field == "rank":
        return ""  # a rank may be left empty (SCIM may not send one; an export keeps it empty)
    if not value:
        raise ValueError(f"{label} is missing.")
    if is_formula(raw):
        raise ValueError(_FORMULA_MESSAGE.format(label=label))
    limit = _MAX_LENGTHS[field]
    if len(value) > limit:
        raise ValueError(
            f"{label} is too long ({len(value)} characters; the most allowed is {limit})."
        )
    if field == "email":
        return _normalise_email(value)
    if field == "sworn":
        return _parse_sworn(value)
    return value


def _parse_sworn(value: str) -> bool:
    key = value.casefold().replace("-", "").replace(" ", "").replace("_", "")
    if key in _SWORN_VALUES:
        return True
    if key in _CIVILIAN_VALUES:
        return False
    raise ValueError(f"{_LABELS['sworn']} has the value {_show(value)}; use 'Sworn' or 'Civilian'.")


def _normalise_email(value: str) -> str:
    """The stored form of the address, or ValueError saying what is wrong."""
    try:
        return emails.normalise(value)
    except emails.InvalidEmail as exc:
        raise ValueError(
            f"{_LABELS['email']} {_show(value)} is not a valid email address: {exc}"
        ) from None


def _duplicate_messages(
    line: int,
    values: dict[str, str | bool],
    first_line_of_number: dict[str, int],
    first_line_of_email: dict[str, int],
) -> list[str]:
    messages: list[str] = []
    for field, seen in (("employee_number", first_line_of_number), ("email", first_line_of_email)):
        value = values.get(field)
        if not isinstance(value, str):
            continue
        earlier = seen.setdefault(value, line)
        if earlier != line:
            messages.append(
                f"{_LABELS[field]} {_show(value)} is a duplicate: it already appears on "
                f"line {earlier}."
            )
    return messages


def _build_row(line: int, values: dict[str, str | bool]) -> RosterRow:
    return RosterRow(
        line=line,
        employee_number=str(values["employee_number"]),
        first_name=str(values["first_name"]),
        last_name=str(values["last_name"]),
        email=str(values["email"]),
        rank=str(values["rank"]),
        sworn=bool(values["sworn"]),
    )


def _show(value: str) -> str:
    """A short, single-line, quoted rendering of a cell for messages."""
    flat = "".join(char if char.isprintable() else " " for char in value)
    if len(flat) > _SHOWN_LENGTH:
        flat = flat[: _SHOWN_LENGTH - 3] + "..."
    return f'"{flat}"'
