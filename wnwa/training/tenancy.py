"""Acting for one department inside a network-wide use case (waitlist promotion, attendance,
class completion, external-certificate decisions): writes to its rows need its tenant bound."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from wnwa.extensions import db
from wnwa.tenants.scoping import bind_tenant, bound_department_id


@contextmanager
def acting_for(department_id: int) -> Iterator[None]:
    """Bind `department_id` for the block (flushing around it); restore the previous binding.

    Unlike `tenant_context`, the session keeps its objects: the caller is in the middle of one
    transaction and may hold rows of several departments it read on purpose.
    """
    previous = bound_department_id()
    if previous == department_id:
        yield
        return
    db.session.flush()
    bind_tenant(department_id)
    try:
        yield
        db.session.flush()
    finally:
        bind_tenant(previous)
