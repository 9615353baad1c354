"""Sign-in, second factor, activation, enrolment, sign-out."""

import time

import pyotp
import pytest
from sqlalchemy import select

from tests.conftest import sign_in
from wnwa.auth import services
from wnwa.auth.services import SIGN_IN_FAILED, activation_token
from wnwa.extensions import db
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context


@pytest.fixture
def dept(make):
    return make.department("Springfield Police Department")


def _body(response) -> str:
    return response.get_data(as_text=True)


def test_officer_without_mfa_signs_in_and_out(client, make, dept):
    officer = make.officer(dept)
    response = sign_in(client, officer.email, make.PASSWORD)
    assert response.status_code == 303
    assert client.get("/home").status_code == 302
    out = client.post("/logout")
    assert out.status_code == 303
    assert out.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert client.get("/welcome").status_code == 302  # signed out: back to the login page


def test_logout_is_post_only(client):
    assert client.get("/logout").status_code == 405


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "inactive", "left dept"])
def test_failed_sign_in_is_uniform(client, make, dept, case):
    officer = make.officer(dept, active=case != "inactive")
    email, password = officer.email, make.PASSWORD
    if case == "wrong password":
        password = "not the right passphrase at all"
    if case == "unknown email":
        email = "nobody@nowhere.example"
    if case == "left dept":
        dept.status = "left"
        db.session.commit()
    response = sign_in(client, email, password)
    assert response.status_code == 401
    assert SIGN_IN_FAILED in _body(response)
    assert client.get("/welcome").status_code == 302


def test_unknown_email_still_spends_a_password_verification(client, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "dummy_verify", lambda password: calls.append(password))
    sign_in(client, "ghost@nowhere.example", "some passphrase here")
    assert calls == ["some passphrase here"]


def test_chief_needs_totp_and_a_code_cannot_be_replayed(client, make, dept):
    chief = make.officer(dept, chief=True)
    first = sign_in(client, chief.email, make.PASSWORD)
    assert first.headers["Location"].endswith("/login/code")
    assert client.get("/department/").status_code == 302  # not signed in before the code
    code = pyotp.TOTP(make.TOTP_SECRET).now()
    assert client.post("/login/code", data={"code": code}).status_code == 303
    assert client.get("/department/").status_code == 200
    client.post("/logout")
    sign_in(client, chief.email, make.PASSWORD)
    replay = client.post("/login/code", data={"code": code})
    assert replay.status_code == 401
    assert "not valid" in _body(replay)
    full_width = "".join(chr(ord(d) - ord("0") + ord("０")) for d in code)  # "４２６０１１"
    assert client.post("/login/code", data={"code": full_width}).status_code == 401


def test_a_code_typed_in_full_width_digits_signs_in(client, make, dept):
    chief = make.officer(dept, chief=True)
    sign_in(client, chief.email, make.PASSWORD)
    code = pyotp.TOTP(make.TOTP_SECRET).now()
    full_width = "".join(chr(ord(d) - ord("0") + ord("０")) for d in code)
    assert client.post("/login/code", data={"code": full_width}).status_code == 303


def test_wrong_code_is_refused(client, make, dept):
    chief = make.officer(dept, chief=True)
    sign_in(client, chief.email, make.PASSWORD)
    response = client.post("/login/code", data={"code": "000000"})
    assert response.status_code == 401


def test_code_step_without_password_step_goes_back_to_login(client):
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/login")


def test_recovery_code_works_once(client, make, dept, app):
    chief = make.officer(dept, chief=True, activated=False)
    token = activation_token(chief)
    client.get(f"/activate/{token}")
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    response = client.post(
        f"/activate/{token}",
        data={
            "password": "a long and careful passphrase",
            "confirm": "a long and careful passphrase",
            "use_mfa": "y",
            "code": pyotp.TOTP(secret).now(),
        },
    )
    assert response.status_code == 200
    html = _body(response)
    codes = html.split('id="recovery-codes">')[1].split("</ul>")[0]
    first_code = codes.split("<code>")[1].split("</code>")[0]
    sign_in(client, chief.email, "a long and careful passphrase")
    assert client.post("/login/code", data={"code": first_code}).status_code == 303
    client.post("/logout")
    sign_in(client, chief.email, "a long and careful passphrase")
    assert client.post("/login/code", data={"code": first_code}).status_code == 401


def test_activation_sets_password_and_link_is_single_use(client, make, dept):
    officer = make.officer(dept, activated=False)
    token = activation_token(officer)
    page = client.get(f"/activate/{token}")
    assert page.status_code == 200
    assert officer.email in _body(page)
    done = client.post(
        f"/activate/{token}",
        data={
            "password": "my own quiet passphrase",
            "confirm": "my own quiet passphrase",
        },
    )
    assert done.status_code == 200
    # no two-step sign-in, so no recovery codes to stand in for it
    assert "Your password is set" in _body(done) and 'id="recovery-codes"' not in _body(done)
    again = client.get(f"/activate/{token}")
    assert again.status_code == 400
    assert "already been used" in _body(again)
    assert sign_in(client, officer.email, "my own quiet passphrase").status_code == 303


def test_an_activation_link_stops_when_the_address_is_corrected(client, make, dept):
    """An invitation went to a mistyped address; the chief corrects it: whoever holds the
    wrong mailbox can no longer set the password."""
    officer = make.officer(dept, activated=False, email="jsmith@springfield.example")
    officer_id, dept_id = officer.id, dept.id
    token = activation_token(officer)
    with tenant_context(dept_id):
        db.session.get(User, officer_id).email = "jsmyth@springfield.example"
        db.session.commit()
    page = client.get(f"/activate/{token}")
    assert page.status_code == 400
    assert "no longer this account" in _body(page)
    with tenant_context(dept_id):
        fresh = activation_token(db.session.get(User, officer_id))
    assert client.get(f"/activate/{fresh}").status_code == 200


def test_an_invitation_still_queued_when_the_address_is_corrected_is_not_sent(make, dept):
    """Queued for the mistyped address, corrected before the mail job ran: the old mailbox
    must not receive a link, which would name the corrected address and work."""
    from wnwa import mail
    from wnwa.roster.people import resend_invitation

    officer = make.officer(dept, activated=False, email="jsmith@springfield.example")
    officer_id, dept_id = officer.id, dept.id
    with tenant_context(dept_id):
        resend_invitation(db.session.get(type(dept), dept_id), officer_id, actor="chief")
        db.session.get(User, officer_id).email = "jsmyth@springfield.example"
        db.session.commit()
    [job] = db.session.scalars(
        select(mail.MailJob).where(mail.MailJob.to == "jsmith@springfield.example")
    ).all()
    assert job.render() is None  # dropped unsent
    assert mail.drain() == 0


def test_activation_link_also_resets_a_forgotten_password(client, make, dept):
    officer = make.officer(dept)  # already activated with PASSWORD
    token = activation_token(officer)
    client.post(
        f"/activate/{token}",
        data={
            "password": "brand new quiet passphrase",
            "confirm": "brand new quiet passphrase",
        },
    )
    assert sign_in(client, officer.email, make.PASSWORD).status_code == 401
    assert sign_in(client, officer.email, "brand new quiet passphrase").status_code == 303


def test_activation_rejects_weak_passwords_with_reasons(client, make, dept):
    officer = make.officer(dept, activated=False)
    token = activation_token(officer)
    cases = {
        "short": ("short pass 12", "at least 15"),
        "context": ("springfield police 2024", ""),
        "mismatch": ("a long and careful passphrase", "differ"),
    }
    for name, (password, expected) in cases.items():
        confirm = password if name != "mismatch" else password + "x"
        response = client.post(
            f"/activate/{token}", data={"password": password, "confirm": confirm}
        )
        assert response.status_code == 422, name
        assert expected in _body(response), name
    stored = db.session.scalars(
        select(User.password_hash).where(User.id == officer.id).execution_options(unscoped=True)
    ).one()
    assert stored == officer.password_hash  # nothing written


def test_activation_requires_mfa_for_chief(client, make, dept):
    chief = make.officer(dept, chief=True, activated=False)
    token = activation_token(chief)
    client.get(f"/activate/{token}")
    response = client.post(
        f"/activate/{token}",
        data={
            "password": "a long and careful passphrase",
            "confirm": "a long and careful passphrase",
            "code": "",
        },
    )
    assert response.status_code == 422
    assert "does not match" in _body(response)


def test_tampered_and_expired_tokens_get_clear_messages(client, make, dept, app, monkeypatch):
    officer = make.officer(dept, activated=False)
    token = activation_token(officer)
    start = token.rindex(".") + 1  # a different first character of the signature
    bad = client.get(
        f"/activate/{token[:start]}{'A' if token[start] != 'A' else 'B'}{token[start + 1 :]}"
    )
    assert bad.status_code == 400 and "not valid" in _body(bad)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 8 * 24 * 3600)
    expired = client.get(f"/activate/{token}")
    assert expired.status_code == 400 and "expired" in _body(expired)


def test_new_chief_without_mfa_must_enrol_before_anything_else(client, make, dept):
    chief = make.officer(dept, chief=True, mfa=False)
    response = sign_in(client, chief.email, make.PASSWORD)
    assert response.headers["Location"].endswith("/login/two-step-setup")
    assert client.get("/department/").status_code == 302
    page = client.get("/login/two-step-setup")
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    assert secret in _body(page)
    done = client.post("/login/two-step-setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and 'id="recovery-codes"' in _body(done)
    assert client.get("/department/").status_code == 200


def test_password_change_ends_existing_sessions(client, make, dept, app):
    officer = make.officer(dept)
    sign_in(client, officer.email, make.PASSWORD)
    assert client.get("/welcome").status_code == 200
    other = app.test_client()
    token = activation_token(officer)
    other.post(
        f"/activate/{token}",
        data={
            "password": "another long passphrase",
            "confirm": "another long passphrase",
        },
    )
    assert client.get("/welcome").status_code == 302


def test_an_app_with_the_limiter_switched_off_starts():
    """RATELIMIT_ENABLED = False (an operator's choice): the limiter then registers no hooks,
    and the app must still start. In a process of its own: the limiter is one shared object."""
    import subprocess
    import sys

    script = (
        "from config import TestingConfig\n"
        "from wnwa import create_app\n"
        "app = create_app(TestingConfig, {'SQLALCHEMY_DATABASE_URI': 'sqlite://',"
        " 'RATELIMIT_ENABLED': False})\n"
        "from wnwa.extensions import limiter\n"
        "assert not limiter.enabled\n"
        "print('started')\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, our own snippet
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("started")


def test_failed_logins_are_throttled_in_memory(client, make, dept, app):
    officer = make.officer(dept)
    statuses = [
        sign_in(client, officer.email, "wrong wrong wrong wrong").status_code for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # the correct password is throttled too while the window lasts
    assert sign_in(client, officer.email, make.PASSWORD).status_code == 429


def test_wrong_two_step_codes_are_throttled_per_account_from_any_address(client, make, dept):
    chief = make.officer(dept, chief=True)
    sign_in(client, chief.email, make.PASSWORD)
    statuses = [
        client.post(
            "/login/code", data={"code": "000000"}, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    code = pyotp.TOTP(make.TOTP_SECRET).now()
    again = client.post(
        "/login/code", data={"code": code}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert again.status_code == 429


def test_a_new_invitation_to_a_two_step_account_needs_the_second_factor(client, make, dept):
    """A fresh invitation works as "choose a new password", but for an account with two-step
    sign-in only with the same proof as a reset link: whoever holds the mailbox (say, after a
    chief changed the address) cannot replace the password and the authenticator with it."""
    chief = make.officer(dept, chief=True)  # activated with PASSWORD and an authenticator
    token = activation_token(chief)
    page = client.get(f"/activate/{token}")
    assert page.status_code == 200
    assert 'name="use_mfa"' not in _body(page)
    assert "recovery codes" in _body(page)
    new = "a fresh and careful passphrase"
    refused = client.post(
        f"/activate/{token}", data={"password": new, "confirm": new, "use_mfa": "y"}
    )
    assert refused.status_code == 422
    assert "authenticator app" in _body(refused)
    assert sign_in(client, chief.email, new).status_code == 401
    code = pyotp.TOTP(make.TOTP_SECRET).now()
    done = client.post(f"/activate/{token}", data={"password": new, "confirm": new, "code": code})
    assert done.status_code == 200
    assert "Two-step sign-in stays on" in _body(done)
    with tenant_context(dept.id):
        user = db.session.scalars(select(User).where(User.id == chief.id)).one()
        assert user.read_secrets().totp == make.TOTP_SECRET


@pytest.mark.parametrize("route", ["activate", "reset"])
def test_wrong_codes_on_a_link_are_throttled_per_account_from_any_address(
    client, make, dept, route
):
    chief = make.officer(dept, chief=True)
    token = activation_token(chief) if route == "activate" else services.reset_token(chief)
    path = f"/activate/{token}" if route == "activate" else f"/login/reset/{token}"
    new = "a fresh and careful passphrase"
    statuses = [
        client.post(
            path,
            data={"password": new, "confirm": new, "code": "000000"},
            environ_base={"REMOTE_ADDR": f"10.0.1.{n}"},
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429


def test_an_officer_made_chief_while_signed_in_must_set_up_two_step_sign_in(client, make, dept):
    from wnwa.roster import people

    officer = make.officer(dept)
    make.officer(dept, chief=True)  # the chief who promotes them
    dept_id, officer_id, officer_email = dept.id, officer.id, officer.email
    sign_in(client, officer_email, make.PASSWORD)
    assert client.get("/department/roster").status_code == 403
    with tenant_context(dept_id):
        department = db.session.get(Department, dept_id)
        people.set_roles(department, officer_id, chief=True, finance=True, actor="chief")
    # the same session does not carry the new powers without the second factor
    assert client.get("/department/roster").status_code == 302
    assert client.get("/billing/").status_code == 302
    again = sign_in(client, officer_email, make.PASSWORD)
    assert again.headers["Location"].endswith("/login/two-step-setup")


def test_a_copied_setup_step_cannot_replace_a_key_already_set_up(app, make, dept):
    """Someone who copied the pending setup cookie after the password step cannot, once the
    owner has set up the authenticator, set up one of their own over it."""
    owner = app.test_client()
    chief = make.officer(dept, chief=True, mfa=False)
    sign_in(owner, chief.email, make.PASSWORD)
    owner.get("/login/two-step-setup")
    copy = app.test_client()
    copy.set_cookie("__Host-wnwa", owner.get_cookie("__Host-wnwa", domain="localhost").value)
    with owner.session_transaction() as session:
        secret = session["totp_setup"]
    assert (
        owner.post("/login/two-step-setup", data={"code": pyotp.TOTP(secret).now()}).status_code
        == 200
    )
    assert copy.get("/login/two-step-setup").status_code == 303


def test_a_code_used_on_a_reset_link_does_not_sign_in_again(client, make, dept):
    chief = make.officer(dept, chief=True)
    code = pyotp.TOTP(make.TOTP_SECRET).now()
    new = "a fresh and careful passphrase"
    token = services.reset_token(chief)
    done = client.post(
        f"/login/reset/{token}", data={"password": new, "confirm": new, "code": code}
    )
    assert done.status_code == 200
    sign_in(client, chief.email, new)
    assert client.post("/login/code", data={"code": code}).status_code == 401


def test_wrong_codes_share_one_budget_per_account_wherever_they_are_typed(client, make, dept):
    """Ten wrong codes in all, from any address, at sign-in and on links together."""
    chief = make.officer(dept, chief=True)
    new = "a fresh and careful passphrase"
    reset = f"/login/reset/{services.reset_token(chief)}"
    activate = f"/activate/{activation_token(chief)}"
    statuses = []
    for n in range(4):
        for path in (reset, activate):
            statuses.append(
                client.post(
                    path,
                    data={"password": new, "confirm": new, "code": "000000"},
                    environ_base={"REMOTE_ADDR": f"10.0.2.{n}"},
                ).status_code
            )
    sign_in(client, chief.email, make.PASSWORD)
    for n in range(3):
        statuses.append(
            client.post(
                "/login/code", data={"code": "000000"}, environ_base={"REMOTE_ADDR": f"10.0.3.{n}"}
            ).status_code
        )
    assert statuses[:8] == [422] * 8 and statuses[8:10] == [401, 401]
    assert statuses[10] == 429


def test_each_account_is_offered_its_own_key_in_one_browser(client, make, dept):
    """On a shared computer, someone who opened their activation link and left must not know
    the key the next person is offered there."""
    first = make.officer(dept, activated=False)
    second = make.officer(dept, activated=False)
    client.get(f"/activate/{activation_token(first)}")
    with client.session_transaction() as session:
        offered_first = session["totp_setup"]
    page = client.get(f"/activate/{activation_token(second)}")
    with client.session_transaction() as session:
        offered_second = session["totp_setup"]
    assert offered_first != offered_second
    assert offered_second in _body(page) and offered_first not in _body(page)


def test_the_code_that_set_up_two_step_sign_in_cannot_sign_in_after(client, make, dept):
    """RULES 2.5: a code works once, whatever it was used for: activation, or the setup step
    of an officer made chief."""
    chief = make.officer(dept, chief=True, activated=False)
    token = activation_token(chief)
    client.get(f"/activate/{token}")
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    code = pyotp.TOTP(secret).now()
    passphrase = "a long and careful passphrase"
    done = client.post(
        f"/activate/{token}",
        data={"password": passphrase, "confirm": passphrase, "use_mfa": "y", "code": code},
    )
    assert done.status_code == 200 and "give the next one" in _body(done)
    sign_in(client, chief.email, passphrase)
    assert client.post("/login/code", data={"code": code}).status_code == 401

    promoted = make.officer(dept, chief=True, mfa=False)
    sign_in(client, promoted.email, make.PASSWORD)
    client.get("/login/two-step-setup")
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    code = pyotp.TOTP(secret).now()
    assert client.post("/login/two-step-setup", data={"code": code}).status_code == 200
    client.post("/logout")
    sign_in(client, promoted.email, make.PASSWORD)
    assert client.post("/login/code", data={"code": code}).status_code == 401


def test_a_code_typed_at_activation_turns_two_step_sign_in_on(client, make, dept):
    """The box left unticked but a valid code typed: the officer meant it."""
    officer = make.officer(dept, activated=False)
    token = activation_token(officer)
    client.get(f"/activate/{token}")
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    passphrase = "my own quiet passphrase"
    done = client.post(
        f"/activate/{token}",
        data={"password": passphrase, "confirm": passphrase, "code": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 200 and 'id="recovery-codes"' in _body(done)
    response = sign_in(client, officer.email, passphrase)
    assert response.headers["Location"].endswith("/login/code")


def test_the_two_step_key_is_drawn_as_a_qr_code_in_the_page(client, make, dept):
    """A chief at a desk scans the key with a phone instead of typing 32 letters; the page
    draws it itself, so no image service sees the key."""
    import re

    import segno

    chief = make.officer(dept, chief=True, activated=False)
    page = _body(client.get(f"/activate/{activation_token(chief)}"))
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    svg = re.search(r'<svg class="totp-qr"[^>]*>.*?</svg>', page, re.S).group(0)
    assert 'aria-label="QR code of the key' in svg and secret in page
    dark = set(map(tuple, re.findall(r"M(\d+) (\d+)h1v1h-1z", svg)))
    uri = services.totp_uri(chief, secret)
    matrix = segno.make(uri, error="m", micro=False).matrix
    expected = {(str(x), str(y)) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}
    assert dark == expected and "http" not in svg


def test_signing_in_from_an_emailed_link_lands_on_that_page(client, make, dept):
    """A chief follows a link to a page while signed out: after the password and the code,
    that page, not the home page. The page is remembered in the session only until then."""
    chief = make.officer(dept, chief=True)
    asked = client.get("/my-training/?q=words")
    # the page rides in the sign-in address (a link clicked in webmail is a cross-site visit,
    # and the Strict cookie would not reach /login); its path only, never a query
    assert asked.status_code == 302
    assert asked.headers["Location"] == "/login?next=/my-training/"
    client.get(asked.headers["Location"])
    response = sign_in(client, chief.email, make.PASSWORD, make.TOTP_SECRET)
    assert response.status_code == 303 and response.headers["Location"] == "/my-training/"
    with client.session_transaction() as session:
        assert "after_sign_in" not in session
    client.post("/logout")
    officer = make.officer(dept)  # nothing remembered now: the role's home
    assert sign_in(client, officer.email, make.PASSWORD).headers["Location"].endswith("/home")


@pytest.mark.parametrize(
    "planted", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/x?q=a"]
)
def test_only_a_page_of_this_site_is_remembered_for_after_sign_in(client, make, dept, planted):
    officer = make.officer(dept)
    client.get("/login", query_string={"next": planted})
    response = sign_in(client, officer.email, make.PASSWORD)
    assert response.headers["Location"].endswith("/home")


def test_setting_up_two_step_at_sign_in_keeps_the_page_asked_for(client, make, dept):
    """An officer made chief follows an emailed link: sign-in sets two-step up first, and
    "Continue" then goes to that page."""
    chief = make.officer(dept, chief=True, mfa=False)
    client.get(client.get("/my-training/").headers["Location"])
    assert (
        sign_in(client, chief.email, make.PASSWORD)
        .headers["Location"]
        .endswith("/login/two-step-setup")
    )
    client.get("/login/two-step-setup")
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    done = client.post("/login/two-step-setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and 'href="/my-training/"' in _body(done)


def test_an_officer_may_turn_on_two_step_sign_in_from_me(client, make, dept):
    officer = make.officer(dept)
    assert client.get("/me/two-step").status_code == 302  # signed in first
    sign_in(client, officer.email, make.PASSWORD)
    assert 'href="/me/two-step"' in _body(client.get("/me"))
    page = client.get("/me/two-step")
    assert page.status_code == 200 and 'class="totp-qr"' in _body(page)
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    password = make.PASSWORD
    assert (
        client.post("/me/two-step", data={"code": "000000", "password": password}).status_code
        == 422
    )
    code = pyotp.TOTP(secret).now()
    # someone at a computer left signed in cannot tie the account to their own phone
    wrong = client.post("/me/two-step", data={"code": code, "password": "not the password"})
    assert wrong.status_code == 401 and "not your password" in _body(wrong)
    assert 'href="/me/two-step"' in _body(client.get("/me"))  # still off
    done = client.post("/me/two-step", data={"code": code, "password": password})
    assert done.status_code == 200 and 'id="recovery-codes"' in _body(done)
    assert 'href="/me/two-step"' not in _body(client.get("/me"))
    assert client.get("/me/two-step").status_code == 303  # on: its key is not replaced here
    client.post("/logout")
    assert sign_in(client, officer.email, make.PASSWORD).headers["Location"].endswith("/login/code")
    assert client.post("/login/code", data={"code": code}).status_code == 401  # used at setup
