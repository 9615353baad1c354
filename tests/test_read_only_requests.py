"""Safe requests (GET, HEAD, OPTIONS) run in READ ONLY transactions on PostgreSQL that end with
COMMIT (wnwa/database.py). The rest of the suite covers the joined form inside its outer
transaction; these tests use an app of their own, with real top-level transactions."""

from __future__ import annotations

import psycopg
import pytest
from flask import jsonify
from sqlalchemy import text

from config import TestingConfig
from wnwa import create_app
from wnwa.auth.guards import public
from wnwa.extensions import db

pytestmark = pytest.mark.postgres_only

PROBE_WRITE = "UPDATE department SET name = name WHERE false"


@pytest.fixture
def own_app(app):
    """An app on the test database with one pooled connection and no enclosing transaction."""
    own = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0},
        },
    )

    @public
    def write_probe():
        db.session.execute(text(PROBE_WRITE))
        return "wrote"

    @public
    def prepared_probe():
        statement = text("SELECT count(*) FROM pg_prepared_statements WHERE :one = 1")
        return jsonify(prepared=db.session.scalar(statement, {"one": 1}))

    own.add_url_rule("/_probe/write", view_func=write_probe, methods=["GET", "POST"])
    own.add_url_rule("/_probe/prepared", view_func=prepared_probe)
    yield own
    with own.app_context():
        db.engine.dispose()


def test_a_get_request_cannot_write(own_app):
    client = own_app.test_client()
    with pytest.raises(Exception) as caught:
        client.get("/_probe/write", base_url="https://localhost")
    assert isinstance(caught.value.orig, psycopg.errors.ReadOnlySqlTransaction)


def test_the_connection_is_writable_again_after_a_get(own_app):
    client = own_app.test_client()
    assert client.get("/_probe/prepared", base_url="https://localhost").status_code == 200
    with own_app.app_context():  # the same, only pooled connection, outside any request
        db.session.execute(text(PROBE_WRITE))
        db.session.rollback()
        assert db.engine.pool.checkedout() == 0
    with own_app.test_request_context("/", method="POST"):
        db.session.execute(text(PROBE_WRITE))  # a POST's transaction is not read-only
        db.session.rollback()


def test_get_transactions_end_with_commit_so_prepared_statements_survive(own_app):
    """The driver prepares a statement on its fifth run and forgets every prepared statement at
    ROLLBACK: only a run of committed read-only transactions gets a prepared statement."""
    client = own_app.test_client()
    counts = [
        client.get("/_probe/prepared", base_url="https://localhost").json["prepared"]
        for _ in range(8)
    ]
    assert counts[0] == 0
    assert counts[-1] >= 1
