"""Applicants' documents: checked by content (PDF, PNG, JPEG by their first bytes, never by
name), at most 10 MiB a file, 25 MiB and 12 files an application, stored outside `static` under
random names, served only to network staff, always as attachments (see views)."""

from __future__ import annotations

import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app

from wnwa.errors import InvalidInput, NotFound

MiB = 1024 * 1024
MAX_FILE_BYTES = 10 * MiB
MAX_TOTAL_BYTES = 25 * MiB
MAX_FILES = 12
FOLDER = "professional-documents"
SIGNATURES = (
    (b"%PDF-", ("application/pdf", "pdf")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
)


@dataclass(frozen=True)
class Incoming:
    kind: str
    filename: str
    stream: IO[bytes]


@dataclass(frozen=True)
class Checked:
    kind: str
    label: str
    data: bytes
    content_type: str
    extension: str


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    return None


def display_name(filename: str) -> str:
    """The applicant's file name for staff to read: no folders, no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:120] or "document"


def check(files: list[Incoming]) -> list[Checked]:
    """Every file read and checked, or one InvalidInput naming every problem."""
    files = [f for f in files if f.filename]
    if len(files) > MAX_FILES:
        raise InvalidInput(f"Attach at most {MAX_FILES} files; you attached {len(files)}.")
    problems, checked, total = [], [], 0
    for item in files:
        label = display_name(item.filename)
        data = item.stream.read(MAX_FILE_BYTES + 1)
        total += len(data)
        if not data:
            problems.append(f"“{label}” is empty.")
        elif len(data) > MAX_FILE_BYTES:
            problems.append(f"“{label}” is larger than 10 MiB.")
        elif (kind := sniff(data[:16])) is None:
            problems.append(
                f"“{label}” is not a PDF, PNG or JPEG file (its content was checked, not its name)."
            )
        else:
            checked.append(Checked(item.kind, label, data, kind[0], kind[1]))
    if total > MAX_TOTAL_BYTES:
        problems.append("The documents add up to more than 25 MiB; send smaller scans.")
    if problems:
        raise InvalidInput(" ".join(problems))
    return checked


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(item: Checked) -> str:
    name = f"{secrets.token_urlsafe(24)}.{item.extension}"
    fd = os.open(folder() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(item.data)
    return name


def remove(names: list[str]) -> None:
    for name in names:
        (folder() / name).unlink(missing_ok=True)


def path_of(stored_name: str) -> Path:
    path = folder() / stored_name
    if "/" in stored_name or not path.is_file():
        raise NotFound("That document is no longer stored.")
    return path
