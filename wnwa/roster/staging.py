"""Uploaded roster files waiting between preview and confirm.

The preview is not kept in the database (nothing an officer could ever see, nothing to clean
up in backups): the preview's parse of the upload (its valid rows, as JSON) waits in a private
file under UPLOAD_FOLDER/roster with a random name, so the confirm step does not read and
check the file a second time, and the confirm form carries a signed ticket naming that file,
the department, the chief, the import mode and the plan's digest. The file is deleted on
confirm or cancel. A file nobody confirms or cancels holds personal data, so anything older
than MAX_AGE is purged by `purge_expired`: whenever a new file is staged, and by
`flask roster purge-staged`, which runs on a timer so a department that uploads once and walks
away does not leave its file behind.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from wnwa.crypto import signing_secrets
from wnwa.errors import DomainError
from wnwa.roster.roster import ParsedRoster, RosterRow, cycle_collection_paused
from wnwa.storage import write_private

MAX_AGE = 3600
_SALT = "roster-upload-v2"
_SUFFIX = ".json"


class StagedUploadGone(DomainError):
    status_code = 410

    def __init__(self) -> None:
        super().__init__(
            "This preview has expired or was already used. Nothing was changed: upload the "
            "file again."
        )


@dataclass(frozen=True)
class Ticket:
    key: str
    department_id: int
    user_id: int
    full_sync: bool
    digest: str


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "roster"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_secrets(), salt=_SALT)


def purge_expired(now: float | None = None) -> int:
    """Delete every staged upload, of any department, older than MAX_AGE; return how many."""
    now = time.time() if now is None else now
    removed = 0
    folder = _folder()
    for path in [*folder.glob("*.csv"), *folder.glob(f"*{_SUFFIX}")]:
        try:
            if now - path.stat().st_mtime > MAX_AGE:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


@cycle_collection_paused()
def stage(
    parsed: ParsedRoster, *, department_id: int, user_id: int, full_sync: bool, digest: str
) -> str:
    """Keep the parse of a file without problems; return the signed ticket for the confirm
    form."""
    if not parsed.ok:
        raise ValueError("only a roster without problems is staged")
    purge_expired()
    key = secrets.token_hex(16)
    path = _folder() / f"{key}{_SUFFIX}"
    rows = [
        [r.line, r.employee_number, r.first_name, r.last_name, r.email, r.rank, r.sworn]
        for r in parsed.rows
    ]
    # disk full: StorageFull, nothing staged
    write_private(path, json.dumps(rows, separators=(",", ":")).encode())
    return _serializer().dumps(
        {"k": key, "d": department_id, "u": user_id, "s": full_sync, "g": digest}
    )


def open_ticket(token: str, *, department_id: int, user_id: int) -> Ticket:
    """The ticket, if it is genuine, fresh, and belongs to this chief and department."""
    try:
        data = _serializer().loads(token or "", max_age=MAX_AGE)
    except (SignatureExpired, BadSignature):
        raise StagedUploadGone() from None
    ticket = Ticket(
        key=str(data.get("k", "")),
        department_id=int(data.get("d", 0)),
        user_id=int(data.get("u", 0)),
        full_sync=bool(data.get("s")),
        digest=str(data.get("g", "")),
    )
    if (
        ticket.department_id != department_id
        or ticket.user_id != user_id
        or not ticket.key.isalnum()
    ):
        raise StagedUploadGone()
    return ticket


@cycle_collection_paused()
def read(ticket: Ticket) -> ParsedRoster:
    """The parse kept by `stage` (the rows were checked then; the plan is made afresh)."""
    try:
        text = (_folder() / f"{ticket.key}{_SUFFIX}").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StagedUploadGone() from None
    return ParsedRoster(rows=[RosterRow(*values) for values in json.loads(text)], errors=[])


def discard(ticket: Ticket) -> None:
    (_folder() / f"{ticket.key}{_SUFFIX}").unlink(missing_ok=True)
