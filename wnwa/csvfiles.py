"""Spreadsheet-safe CSV: every CSV the portal writes (rosters, reports, invoices) goes through
``export_csv``, and every CSV it reads refuses cells ``is_formula`` flags."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import defusedcsv.csv as safe_csv

FORMULA_STARTS = frozenset("=+-@")
_FORMULA_CONTROLS = frozenset("\t\r")
_DEFUSEDCSV_ESCAPES = frozenset("=+-@|%")


def is_formula(value: str) -> bool:
    """True if a spreadsheet could run ``value`` as a formula.

    That is a cell starting with =, +, - or @ (after optional whitespace), or starting
    with a tab or a carriage return.
    """
    for char in value:
        if char in _FORMULA_CONTROLS:
            return True
        if not char.isspace():
            return char in FORMULA_STARTS
    return False


def export_csv(header: list[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text (CRLF line ends) with every formula-like cell neutralised."""
    buffer = io.StringIO(newline="")
    writer = safe_csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_neutralise(cell) for cell in header])
    writer.writerows([_neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _neutralise(cell: object) -> object:
    """Prefix an apostrophe to formula-like text that defusedcsv would let through."""
    if isinstance(cell, str) and is_formula(cell) and cell[0] not in _DEFUSEDCSV_ESCAPES:
        return "'" + cell
    return cell
