"""No cache in a worker remembers what officers did or were shown.

Every function cache in the app (functools.cache / lru_cache) is listed here with what it is
keyed by. None may be keyed by a department, a person, the values of a search or the listings
a page showed: such a cache would keep, in every worker's memory, a trace of who used the
portal or what they saw. A new cache fails this test until it is reviewed and listed.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

import wnwa

REVIEWED = {
    "wnwa.auth.loading._user_statement": "the statement that loads an account: built once",
    "wnwa.auth.loading._staff_statement": "the statement that loads a staff account: built once",
    "wnwa.auth.passwords._common_passwords": "the list of common passwords, read from its file",
    "wnwa.auth.passwords._dummy_hash": "one constant hash, for timing-safe failed sign-ins",
    "wnwa.memory._malloc_trim": "the C library's malloc_trim",
    "wnwa.professionals.geo._centroids": "the ZIP code centroid table",
    "wnwa.professionals.search._near_statement": (
        "one statement per filter shape (how many tags, which switches), never their values: "
        "what SQLAlchemy's own compiled cache keeps as well"
    ),
    "wnwa.professionals.search._by_name_statement": "as _near_statement",
    "wnwa.emails._domain": (
        "mail domains of addresses being saved (roster files, staff, applicants, billing "
        "contacts, a supporter's listing), which the database holds anyway; sign-in and "
        "searches never check an address"
    ),
}


def _function_caches() -> set[str]:
    found = set()
    for info in pkgutil.walk_packages(wnwa.__path__, "wnwa."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            cached = isinstance(value, functools._lru_cache_wrapper)  # cache and lru_cache
            if cached and value.__module__ == module.__name__:
                found.add(f"{module.__name__}.{value.__qualname__}")
    return found


def test_every_cache_in_the_app_is_reviewed_and_none_is_keyed_by_what_officers_do():
    assert _function_caches() == set(REVIEWED)
