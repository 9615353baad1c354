"""Sign-in, second factor, activation, sign-out. Views parse, call one service, render."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Blueprint, current_app, make_response, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from wnwa import emails, shared_state
from wnwa.auth import services
from wnwa.auth.forms import (
    ActivationForm,
    CodeForm,
    EnrolForm,
    ForgotForm,
    LoginForm,
    ResetForm,
    TurnOnTwoStepForm,
)
from wnwa.auth.guards import AFTER_SIGN_IN, page_after_sign_in, public
from wnwa.auth.passwords import verify_password
from wnwa.crypto import keyed_digest
from wnwa.errors import DomainError
from wnwa.extensions import limiter
from wnwa.htmx import render
from wnwa.sessions import SESSION_ID
from wnwa.tenants.credentials import account_key, session_identity

bp = Blueprint("auth", __name__)
bp.add_app_template_global(services.qr_code, "qr_code")  # the two-step key, drawn in the page

PENDING = "pending_2fa"
ENROL = "pending_enrol"
TOTP_SETUP, TOTP_SETUP_FOR = "totp_setup", "totp_setup_for"
PENDING_MAX_AGE = 300


# Sign-in steps that count failures or use codes: refused while shared state is unreachable.
SIGN_IN_STEPS = frozenset(
    {"auth.login", "auth.second_factor", "auth.activate", "auth.forgot", "auth.reset"}
)


@bp.before_request
def _shared_state_reachable():
    if request.method == "POST" and request.endpoint in SIGN_IN_STEPS:
        shared_state.require_available()


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _account_key() -> str:
    email = emails.lookup_form(request.form.get("email", ""))
    return "acct:" + keyed_digest("throttle", email)[:32]


TWO_STEP_CODES = "two-step-codes"  # one budget of wrong codes per account, on every route


def _code_key(account: str) -> str:
    """Wrong two-step codes count against the account (a keyed hash naming nobody), from
    whatever addresses they come and wherever they are typed: at sign-in, or on an
    activation or reset link."""
    return "code:" + keyed_digest("throttle", account)[:32]


def _pending_key() -> str:
    """The account waiting for its two-step code at sign-in."""
    pending = str((session.get(PENDING) or {}).get("a", ""))
    return _code_key(pending.split(".", 1)[0])


def _link_key() -> str:
    """The account an activation or reset link was signed for; a link that is not ours
    counts only against itself."""
    token = str((request.view_args or {}).get("token", ""))
    account = services.link_account_key(token)
    return _code_key(account) if account else "link:" + keyed_digest("throttle", token)[:32]


def _setup_secret(account) -> str:
    """The two-step key being set up in this browser, for this account only: on a shared
    computer the next person's activation never shows a key someone else has read."""
    owner = account_key(account)
    if session.get(TOTP_SETUP_FOR) != owner or TOTP_SETUP not in session:
        session[TOTP_SETUP], session[TOTP_SETUP_FOR] = services.new_totp_secret(), owner
    return session[TOTP_SETUP]


def _failed(response) -> bool:
    return response.status_code >= 400


def _sign_in(account):
    after = page_after_sign_in(session.get(AFTER_SIGN_IN))
    session.clear()
    login_user(account, remember=False)
    session.pop("_id", None)  # Flask-Login's hash of IP and user agent: never kept
    return redirect(after or url_for("site.home"), code=303)


def _pending_account(key: str):
    pending = session.get(key) or {}
    if time.time() - pending.get("t", 0) > PENDING_MAX_AGE:
        return None
    return services.load_by_identity(pending.get("a", ""))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login():
    form = LoginForm()
    asked = page_after_sign_in(request.args.get("next"))
    if asked:  # the page a signed-out visitor asked for, kept until sign-in (RULES 2.3)
        session[AFTER_SIGN_IN] = asked
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render("auth/login.html", form=form, http_status=status)
    try:
        account = services.authenticate(form.email.data, form.password.data)
    except services.InvalidCredentials as exc:
        return render("auth/login.html", form=form, error=exc.message, http_status=401)
    marker = {"a": session_identity(account), "t": time.time()}
    after = session.get(AFTER_SIGN_IN)
    session.clear()  # a fresh session for the account (the page asked for carries over)
    if after:
        session[AFTER_SIGN_IN] = after
    if account.has_mfa:
        session[PENDING] = marker
        return redirect(url_for("auth.second_factor"), code=303)
    if account.mfa_required:
        session[ENROL] = marker
        return redirect(url_for("auth.enrol"), code=303)
    return _sign_in(account)


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.shared_limit(
    _account_limit, TWO_STEP_CODES, key_func=_pending_key, methods=["POST"], deduct_when=_failed
)
def second_factor():
    account = _pending_account(PENDING)
    if account is None:
        return redirect(url_for("auth.login"), code=303)
    form = CodeForm()
    if not form.validate_on_submit():
        return render("auth/code.html", form=form, http_status=422 if form.is_submitted() else 200)
    try:
        services.verify_second_factor(account, form.code.data)
    except services.InvalidCode as exc:
        return render("auth/code.html", form=form, error=exc.message, http_status=401)
    return _sign_in(account)


def _set_up_two_step(account, form, proved: Callable[[], str | None] = lambda: None):
    """The two-step setup step that sign-in and "Me" share: the key (a QR code and text)
    until a code from it comes back, then the account's new recovery codes (a list). Else the
    page to show again (a response); `proved` may refuse first with a message."""
    secret = _setup_secret(account)
    ctx = {"form": form, "secret": secret, "uri": services.totp_uri(account, secret)}
    if not form.validate_on_submit():
        return render("auth/enrol.html", http_status=422 if form.is_submitted() else 200, **ctx)
    refused = proved()
    if refused:
        return render("auth/enrol.html", error=refused, http_status=401, **ctx)
    try:
        codes = services.enrol_mfa(account, secret, form.code.data)
    except DomainError as exc:
        return render("auth/enrol.html", error=exc.message, http_status=exc.status_code, **ctx)
    session.pop(TOTP_SETUP, None)
    session.pop(TOTP_SETUP_FOR, None)
    return codes


@bp.route("/me/two-step", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def turn_on_two_step():
    """Anyone signed in may turn two-step sign-in on for their own account (chiefs and finance
    have it already); it cannot be turned off or its key replaced here."""
    account = current_user._get_current_object()
    if account.has_mfa:
        return redirect(url_for("site.me"), code=303)
    form = TurnOnTwoStepForm()

    def owner() -> str | None:
        # A credential change: whoever sits at a computer left signed in must not be able to
        # tie the account to their own phone. The password proves it is the owner.
        if verify_password(account.password_hash, form.password.data or ""):
            return None
        return "That is not your password. Two-step sign-in was not turned on."

    codes = _set_up_two_step(account, form, owner)
    if not isinstance(codes, list):
        return codes
    return render("auth/recovery_codes.html", codes=codes, next_url=url_for("site.me"))


@bp.route("/login/two-step-setup", methods=["GET", "POST"])
@public
def enrol():
    account = _pending_account(ENROL)
    if account is None or account.has_mfa:  # (a copied setup step cannot replace a key)
        return redirect(url_for("auth.login"), code=303)
    codes = _set_up_two_step(account, EnrolForm())
    if not isinstance(codes, list):
        return codes
    after = page_after_sign_in(session.get(AFTER_SIGN_IN))
    _sign_in(account)
    return render("auth/recovery_codes.html", codes=codes, next_url=after or url_for("site.home"))


@bp.route("/activate/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.shared_limit(
    _account_limit, TWO_STEP_CODES, key_func=_link_key, methods=["POST"], deduct_when=_failed
)
def activate(token: str):
    account = services.account_for_token(token)
    if account.has_mfa:
        # A fresh invitation to someone who set up two-step sign-in resets the password only
        # with the same proof as a reset link: whoever holds the mailbox is not enough.
        return _new_password(account)
    secret = _setup_secret(account)
    form = ActivationForm()
    if account.mfa_required:
        form.use_mfa.data = True
    ctx = {
        "form": form,
        "account": account,
        "secret": secret,
        "uri": services.totp_uri(account, secret),
        "mfa_required": account.mfa_required,
    }
    if not form.validate_on_submit():
        return render("auth/activate.html", http_status=422 if form.is_submitted() else 200, **ctx)
    try:
        # A code typed in turns two-step sign-in on, ticked or not: it was meant to.
        use_mfa = form.use_mfa.data or bool(services.code_digits(form.code.data))
        codes = services.activate(
            account,
            form.password.data,
            totp_secret=secret if use_mfa else None,
            totp_code=form.code.data,
        )
    except services.PasswordRejected as exc:
        return render("auth/activate.html", problems=exc.problems, http_status=422, **ctx)
    except DomainError as exc:
        return render("auth/activate.html", error=exc.message, http_status=exc.status_code, **ctx)
    session.pop(TOTP_SETUP, None)
    session.pop(TOTP_SETUP_FOR, None)
    return render("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.login"))


def _reset_limit() -> str:
    return current_app.config["RESET_LINK_RATE_LIMIT"]


@bp.route("/login/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_reset_limit, key_func=_account_key, methods=["POST"])
def forgot():
    """Ask for a link to set a new password. Every valid request gets the same page; nothing is
    written and nobody but the address's owner hears of it."""
    form = ForgotForm()
    if not form.validate_on_submit():
        return render(
            "auth/forgot.html", form=form, http_status=422 if form.is_submitted() else 200
        )
    # The link is built on the configured public address, never on the request's Host header.
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    services.request_password_reset(
        form.email.data, lambda token: base + url_for("auth.reset", token=token)
    )
    sent = services.RESET_SENT.format(minutes=services.reset_minutes())
    return render("auth/forgot.html", form=ForgotForm(formdata=None), sent=sent)


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.shared_limit(
    _account_limit, TWO_STEP_CODES, key_func=_link_key, methods=["POST"], deduct_when=_failed
)
def reset(token: str):
    return _new_password(services.account_for_reset(token))


def _new_password(account):
    """Set a new password on an account (the link is checked by the caller)."""
    form = ResetForm()
    ctx = {"form": form, "account": account, "has_mfa": account.has_mfa}
    if not form.validate_on_submit():
        return render("auth/reset.html", http_status=422 if form.is_submitted() else 200, **ctx)
    try:
        outcome = services.reset_password(account, form.password.data, code=form.code.data)
    except services.PasswordRejected as exc:
        return render("auth/reset.html", problems=exc.problems, http_status=422, **ctx)
    except DomainError as exc:
        return render("auth/reset.html", error=exc.message, http_status=exc.status_code, **ctx)
    session.clear()
    return render("auth/reset_done.html", outcome=outcome)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    session_id = session.get(SESSION_ID)
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    services.sign_out(session_id)
    response = make_response(redirect(url_for("site.index"), code=303))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
