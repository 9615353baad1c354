"""Memory a worker gives back after a bulk request.

A roster import reads, checks and writes thousands of rows in one request. Python frees those
objects when the request ends, but the C allocator keeps most of the pages they used, so the
worker that served an import stayed some 10-20 MB larger for the rest of its life. A view that
handles such a request marks its response with `give_back_memory`: once the response has been
sent, the worker collects garbage and asks the C library (glibc's `malloc_trim`) to return the
free pages to the operating system. Elsewhere, or where the C library has no such call, nothing
happens.

What the allocator cannot give back (a heap left fragmented) stays. So the response is also
marked in the WSGI environment (`BULK`): gunicorn's `post_request` hook (gunicorn.conf.py)
retires a worker that is still above WORKER_RETIRE_ABOVE_MB resident after such a request, once
it has answered it, and gunicorn starts a fresh one in its place.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from functools import cache

from flask import Response, request

BULK = "wnwa.bulk_request"  # the WSGI environment key gunicorn's post_request hook reads


@cache
def _malloc_trim():
    path = ctypes.util.find_library("c")
    if path is None:
        return None
    return getattr(ctypes.CDLL(path), "malloc_trim", None)


def release() -> None:
    """Collect garbage, then hand the C heap's free pages back to the operating system."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def give_back_memory(response: Response) -> Response:
    """`response`, set to release the request's memory once it has been sent."""
    response.call_on_close(release)
    request.environ[BULK] = True
    return response


def resident_mb() -> float | None:
    """This process's resident memory in MB (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
