"""The capability packages, in order (navigation and job order follow it). Each may offer
blueprints(), cli_groups() and due_jobs() (its scheduled jobs, see wnwa/jobs.py).

Owned here rather than by the application factory so that wnwa/jobs.py can list every
capability's jobs without importing the factory that imports it."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

CAPABILITIES = (
    "site",
    "auth",
    "tenants",
    "roster",
    "network",
    "directory",
    "professionals",
    "training",
    "billing",
    "resources",
)


def capability_packages() -> Iterator[ModuleType]:
    for name in CAPABILITIES:
        yield importlib.import_module(f"wnwa.{name}")
