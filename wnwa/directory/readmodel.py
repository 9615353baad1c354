"""Keeps the cross-department read model (`directory_entry` and its full-text index) in step.

Every ORM flush that touches a supporter profile, a certification, an account's `active` flag
or a department's name/county/state/status re-syncs the listings concerned, inside the same
transaction (session events installed by `install_sync_listeners`). Code that writes those rows
with Core bulk statements calls `sync_users` / `sync_departments` itself (see services).

A listing is copied only when it may be shown: listed, account active, department not gone,
and a certification valid today or later. The copy keeps the certification's validity window,
so a certification that lapses with time hides the listing at once with no write.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import delete, event, insert, inspect, select, text, update
from sqlalchemy.orm import Session

from wnwa.directory import vocab
from wnwa.directory.models import DirectoryEntry, DirectoryNameGram, SupporterProfile
from wnwa.extensions import db
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import writing_as
from wnwa.training.models import Certification
from wnwa.us_states import network_day

# SQLite's FTS5 virtual tables, made by migration 0201, have no model. migrations/env.py keeps
# autogenerate and `flask db check` from taking them (or, by name prefix, their shadow tables)
# for tables to drop; the read model writes and rebuilds them.
FTS_TABLES = ("directory_fts", "directory_now_fts")

FAR_FUTURE = date(9999, 12, 31).toordinal()
_PENDING = "wnwa.directory.pending"
_DEPARTMENT_FIELDS = ("name", "county", "state", "status")
_MAX_ID = 2**53 - 1  # ids stay exact in JavaScript and fit every engine

# A search word matches the listing words that start with its first PREFIX letters (a word of
# 2 to 6 letters as typed; longer words by their first 6), the same on both engines.
PREFIX = 6
# PostgreSQL indexes those prefixes as lexemes of their own (as FTS5's prefix index does), so
# each search word is one exact GIN lookup, never a slow partial match. The vector is unweighted
# (weights force a recheck of every hit) and has no positions (not needed); tags and prefixes
# carry markers that no search word starts with.
PG_TAG_MARK = "qzx"
PG_PREFIX_MARK = "qzp"
PG_VECTOR = "strip(to_tsvector('simple'::regconfig, CAST(:lexemes AS text)))"


def word_prefixes(value: str) -> list[str]:
    """Every 2..PREFIX-letter prefix of every word, marked."""
    found = {
        PG_PREFIX_MARK + word[:size]
        for word in re.findall(r"[^\W_]+", value)
        for size in range(2, PREFIX + 1)
        if len(word) >= size
    }
    return sorted(found)


def name_grams(value: str) -> list[str]:
    """The trigrams of each word of a name, padded as pg_trgm pads them ("  j", " jo", "jon",
    ..., "on "): the same set for a listing's name and for a search phrase, on both engines."""
    found = set()
    for word in re.findall(r"[^\W_]+", fold(value)):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return sorted(found)


def fold(value: str) -> str:
    """Lower case without diacritics: the same text on both engines' indexes and queries."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def tag_word(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(value))


@dataclass(frozen=True)
class Document:
    """The searchable text of one listing, by field."""

    name: str
    department: str
    place: str
    bio: str
    topics: str
    tags: str

    @property
    def available_now(self) -> bool:
        return self.tags.endswith(" znow")


def document(values: dict) -> Document:
    codes = values["topics"].split()
    topic_words = [vocab.TOPICS[c] + " " + vocab.TOPIC_KEYWORDS.get(c, "") for c in codes]
    about = (
        topic_words
        + vocab.labels(vocab.ASSIGNMENTS, values["assignments"])
        + vocab.labels(vocab.LANGUAGES, values["languages"])
    )
    tags = ["zall", "st" + tag_word(values["state"])]
    if tag_word(values["county"]):
        tags.append("cty" + tag_word(values["county"]))
    tags += ["tp" + c for c in codes]
    tags += ["as" + c for c in values["assignments"].split()]
    tags += ["lg" + c for c in values["languages"].split()]
    if values["gender"]:
        tags.append("gn" + values["gender"])
    tags.append("cr" + values["career"])
    if values["status"] == vocab.STATUS_NOW:
        tags.append("znow")  # the read side still checks status_until
    state_name = vocab.STATE_NAMES.get(values["state"], "")
    return Document(
        name=fold(values["display_name"]),
        department=fold(values["department_name"]),
        place=fold(f"{values['county']} County {values['state']} {state_name}"),
        bio=fold(values["bio"]),
        topics=fold(" ".join(about)),
        tags=" ".join(tags),
    )


def certification_window(
    periods: Iterable[tuple[date, date | None]], today: date
) -> tuple[int, int] | None:
    """The stretch of continuous validity that contains today, or else the next one to come."""
    spans = sorted(
        (start.toordinal(), end.toordinal() if end else FAR_FUTURE) for start, end in periods
    )
    merged: list[list[int]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    now = today.toordinal()
    for start, end in merged:
        if end > now:
            return start, end
    return None


# --- syncing ---------------------------------------------------------------------------------


def sync_users(user_ids: Iterable[int], session: Session | None = None) -> None:
    """Recompute the listings of these accounts (flush-level; any tenant may be bound)."""
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return
    session = session if session is not None else db.session()
    profile = SupporterProfile.__table__.c
    rows = session.execute(
        select(
            *[profile[name] for name in _PROFILE_COLUMNS],
            User.active.label("user_active"),
            Department.name.label("department_name"),
            Department.county,
            Department.state,
            Department.status.label("department_status"),
        )
        .join(User, User.id == profile.user_id)
        .join(Department, Department.id == profile.department_id)
        .where(profile.user_id.in_(ids))
        # unscoped: the directory read model is rebuilt from the listing's own rows, whoever
        # (a supporter, their chief, a network admin) made the change.
        .execution_options(unscoped=True)
    ).all()
    periods: dict[int, list[tuple[date, date | None]]] = {}
    for user_id, start, end in session.execute(
        select(Certification.user_id, Certification.certified_on, Certification.renews_on)
        .where(Certification.user_id.in_(ids), Certification.revoked_on.is_(None))
        # unscoped: as above, the certifications of the listings being rebuilt.
        .execution_options(unscoped=True)
    ):
        periods.setdefault(user_id, []).append((start, end))
    table = DirectoryEntry.__table__
    connection = session.connection()
    entries = {
        profile_id: (entry_id, department_id)
        for profile_id, entry_id, department_id in connection.execute(
            select(table.c.profile_id, table.c.id, table.c.department_id).where(
                table.c.profile_id.in_([row.id for row in rows])
            )
        )
    }
    today = network_day()
    hidden = []
    for row in rows:
        values = row._asdict()
        window = certification_window(periods.get(values["user_id"], []), today)
        visible = (
            values["listed"]
            and values["user_active"]
            and values["department_status"] != "left"
            and window is not None
        )
        entry_id, entry_department = entries.get(values["id"], (None, None))
        if visible and entry_department not in (None, values["department_id"]):
            _remove(session, [values["id"]])  # moved department: its old department removes it
            entry_id = None
        if visible:
            # Each listing is written as its own department (row-level security on writes).
            with writing_as(connection, values["department_id"], session):
                _upsert(connection, values, window, entry_id)
        elif entry_id is not None:
            hidden.append(values["id"])
    _remove(session, hidden)


def sync_departments(department_ids: Iterable[int], session: Session | None = None) -> None:
    """Recompute every listing of these departments (name, place or membership changed)."""
    ids = sorted({int(i) for i in department_ids})
    if not ids:
        return
    session = session if session is not None else db.session()
    user_ids = session.scalars(
        select(SupporterProfile.user_id)
        .where(SupporterProfile.department_id.in_(ids))
        # unscoped: a department's listings are rebuilt after a network-admin change.
        .execution_options(unscoped=True)
    ).all()
    sync_users(user_ids, session)


def remove_profiles(profile_ids: Iterable[int]) -> None:
    _remove(db.session(), list(profile_ids))


_PROFILE_COLUMNS = (
    "id",
    "user_id",
    "department_id",
    "listed",
    "display_name",
    "phone",
    "accepts_texts",
    "contact_email",
    "years_of_service",
    "assignments",
    "topics",
    "languages",
    "gender",
    "career",
    "bio",
    "status",
    "status_until",
)
_COPIED = (
    "department_id",
    "department_name",
    "county",
    "state",
    "display_name",
    "phone",
    "accepts_texts",
    "contact_email",
    "years_of_service",
    "assignments",
    "topics",
    "languages",
    "gender",
    "career",
    "bio",
    "status",
)


def entry_values(values: dict, window: tuple[int, int]) -> dict:
    until = values["status_until"]
    row = {name: values[name] for name in _COPIED}
    row.update(
        status_until=int(until.timestamp()) if until and values["status"] else 0,
        cert_from=window[0],
        cert_until=window[1],
    )
    return row


def _upsert(connection, values: dict, window: tuple[int, int], entry_id: int | None) -> None:
    """Write one visible listing: a new entry, or entry `entry_id` brought up to date."""
    table = DirectoryEntry.__table__
    row = entry_values(values, window)
    if entry_id is None:
        entry_id = new_entry_id(connection)
        connection.execute(insert(table).values(id=entry_id, profile_id=values["id"], **row))
    else:
        connection.execute(update(table).where(table.c.id == entry_id).values(**row))
    write_index(connection, entry_id, values["department_id"], document(values))


def new_entry_id(connection) -> int:
    table = DirectoryEntry.__table__
    while True:
        candidate = secrets.randbelow(_MAX_ID) + 1
        if connection.scalar(select(table.c.id).where(table.c.id == candidate)) is None:
            return candidate


def write_index(connection, entry_id: int, department_id: int, doc: Document) -> None:
    """Replace one listing's index rows (the app's own writes)."""
    _delete_index_rows(connection, [entry_id])
    write_index_rows(connection, [(entry_id, department_id, doc)])


def write_index_rows(connection, docs: list[tuple[int, int, Document]]) -> None:
    """Index new listings (entry id, department id, document), many at once: the one place that
    decides which index gets which row; every writer, the seeds included, goes through it.
    Both engines: the name trigrams. SQLite: the main index takes every listing, the
    available-now index those whose document is marked available now. PostgreSQL: the vector
    column carries it all (its partial index follows `status`)."""
    if not docs:
        return
    grams = [
        {"entry_id": entry_id, "department_id": department_id, "gram": gram}
        for entry_id, department_id, doc in docs
        for gram in name_grams(doc.name)
    ]
    if grams:  # (an empty list would be an INSERT ... DEFAULT VALUES)
        connection.execute(insert(DirectoryNameGram.__table__), grams)
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(f"UPDATE directory_entry SET search = {PG_VECTOR} WHERE id = :id"),  # noqa: S608  # nosec B608
            [{"id": entry_id, **pg_vector_params(doc)} for entry_id, _, doc in docs],
        )
        return
    connection.execute(text(FTS_INSERT), [{"id": i, **doc.__dict__} for i, _, doc in docs])
    now = [{"id": i, **doc.__dict__} for i, _, doc in docs if doc.available_now]
    if now:
        connection.execute(text(NOW_FTS_INSERT), now)


def rebuild_now_index(connection) -> int:
    """SQLite: refill the available-now index from the main index and the listings' status
    (for databases written before every writer kept it). Returns how many rows it holds."""
    if connection.dialect.name != "sqlite":
        return 0
    connection.execute(text("DELETE FROM directory_now_fts"))
    connection.execute(
        text(
            "INSERT INTO directory_now_fts (rowid, name, department, place, bio, topics, tags) "
            "SELECT f.rowid, f.name, f.department, f.place, f.bio, f.topics, f.tags "
            "FROM directory_fts f JOIN directory_entry e ON e.id = f.rowid WHERE e.status = 'now'"
        )
    )
    return connection.execute(text("SELECT count(*) FROM directory_now_fts")).scalar_one()


def index_disagreements(connection) -> dict[str, int]:
    """How many listings each index has wrong (all zero when the indexes and the table agree).
    Read-only; used by tests and the benchmark."""
    if connection.dialect.name == "postgresql":
        checks = {
            "listings without a search vector": (
                "SELECT count(*) FROM directory_entry WHERE search IS NULL"
            ),
            "available-now mark differs from status": (
                "SELECT count(*) FROM directory_entry WHERE search IS NOT NULL AND "
                "(status = 'now') <> (search @@ CAST('qzxznow' AS tsquery))"  # PG_TAG_MARK
            ),
        }
    else:
        checks = {
            "listings missing from directory_fts": (
                "SELECT count(*) FROM directory_entry e WHERE NOT EXISTS "
                "(SELECT 1 FROM directory_fts f WHERE f.rowid = e.id)"
            ),
            "directory_fts rows without a listing": (
                "SELECT count(*) FROM directory_fts f WHERE NOT EXISTS "
                "(SELECT 1 FROM directory_entry e WHERE e.id = f.rowid)"
            ),
            "available now missing from directory_now_fts": (
                "SELECT count(*) FROM directory_entry e WHERE e.status = 'now' AND NOT EXISTS "
                "(SELECT 1 FROM directory_now_fts f WHERE f.rowid = e.id)"
            ),
            "directory_now_fts rows not available now": (
                "SELECT count(*) FROM directory_now_fts f WHERE NOT EXISTS (SELECT 1 FROM "
                "directory_entry e WHERE e.id = f.rowid AND e.status = 'now')"
            ),
        }
    checks["listings without name trigrams"] = (
        "SELECT count(*) FROM directory_entry e WHERE NOT EXISTS "
        "(SELECT 1 FROM directory_name_gram g WHERE g.entry_id = e.id)"
    )
    return {what: connection.execute(text(sql)).scalar_one() for what, sql in checks.items()}


_FTS_COLUMNS = "(rowid, name, department, place, bio, topics, tags) "
_FTS_VALUES = "VALUES (:id, :name, :department, :place, :bio, :topics, :tags)"
FTS_INSERT = "INSERT INTO directory_fts " + _FTS_COLUMNS + _FTS_VALUES
# The listings marked "available now" again, in a small index of their own: the first group
# of every search reads it instead of intersecting the large lists of the main index.
NOW_FTS_INSERT = "INSERT INTO directory_now_fts " + _FTS_COLUMNS + _FTS_VALUES


def pg_vector_params(doc: Document) -> dict[str, str]:
    words = f"{doc.name} {doc.department} {doc.place} {doc.bio} {doc.topics}"
    tags = [PG_TAG_MARK + tag for tag in doc.tags.split()]
    return {"lexemes": " ".join(tags + word_prefixes(words))}


def _remove(session: Session, profile_ids: list[int]) -> None:
    if not profile_ids:
        return
    table = DirectoryEntry.__table__
    connection = session.connection()
    by_department: dict[int, list[int]] = {}
    for entry_id, department_id in connection.execute(
        select(table.c.id, table.c.department_id).where(table.c.profile_id.in_(profile_ids))
    ):
        by_department.setdefault(department_id, []).append(entry_id)
    for department_id, entry_ids in by_department.items():
        # Removed as the listing's own department (row-level security on writes).
        with writing_as(connection, department_id, session):
            _delete_index_rows(connection, entry_ids)
            connection.execute(delete(table).where(table.c.id.in_(entry_ids)))


def _delete_index_rows(connection, entry_ids: list[int]) -> None:
    grams = DirectoryNameGram.__table__
    connection.execute(delete(grams).where(grams.c.entry_id.in_(entry_ids)))
    if connection.dialect.name != "sqlite":
        return
    for table in FTS_TABLES:
        for entry_id in entry_ids:
            connection.execute(
                text(f"DELETE FROM {table} WHERE rowid = :id"),  # fixed table names  # noqa: S608  # nosec B608
                {"id": entry_id},
            )


# --- session events --------------------------------------------------------------------------


def _changed(obj, *fields: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _after_flush(session: Session, flush_context) -> None:
    users: set[int] = set()
    departments: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, SupporterProfile) and obj.user_id is not None:
            users.add(obj.user_id)
        elif isinstance(obj, Certification) and obj.user_id is not None:
            users.add(obj.user_id)
        elif isinstance(obj, User) and obj.id is not None and obj not in session.new:
            if obj in session.deleted or _changed(obj, "active", "department_id"):
                users.add(obj.id)
        elif isinstance(obj, Department) and obj.id is not None and obj not in session.new:
            if _changed(obj, *_DEPARTMENT_FIELDS):
                departments.add(obj.id)
    if users or departments:
        pending = session.info.setdefault(_PENDING, (set(), set()))
        pending[0].update(users)
        pending[1].update(departments)


def _after_flush_postexec(session: Session, flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    users, departments = pending
    sync_users(users, session)
    sync_departments(departments, session)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def install_sync_listeners(session_class: type[Session] = FlaskSession) -> None:
    if event.contains(session_class, "after_flush", _after_flush):
        return
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "after_flush_postexec", _after_flush_postexec)
    event.listen(session_class, "after_soft_rollback", lambda s, t: _after_rollback(s))
