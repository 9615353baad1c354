"""Private files written whole or not at all (uploads kept under UPLOAD_FOLDER).

`write_private(path, data)` creates the file (0600, never over an existing one), writes and
fsyncs it. If the disk is full (or any write fails) the partial file is removed and
`StorageFull` is raised: the user is told nothing was saved, and nothing half-written is left
for a later step to read.
"""

from __future__ import annotations

import os
from pathlib import Path

from wnwa.errors import StorageFull


def write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        path.unlink(missing_ok=True)
        raise StorageFull() from None
