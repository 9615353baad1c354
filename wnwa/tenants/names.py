"""Finding people on a department's roster by what a chief types: the name keys and the rule.

Each account carries three keys the database computes itself from the roster facts, whatever
wrote them (CSV import, SCIM, the chief's edits, the seeds): `last_key`, `first_key` and
`number_key` are the last name, first name and employee number with the letters A-Z in lower
case and every other character as it is. SQLite's `lower()` changes only A-Z; PostgreSQL's
`lower()` under the "C" collation does the same, and the keys are compared byte by byte on both
engines (SQLite's BINARY, PostgreSQL's "C"), so a search finds the same people on either.

The rule (docs/RULES.md 4.7): what the chief types is split into words at spaces, commas,
full stops and "@"; a person matches when every word is the start of their last name, first
name or employee number, ignoring the case of A-Z. A word is matched as a prefix range on an
indexed key (`key >= word AND key < word with its last character advanced`), never with
LIKE '%...%', so the search reads the index entries that match and nothing else.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, String, and_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

MAX_WORDS = 4
_SPLIT = re.compile(r"[\s,.@]+")
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class ascii_lower(FunctionElement):  # noqa: N801 - a SQL function, named like one
    """`lower()` of A-Z only, the same on both engines (the generated key columns use it)."""

    type = String()
    name = "ascii_lower"
    inherit_cache = True


@compiles(ascii_lower)
def _ascii_lower_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(ascii_lower, "postgresql")
def _ascii_lower_postgresql(element, compiler, **kw):
    return f'lower(({compiler.process(element.clauses, **kw)}) COLLATE "C")'


def name_key(text: str) -> str:
    """What the database stores as a key for `text` (A-Z lowered, nothing else changed)."""
    return text.translate(_ASCII_UPPER)


def words(typed: str) -> list[str]:
    """The words of what a chief typed, as keys (at most MAX_WORDS, each at most 100 chars)."""
    found = [name_key(w)[:100].rstrip("\U0010ffff") for w in _SPLIT.split(typed)]
    found = [w for w in found if w]
    return found[:MAX_WORDS]


def _after(word: str) -> str:
    """The smallest string greater than every string that starts with `word`."""
    code = ord(word[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:  # surrogates are not characters (no UTF-8): U+E000 is next
        code = 0xE000
    return word[:-1] + chr(code)


def starts_with(column, word: str) -> ColumnElement[bool]:
    """`column` starts with `word`, as an index range (the column is compared bytewise)."""
    return and_(column >= word, column < _after(word))


def matches(user, typed_words: list[str]) -> list[ColumnElement[bool]]:
    """One condition per word: it starts the last name, the first name or the number."""
    return [
        or_(
            starts_with(user.last_key, word),
            starts_with(user.first_key, word),
            starts_with(user.number_key, word),
        )
        for word in typed_words
    ]
