"""Sign-in, second factor, activation. Reads nothing from the request; writes nothing at
sign-in (docs/RULES.md 2.1): no last-login, no counters, no rehash, no stored TOTP counters.

Accounts are looked up across departments before any tenant is known, hence the unscoped
queries here (the only capability besides network admin, webhooks and the directory read model
allowed to use them).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from secrets import token_hex

import pyotp
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from wnwa import emails, shared_state
from wnwa.auth import loading
from wnwa.auth.models import StaffAccount
from wnwa.auth.passwords import check_password, dummy_verify, hash_password, verify_password
from wnwa.crypto import keyed_digest, keyed_digests, signing_secrets
from wnwa.errors import DomainError
from wnwa.extensions import db
from wnwa.tenants.credentials import (
    Secrets,
    account_key,
    fingerprint,
    fingerprint_matches,
    new_recovery_codes,
    recovery_digests,
    seal,
)
from wnwa.tenants.models import User
from wnwa.tenants.scoping import bind_tenant

Account = User | StaffAccount
log = logging.getLogger(__name__)

SIGN_IN_FAILED = "That email and password do not match an active account."
TOTP_ISSUER = "WeNeverWalkAlone"
TOTP_REPLAY_TTL = 120  # seconds: longer than the codes accepted (previous, current, next)
CONTEXT_WORDS = ("police", "officer", "sheriff", "wnwa", "neverwalkalone", "password")


class InvalidCredentials(DomainError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__(SIGN_IN_FAILED)


class InvalidCode(DomainError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("That code is not valid. Codes change every 30 seconds.")


class InvalidToken(DomainError):
    status_code = 400


class PasswordRejected(DomainError):
    status_code = 422

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


# --- looking accounts up -------------------------------------------------------------------


def find_account(email: str) -> Account | None:
    email = emails.lookup_form(email)
    if not email:
        return None
    # unscoped: sign-in happens before any tenant is known.
    user = db.session.scalars(
        select(User).where(User.email == email).execution_options(unscoped=True)
    ).one_or_none()
    if user is not None:
        return user
    return db.session.scalars(select(StaffAccount).where(StaffAccount.email == email)).one_or_none()


def is_usable(account: Account) -> bool:
    if not account.active:
        return False
    return not (isinstance(account, User) and account.department.status == "left")


def load_by_identity(identity: str) -> Account | None:
    """The account a session identity names, if still active and its password unchanged.

    The identity comes from the encrypted, authenticated session cookie and names the account's
    department, so the tenant is bound before the load, which reads that department's account
    only: one statement, no escape hatch (wnwa/auth/loading.py).
    """
    identity = identity or ""
    kind, parts = identity[:1], identity[1:].split(".")
    if kind not in ("u", "s") or len(parts) != 3 or not all(p.isdecimal() for p in parts[:2]):
        return None
    ident, department_id, fp = int(parts[0]), int(parts[1]), parts[2]
    session = db.session()
    if kind == "u":
        bind_tenant(department_id, session)
        account = loading.user(session, ident, department_id)
    else:
        account = loading.staff(session, ident)
    if account is None or not is_usable(account) or not fingerprint_matches(account, fp):
        bind_tenant(None)
        return None
    return account


def load_signed_in(identity: str) -> Account | None:
    """Flask-Login's user loader: `load_by_identity`, except an account whose role needs
    two-step sign-in it has not set up (an officer made chief or finance while signed in):
    such a session ends, and the next sign-in sets two-step sign-in up first."""
    account = load_by_identity(identity)
    if account is not None and account.mfa_required and not account.has_mfa:
        bind_tenant(None)
        return None
    return account


def _load(kind: str, ident: int) -> Account | None:
    if kind == "u":
        # unscoped: the tenant is bound from this very account, so it cannot be bound yet.
        return db.session.scalars(
            select(User).where(User.id == ident).execution_options(unscoped=True)
        ).one_or_none()
    return db.session.scalars(select(StaffAccount).where(StaffAccount.id == ident)).one_or_none()


# --- sign-in ---------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> Account:
    """The account for these credentials, or InvalidCredentials. Same message and about the
    same time whether or not the email exists or the account is active."""
    account = find_account(email)
    if account is None:
        dummy_verify(password or "")
        raise InvalidCredentials()
    ok = verify_password(account.password_hash, password or "")
    if not ok or not is_usable(account):
        raise InvalidCredentials()
    return account


def code_digits(code: str | None) -> str:
    """The ASCII digits of a typed code. Other digit forms (full-width "４", mathematical
    "𝟒") are read as the digit they show, so that a code typed any way is the same code, checked
    and claimed once (a code claimed as typed could be replayed in another form)."""
    folded = unicodedata.normalize("NFKC", code or "")
    return "".join(ch for ch in folded if ch in "0123456789")


def _totp_matches(secret: str, code: str) -> bool:
    digits = code_digits(code)
    return len(digits) == 6 and pyotp.TOTP(secret).verify(digits, valid_window=1)


def verify_second_factor(account: Account, code: str) -> None:
    """Accept a current TOTP code once, or a recovery code (which is then deleted)."""
    secrets = account.read_secrets()
    digits = code_digits(code)
    if secrets.totp and _totp_matches(secrets.totp, code):
        # A code signs in once, through any worker: the shared, RAM-only list of used codes.
        if not shared_state.claim_code(account_key(account), digits, ttl=TOTP_REPLAY_TTL):
            raise InvalidCode()
        return
    digest = next((d for d in recovery_digests(code or "") if d in secrets.recovery), None)
    if digest is not None:
        secrets.recovery.remove(digest)
        _save_secrets(account, secrets)
        return
    raise InvalidCode()


def sign_out(session_id: str | None) -> bool:
    """End a session everywhere: its id goes on the sign-out list until its idle expiry.

    False when the list cannot be reached: the browser's cookie is still cleared, and copies of
    it end at their own idle limit (logged without any identifier)."""
    if not session_id:
        return True
    ttl = int(current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()) + 60
    try:
        shared_state.end_session(session_id, ttl)
    except shared_state.SharedStateUnavailable:
        log.warning("sign-out list unreachable; a signed-out session ends at its idle limit")
        return False
    return True


# --- activation and MFA enrolment ------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_secrets(), salt="activation-v1")


def _address_tag(email: str) -> str:
    return keyed_digest("activation-address", email)[:16]


def activation_token(account: Account) -> str:
    """A stateless, single-use link token: bound to the current password hash, and to the
    address it is sent to, so a link mailed to an address since corrected stops working."""
    return _serializer().dumps(
        {
            "k": account.kind,
            "i": account.id,
            "f": fingerprint(account),
            "e": _address_tag(account.email),
        }
    )


def account_for_token(token: str) -> Account:
    max_age = int(current_app.config["ACTIVATION_MAX_AGE"].total_seconds())
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidToken(
            "This link has expired. Ask your chief (or network staff) to send a new one."
        ) from None
    except BadSignature:
        raise InvalidToken("This link is not valid. Check that it was copied whole.") from None
    account = _load(str(data.get("k")), int(data.get("i", 0)))
    if account is None or not is_usable(account) or not fingerprint_matches(account, data.get("f")):
        raise InvalidToken(
            "This link has already been used or was replaced by a newer one. "
            "Ask for a new link if you still need to set a password."
        )
    if not _sent_to_current_address(account, data):
        raise InvalidToken(
            "This link was sent to an address that is no longer this account's. Ask your chief "
            "(or network staff) to send a new one."
        )
    return account


def _sent_to_current_address(account: Account, data: dict) -> bool:
    """Whether a link's address tag names the account's address now (links made before links
    named their address carry no tag; they expire within days)."""
    if "e" not in data:
        return True
    return data["e"] in [d[:16] for d in keyed_digests("activation-address", account.email)]


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(account: Account, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=TOTP_ISSUER)


@dataclass(frozen=True)
class QrCode:
    """A QR code as one SVG path: `size` modules a side, `path` the dark ones."""

    size: int
    path: str


def qr_code(text: str) -> QrCode:
    """`text` (the key's otpauth: address) as a QR code a phone's authenticator app scans from
    the screen, drawn by the page itself: no image service ever sees the key."""
    import segno

    matrix = segno.make(text, error="m", micro=False).matrix
    dark = (f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, on in enumerate(row) if on)
    return QrCode(len(matrix), "".join(dark))


def password_context(account: Account) -> list[str]:
    words: list[str] = [account.email.split("@")[0], *CONTEXT_WORDS]
    if isinstance(account, User):
        dept = account.department
        words += [account.first_name, account.last_name, dept.name, dept.slug, dept.county]
    else:
        words += [account.name]
    return [w for w in words if w]


def validate_new_password(account: Account, password: str, *, mfa: bool) -> None:
    problems = check_password(password, mfa=mfa, context=password_context(account))
    if problems:
        raise PasswordRejected(problems)


def activate(
    account: Account, password: str, *, totp_secret: str | None, totp_code: str | None
) -> list[str]:
    """Set the password (and optionally TOTP); return recovery codes to show once."""
    if account.mfa_required and not totp_secret:
        raise DomainError("Two-step sign-in is required for your role.", status_code=422)
    if totp_secret and not _totp_matches(totp_secret, totp_code or ""):
        raise DomainError(
            "That code does not match. Check the time on your phone and try again.",
            status_code=422,
        )
    validate_new_password(account, password, mfa=bool(totp_secret))
    codes, digests = new_recovery_codes() if totp_secret else ([], [])  # none without a key
    if totp_secret:
        _claim_setup_code(account, totp_code or "")
    account.password_hash = hash_password(password)
    _save_secrets(account, Secrets(totp=totp_secret, recovery=digests), commit=False)
    db.session.commit()
    return codes


def _claim_setup_code(account: Account, code: str) -> None:
    """A code that set up two-step sign-in is used: it cannot sign in after (RULES 2.5)."""
    if not shared_state.claim_code(account_key(account), code_digits(code), ttl=TOTP_REPLAY_TTL):
        raise DomainError("That code was used already. Wait for the next one.", status_code=422)


def enrol_mfa(account: Account, totp_secret: str, totp_code: str) -> list[str]:
    """Add TOTP to an account that has none yet (e.g. an officer just made chief)."""
    if not _totp_matches(totp_secret, totp_code):
        raise DomainError("That code does not match. Try the next one.", status_code=422)
    _claim_setup_code(account, totp_code)
    codes, digests = new_recovery_codes()
    _save_secrets(account, Secrets(totp=totp_secret, recovery=digests))
    return codes


def _save_secrets(account: Account, secrets: Secrets, *, commit: bool = True) -> None:
    if isinstance(account, User):
        bind_tenant(account.department_id)
    account.secrets = seal(secrets)
    if commit:
        db.session.commit()


def set_password_for_staff(account: StaffAccount, password: str, totp_secret: str) -> list[str]:
    """CLI path: a staff password read from stdin, with a TOTP secret printed to the operator."""
    validate_new_password(account, password, mfa=True)
    codes, digests = new_recovery_codes()
    account.password_hash = hash_password(password)
    account.secrets = seal(Secrets(totp=totp_secret, recovery=digests))
    db.session.commit()
    return codes


# --- forgotten passwords ---------------------------------------------------------------------
#
# Stateless, like activation links: the link is a signature over the account and a fingerprint
# of its current password hash, so it works once (setting the password changes the hash) and
# needs no table. Asking for a link writes nothing anywhere: the message is sent directly (not
# through the database queue) and the answer is the same, in about the same time, whether or
# not the address has an account. Nobody else (a chief, network staff) is involved or told.

RESET_SENT = (
    "If an active account uses that address, a link to set a new password is on its way to it. "
    "The link works once, for {minutes} minutes. Nothing changes until you set the new password."
)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset-v1")


def _reset_token(kind: str, ident: int, fp: str, email: str) -> str:
    return _reset_serializer().dumps({"k": kind, "i": ident, "f": fp, "e": _address_tag(email)})


def reset_token(account: Account) -> str:
    """Bound to the password hash (single use) and, as an activation link, to the address it
    is mailed to: once the address is corrected, a link sent to the old one stops working."""
    return _reset_token(account.kind, account.id, fingerprint(account), account.email)


def reset_minutes() -> int:
    return int(current_app.config["RESET_LINK_MAX_AGE"].total_seconds()) // 60


def reset_message(link: str) -> tuple[str, str]:
    minutes = reset_minutes()
    body = (
        "Someone asked to set a new password for your WeNeverWalkAlone account.\n\n"
        f"To set one, open this link within {minutes} minutes:\n\n{link}\n\n"
        "It works once. If you did not ask, ignore this message: your password stays as it is, "
        "and nobody else has been told.\n"
    )
    return "Set a new password", body


def request_password_reset(email: str, link_for: Callable[[str], str]) -> None:
    """Send a reset link to `email` if it names a usable account; otherwise do nothing, in
    about the same time. Writes nothing to the database."""
    from wnwa import mail

    account = find_account(email)
    if account is None or not is_usable(account):
        # the same work as the real path (a link, a message, its thread), minus the send
        subject, body = reset_message(link_for(_reset_token("u", 0, token_hex(12), email)))
        mail.send_detached(None, subject, body)
        return
    subject, body = reset_message(link_for(reset_token(account)))
    mail.send_detached(account.email, subject, body)


def link_account_key(token: str) -> str | None:
    """The account (`account_key`) an activation or reset link was signed for, expired or not;
    None for a link that is not ours. Only a throttle key: it checks the signature, so a forged
    link cannot spend an account's budget of wrong codes."""
    for serializer in (_serializer(), _reset_serializer()):
        signed, data = serializer.loads_unsafe(token)
        if signed and isinstance(data, dict) and "k" in data and "i" in data:
            return f"{data['k']}{data['i']}"
    return None


def account_for_reset(token: str) -> Account:
    max_age = int(current_app.config["RESET_LINK_MAX_AGE"].total_seconds())
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidToken(
            "This link has expired. Ask for a new one from the sign-in page."
        ) from None
    except BadSignature:
        raise InvalidToken("This link is not valid. Check that it was copied whole.") from None
    account = _load(str(data.get("k")), int(data.get("i", 0)))
    if account is None or not is_usable(account) or fingerprint(account) != data.get("f"):
        raise InvalidToken(
            "This link has already been used or was replaced by a newer one. "
            "Ask for a new one from the sign-in page if you still need it."
        )
    if not _sent_to_current_address(account, data):
        raise InvalidToken(
            "This link was sent to an address that is no longer this account's. Ask for a new "
            "one from the sign-in page."
        )
    return account


@dataclass(frozen=True)
class ResetOutcome:
    mfa_kept: bool
    mfa_removed: bool
    recovery_codes_left: int


def reset_password(account: Account, password: str, *, code: str | None) -> ResetOutcome:
    """Set a new password from a reset link: the one write of the whole flow.

    An account with two-step sign-in proves it with a current authenticator code or, if the
    authenticator is lost, one of its recovery codes (used up). Network staff and chiefs keep
    two-step sign-in; an officer (for whom it is optional) who had to use a recovery code has it
    turned off, since the authenticator is gone. Sessions signed in with the old password end
    (their fingerprint changes).
    """
    secrets = account.read_secrets()
    proof = None
    used = next((d for d in recovery_digests(code or "") if d in secrets.recovery), None)
    if secrets.totp:
        if _totp_matches(secrets.totp, code or ""):
            proof = "totp"
        elif used is not None:
            proof = "recovery"
        else:
            raise DomainError(
                "Give a code from your authenticator app, or one of your recovery codes.",
                status_code=422,
            )
    keeps_mfa = proof == "totp" or (proof == "recovery" and account.mfa_required)
    validate_new_password(account, password, mfa=keeps_mfa)
    if proof == "totp":
        digits = code_digits(code)
        if not shared_state.claim_code(account_key(account), digits, ttl=TOTP_REPLAY_TTL):
            raise InvalidCode()
    removed = False
    if proof == "recovery":
        secrets.recovery.remove(used)
        if not keeps_mfa:
            secrets, removed = Secrets(), True
    account.password_hash = hash_password(password)
    _save_secrets(account, secrets, commit=False)
    db.session.commit()
    return ResetOutcome(
        mfa_kept=bool(secrets.totp),
        mfa_removed=removed,
        recovery_codes_left=len(secrets.recovery),
    )
