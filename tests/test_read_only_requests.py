"""Safe requests (GET, HEAD, OPTIONS) on PostgreSQL: each statement is its own READ ONLY
transaction, sent with its claims in one round trip (wnwa/database.py). The rest of the suite
covers the joined form inside its outer transaction; these tests use an app of their own, with
real top-level transactions."""

from __future__ import annotations

import psycopg
import pytest
from flask import jsonify
from sqlalchemy import text

from config import TestingConfig
from wnwa import create_app
from wnwa.auth.guards import public
from wnwa.extensions import db
from wnwa.tenants.scoping import bind_tenant, cross_department_read

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

    @public
    def tenant_probe():
        bind_tenant(7)
        return jsonify(tenant=db.session.scalar(text("SELECT public.wnwa_tenant()")))

    @public
    def claims_probe():
        """What the policies would see, statement by statement, as the binding changes."""
        claims = text("SELECT public.wnwa_tenant(), public.wnwa_cross_read()")
        seen = []
        bind_tenant(7)
        seen.append(list(db.session.execute(claims).one()))
        with cross_department_read(db.session.connection()):
            seen.append(list(db.session.execute(claims).one()))
        seen.append(list(db.session.execute(claims).one()))
        bind_tenant(8)
        seen.append(list(db.session.execute(claims).one()))
        bind_tenant(None)
        seen.append(list(db.session.execute(claims).one()))
        return jsonify(seen=seen)

    @public
    def many_probe():
        db.session.execute(text("SELECT :n"), [{"n": 1}, {"n": 2}])
        return "ran"

    own.add_url_rule("/_probe/write", view_func=write_probe, methods=["GET", "POST"])
    own.add_url_rule("/_probe/claims", view_func=claims_probe)
    own.add_url_rule("/_probe/many", view_func=many_probe)
    own.add_url_rule("/_probe/tenant", view_func=tenant_probe)
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


def _server_round_trips(own_app, tmp_path, request):
    """Runs `request()` and counts the messages the server answered with ReadyForQuery: one per
    round trip, as the driver's protocol trace records them."""
    trace = tmp_path / "protocol.trace"
    with own_app.app_context():
        fairy = db.engine.raw_connection()  # the pool's only connection: the request's too
        driver = fairy.driver_connection
        fairy.close()
    with trace.open("w") as out:
        driver.pgconn.trace(out.fileno())
        try:
            result = request()
        finally:
            driver.pgconn.untrace()
    lines = trace.read_text().splitlines()
    return result, driver, sum("\tB\t" in line and "ReadyForQuery" in line for line in lines)


def test_each_statement_of_a_get_is_one_round_trip_with_its_claim(own_app, tmp_path):
    """The read-only setting with the signed claim, then the statement, travel together: a page
    that reads once costs one round trip, and the read sees the claim."""
    client = own_app.test_client()
    response, driver, trips = _server_round_trips(
        own_app, tmp_path, lambda: client.get("/_probe/tenant", base_url="https://localhost")
    )
    assert response.status_code == 200 and response.json["tenant"] == 7
    assert trips == 1
    # back in the pool: idle, and the driver sends its own BEGIN again outside requests
    assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert driver.autocommit is False


def test_a_refused_write_leaves_the_connection_reset(own_app, tmp_path):
    client = own_app.test_client()
    with pytest.raises(Exception) as caught:
        _server_round_trips(
            own_app, tmp_path, lambda: client.get("/_probe/write", base_url="https://localhost")
        )
    assert isinstance(caught.value.orig, psycopg.errors.ReadOnlySqlTransaction)
    with own_app.app_context():
        driver = db.engine.raw_connection().driver_connection
        assert driver.autocommit is False  # the failed request's connection was reset too


def test_a_post_transaction_commits_what_it_wrote(own_app):
    """Outside safe requests the app sends a plain BEGIN: the write happens inside a transaction
    (a rollback undoes it) and a commit keeps it."""
    probe = "CREATE TEMP TABLE IF NOT EXISTS wnwa_probe (n integer)"
    with own_app.test_request_context("/", method="POST"):
        db.session.execute(text(probe))
        db.session.execute(text("INSERT INTO wnwa_probe VALUES (1)"))
        db.session.rollback()
        db.session.execute(text(probe))
        db.session.execute(text("INSERT INTO wnwa_probe VALUES (2)"))
        db.session.commit()
        assert db.session.scalars(text("SELECT n FROM wnwa_probe")).all() == [2]
        db.session.rollback()


def test_each_statement_carries_the_claims_in_force_when_it_runs(own_app, tmp_path):
    """The tenant bound, a cross-department grant for one block, a new binding, none: each
    statement is its own transaction and sees exactly the claims in force when it was sent."""
    client = own_app.test_client()
    response, _driver, trips = _server_round_trips(
        own_app, tmp_path, lambda: client.get("/_probe/claims", base_url="https://localhost")
    )
    assert response.status_code == 200
    assert response.json["seen"] == [[7, False], [7, True], [7, False], [8, False], [None, False]]
    assert trips == 5


def test_a_safe_request_cannot_run_a_statement_many_times(own_app):
    """executemany is how bulk writes go out: a safe request refuses it before sending."""
    from wnwa.tenants.scoping import TenantViolation

    with pytest.raises(TenantViolation):
        own_app.test_client().get("/_probe/many", base_url="https://localhost")
    with own_app.app_context():
        assert db.engine.raw_connection().driver_connection.autocommit is False
