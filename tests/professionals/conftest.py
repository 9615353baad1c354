"""Builders for professional tests: applications through the real service, listings through
real votes."""

from __future__ import annotations

import io
import itertools
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from wnwa.extensions import db, utcnow
from wnwa.professionals import applications, vetting
from wnwa.professionals.applications import ApplicationInput, LicenseInput
from wnwa.professionals.models import Professional
from wnwa.professionals.uploads import Incoming

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
_seq = itertools.count(1)


def sample(**overrides) -> ApplicationInput:
    n = next(_seq)
    data = ApplicationInput(
        name=f"Jordan Avery{n}",
        credentials="PsyD",
        license_type="psychologist",
        licenses=[LicenseInput("IL", f"071.0{n:05d}")],
        practice_name="Lakeshore Counseling",
        street="100 N State St",
        city="Chicago",
        state="IL",
        zip_code="60601",
        phone="312-555-0142",
        email=f"applicant{n}@practice.example",
        website="https://practice.example",
        telehealth=True,
        specialties=["ptsd", "critical"],
        modalities=["emdr", "cbt"],
        carriers=["bcbs", "aetna"],
        plan_types=["ppo", "eap"],
        officer_years="8",
        officer_experience="Eight years with suburban departments.",
        answers_24_7=True,
        within_24h=True,
        no_fitness_for_duty=True,
        accepting_new=True,
    )
    return replace(data, **overrides)


def license_file(name: str = "license.pdf", data: bytes = PDF, kind: str = "license"):
    return Incoming(kind, name, io.BytesIO(data))


def submit(**overrides) -> Professional:
    professional, _ = applications.submit_application(sample(**overrides), [license_file()])
    return professional


def list_professional(vetters, *, now: datetime | None = None, **overrides) -> Professional:
    """An application approved by every vetter in `vetters`."""
    now = now or utcnow()
    p = submit(**overrides)
    for v in vetters:
        vetting.assign(p.id, v.id, actor="tests", now=now)
    for v in vetters:
        vetting.vote(p.id, choice="approve", reason="", actor=v, now=now)
    assert p.status == "listed"
    return p


def confirmed_days_ago(p: Professional, days: int) -> None:
    p.confirmed_at = utcnow() - timedelta(days=days)
    db.session.commit()


def count_professionals() -> int:
    return db.session.scalar(select(func.count()).select_from(Professional))


@pytest.fixture
def vetters(make):
    return [factories.staff("vetter"), factories.staff("vetter")]
