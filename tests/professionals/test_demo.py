"""Demo and US-scale professionals look real and are found by the directory."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from wnwa.extensions import db, utcnow
from wnwa.professionals import listings, uploads, vetting, vocab
from wnwa.professionals.demo import (
    seed_demo_professionals,
    seed_demo_vetting,
    seed_us_professionals,
)
from wnwa.professionals.models import Professional
from wnwa.professionals.search import Filters, search


def test_the_demo_set(ctx):
    created = seed_demo_professionals(random.Random(1))
    assert 30 <= created <= 50
    assert seed_demo_professionals(random.Random(1)) == 0  # once
    by_status = dict(
        db.session.execute(
            select(Professional.status, func.count()).group_by(Professional.status)
        ).all()
    )
    assert by_status["listed"] >= 30 and by_status["deferred"] == 1
    assert by_status["submitted"] + by_status["in_review"] >= 2
    states = set(db.session.scalars(select(Professional.state)))
    assert {"IL", "WI", "IN", "CO"} <= states
    chicago = search(Filters(zip_code="60601", radius=25), now=utcnow())
    assert len(chicago.cards) >= 5
    shown, page = [], 1
    while True:  # every page of the default results
        result = search(Filters(page=page), now=utcnow())
        shown += result.cards
        if not result.has_next:
            break
        page += 1
    assert any(c.stale for c in shown)  # overdue, still within the grace period
    upkeep = listings.overview(utcnow())
    assert upkeep.waiting >= 2 and upkeep.stale and upkeep.reports
    assert len(vetting.queue(utcnow())) == upkeep.waiting
    waiting = db.session.scalars(select(Professional).where(Professional.status != "listed"))
    for professional in waiting:  # a vetter has the documents to read
        kinds = sorted(d.kind for d in professional.documents)
        assert kinds == sorted(vocab.DOCUMENT_KINDS), professional.name
        for document in professional.documents:
            data = uploads.path_of(document.stored_name).read_bytes()
            assert data.startswith(b"%PDF-") and len(data) == document.size
            assert uploads.sniff(data[:16]) == ("application/pdf", "pdf")


def test_the_demo_application_in_review_waits_on_the_vetter_s_vote(ctx):
    from tests import factories

    seed_demo_professionals(random.Random(1))
    admin, vetter = factories.staff("network_admin"), factories.staff("vetter")
    application = seed_demo_vetting()
    assert application is not None and seed_demo_vetting() is None  # once
    row = next(r for r in vetting.queue(utcnow()) if r.id == application.id)
    assert (row.status, row.vetters, row.votes_in) == ("in review", 2, 1)
    assert row.assessment.startswith("office visit scheduled")
    seen = vetting.detail(application.id, vetter)
    assert [v.choice for v in seen.votes] == ["", ""]  # blind until every vote is in
    vetting.vote(application.id, choice="approve", reason="", actor=vetter)
    assert application.status == "listed"
    texts = [t for _, t in vetting.history(application.id)]
    assert f"{admin.name} assigned {vetter.name} to vet {application.name}." in texts


def test_us_scale_spreads_across_the_country(ctx):
    seed_us_professionals(count=400, rng=random.Random(3))
    states = db.session.scalars(select(Professional.state).distinct()).all()
    assert len(states) >= 30
    result = search(Filters(carrier="bcbs"), now=utcnow())
    assert len(result.cards) == 25
