import re
import statistics
import time
from pathlib import Path

import pytest

from wnwa.auth import passwords
from wnwa.auth.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    MIN_LENGTH_MFA,
    check_password,
    dummy_verify,
    hash_password,
    unusable_password_hash,
    verify_password,
)

PHC = re.compile(
    r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$"
)
GOOD_PASSPHRASE = "violet tractor gravel sunrise"


def context_message(word: str) -> str:
    return passwords.MSG_CONTEXT.format(word=word)


# --- constants and messages -------------------------------------------------


def test_constants():
    assert (MIN_LENGTH_MFA, MIN_LENGTH, MAX_LENGTH) == (12, 15, 128)


def test_too_short_message_explains_the_mfa_option():
    assert check_password("tulip-harbor", mfa=False) == [
        "Use at least 15 characters, or turn on two-step sign-in to use 12."
    ]


# --- length ------------------------------------------------------------------


def test_good_passphrase_accepted_without_mfa():
    assert check_password(GOOD_PASSPHRASE, mfa=False) == []
    assert check_password(GOOD_PASSPHRASE, mfa=True) == []


def test_twelve_characters_ok_with_mfa_refused_without():
    assert len("tulip-harbor") == 12
    assert check_password("tulip-harbor", mfa=True) == []
    assert check_password("tulip-harbor", mfa=False) == [passwords.MSG_TOO_SHORT]


def test_eleven_characters_refused_even_with_mfa():
    assert check_password("tulip-harbo", mfa=True) == [passwords.MSG_TOO_SHORT_MFA]
    assert check_password("tulip-harbo", mfa=False) == [passwords.MSG_TOO_SHORT]


def test_fourteen_refused_fifteen_accepted_without_mfa():
    assert check_password("tulip-harbor-k", mfa=False) == [passwords.MSG_TOO_SHORT]
    assert check_password("tulip-harbor-kx", mfa=False) == []


def test_128_accepted_129_refused():
    text = "orbit lantern gravel " * 7
    assert check_password(text[:128], mfa=False) == []
    assert check_password(text[:129], mfa=False) == [passwords.MSG_TOO_LONG]


def test_empty_password():
    assert check_password("", mfa=True) == [passwords.MSG_EMPTY]


def test_no_composition_rules():
    assert check_password("lowercase words only here", mfa=False) == []
    assert check_password("8301 5526 9914 2207", mfa=False) == []
    assert check_password("%]&*~<[;'`?/.,:", mfa=False) == []


# --- unicode -------------------------------------------------------------------


def test_length_counts_code_points_after_nfkc_combining_marks():
    decomposed = "re\u0301sume\u0301 nai\u0308ve"  # 15 code points, 12 after NFKC
    assert len(decomposed) == 15
    assert check_password(decomposed, mfa=True) == []
    shorter = "re\u0301sume\u0301 nai\u0308v"  # 14 code points, 11 after NFKC
    assert check_password(shorter, mfa=True) == [passwords.MSG_TOO_SHORT_MFA]


def test_length_counts_code_points_after_nfkc_ligatures():
    ligatures = "\ufb01nal \ufb01gure"  # 10 code points, "final figure" (12) after NFKC
    assert len(ligatures) == 10
    assert check_password(ligatures, mfa=True) == []


def test_non_ascii_passphrase_accepted():
    assert check_password("Ünïcödé Bärenhöhle Straße", mfa=False) == []
    assert check_password("東京の夜景はとても綺麗でしたね", mfa=False) == []


def test_fullwidth_forms_are_normalised_before_checks():
    problems = check_password("ｐａｓｓｗｏｒｄ１２３４", mfa=True)
    assert passwords.MSG_COMMON in problems
    assert context_message("password") in problems


def test_control_characters_refused():
    assert check_password("tab\there and more", mfa=False) == [passwords.MSG_CONTROL]
    assert check_password("line\nbreak in here", mfa=False) == [passwords.MSG_CONTROL]


# --- repetition and sequences --------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "AAAAAAAAAAAAAAAA",
        "123456789012",
        "987654321098765",
        "abcdefghijklmnop",
        "zyxwvutsrqponm",
        "abcabcabcabcabc",
        "121212121212121",
        "aaaaaaaaaaaaaaa!",
    ],
)
def test_trivial_passwords_refused(password):
    assert passwords.MSG_TRIVIAL in check_password(password, mfa=False)


def test_trivial_check_only_applies_to_whole_password():
    assert check_password("abcdef garden hose", mfa=False) == []


# --- common passwords ------------------------------------------------------------


def test_common_long_password_refused():
    assert len("1qaz2wsx3edc4rfv") >= MIN_LENGTH
    assert check_password("1qaz2wsx3edc4rfv", mfa=False) == [passwords.MSG_COMMON]


def test_common_password_check_is_case_insensitive_and_ignores_trailing_digits():
    assert check_password("1QAZ2WSX3EDC4RFV", mfa=False) == [passwords.MSG_COMMON]
    assert check_password("1qaz2wsx3edc4rfv2024!", mfa=False) == [passwords.MSG_COMMON]
    assert check_password("Qazwsxedcrfv", mfa=True) == [passwords.MSG_COMMON]


def test_common_password_list_file():
    path = Path(passwords.__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 10_000
    assert len(set(lines)) == len(lines)
    assert all(line == line.lower() and line.strip() == line for line in lines)
    assert all(MIN_LENGTH_MFA <= len(line) <= MAX_LENGTH for line in lines)
    loaded = passwords._common_passwords()
    assert isinstance(loaded, frozenset)
    assert loaded is passwords._common_passwords()
    assert "1qaz2wsx3edc4rfv" in loaded
    assert sum(len(line) >= MIN_LENGTH for line in lines) > 1_000


# --- context words -----------------------------------------------------------------


def test_department_name_refused():
    assert check_password("Springfield2024!", mfa=True) == []
    assert check_password("Springfield2024!", mfa=True, context=["Springfield PD"]) == [
        context_message("springfield")
    ]


def test_department_slug_refused():
    assert check_password("springfieldpd!!2024", mfa=True, context=["springfield-pd"]) == [
        context_message("springfieldpd")
    ]


def test_user_names_and_email_refused():
    context = ["Jordan", "Alvarez", "jordan.alvarez@springfieldpd.gov"]
    assert check_password("Alvarez1985!!!!", mfa=False, context=context) == [
        context_message("alvarez")
    ]
    assert check_password("jordan.alvarez@springfieldpd.gov", mfa=False, context=context) == [
        context_message("jordan.alvarez@springfieldpd.gov")
    ]
    assert check_password("jordanalvarez2024", mfa=False, context=["jordan.alvarez@x.org"]) == [
        context_message("jordanalvarez")
    ]


def test_context_matching_is_case_insensitive_for_non_ascii():
    assert check_password("MÜLLER-2024-!!!", mfa=True, context=["Müller"]) == [
        context_message("müller")
    ]


@pytest.mark.parametrize(
    ("password", "word"),
    [
        ("Police2024!!!!!!", "police"),
        ("OFFICER_12345678", "officer"),
        ("Sheriff#123456789", "sheriff"),
        ("wnwa-wnwa-2024-!!", "wnwa"),
        ("NeverWalkAlone!!", "neverwalkalone"),
        ("Password99999!!!", "password"),
        ("P0l1ce!!20242024", "police"),
        ("police abcdefghij", "police"),
    ],
)
def test_fixed_words_with_only_digits_or_symbols_refused(password, word):
    assert context_message(word) in check_password(password, mfa=False)


def test_context_word_with_substantial_other_content_accepted():
    assert check_password("officer friendly likes coffee", mfa=False) == []
    assert (
        check_password("Springfield has lovely autumn maples", mfa=False, context=["Springfield"])
        == []
    )


def test_context_may_be_a_single_string_and_skips_non_strings():
    expected = [context_message("springfield")]
    assert check_password("Springfield2024!", mfa=True, context="Springfield") == expected
    assert check_password("Springfield2024!", mfa=True, context=[None, "Springfield"]) == expected


def test_short_context_words_ignored():
    assert check_password("always pdq river song", mfa=False, context=["PD", "Al", ""]) == []


# --- hashing -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_hash():
    return hash_password(GOOD_PASSPHRASE)


def test_hash_format_and_verify(real_hash):
    assert PHC.match(real_hash)
    assert verify_password(real_hash, GOOD_PASSPHRASE) is True
    assert verify_password(real_hash, GOOD_PASSPHRASE.upper()) is False
    assert verify_password(real_hash, "") is False
    assert hash_password(GOOD_PASSPHRASE) != real_hash


def test_hash_uses_nfkc_normalised_password():
    stored = hash_password("ｔｕｌｉｐ-ｈａｒｂｏｒ")
    assert verify_password(stored, "tulip-harbor") is True


def test_long_password_not_truncated():
    password = ("orbit lantern gravel " * 7)[:MAX_LENGTH]
    stored = hash_password(password)
    assert verify_password(stored, password) is True
    assert verify_password(stored, password[:-1]) is False
    assert verify_password(stored, password[:-1] + "X") is False
    assert verify_password(stored, password[:72]) is False


def test_unusable_hash_has_the_same_form_as_a_real_one(real_hash):
    fake = unusable_password_hash()
    assert PHC.match(fake)
    assert len(fake) == len(real_hash)
    assert fake.split("$")[1:4] == real_hash.split("$")[1:4]
    assert PHC.match(real_hash).groups() == PHC.match(fake).groups()
    assert unusable_password_hash() != fake


def test_unusable_hash_never_verifies():
    fake = unusable_password_hash()
    for candidate in ["", GOOD_PASSPHRASE, "password", fake]:
        assert verify_password(fake, candidate) is False


def test_unusable_hash_is_cheap():
    start = time.perf_counter()
    hashes = [unusable_password_hash() for _ in range(13_000)]
    assert time.perf_counter() - start < 2.0
    assert len(set(hashes)) == 13_000


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "garbage",
        None,
        42,
        b"$argon2id$",
        "$argon2id$v=19$m=65536,t=3,p=4$!!!!$!!!!",
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        "pbkdf2_sha256$600000$salt$hash",
    ],
)
def test_verify_password_returns_false_on_garbage_hash(stored):
    assert verify_password(stored, GOOD_PASSPHRASE) is False


def test_verify_password_returns_false_on_truncated_or_tampered_hash(real_hash):
    assert verify_password(real_hash[:-4], GOOD_PASSPHRASE) is False
    assert verify_password(real_hash.replace("argon2id", "argon2i"), GOOD_PASSPHRASE) is False
    huge = real_hash.replace("m=65536", "m=99999999")
    assert verify_password(huge, GOOD_PASSPHRASE) is False


@pytest.mark.parametrize("password", [None, 42, b"bytes", "\ud800 lone surrogate"])
def test_verify_password_returns_false_on_garbage_password(real_hash, password):
    assert verify_password(real_hash, password) is False


def test_dummy_verify_returns_none_and_never_raises():
    assert dummy_verify(GOOD_PASSPHRASE) is None
    assert dummy_verify("") is None
    assert dummy_verify(None) is None
    assert dummy_verify("\ud800") is None


def test_dummy_verify_costs_about_as_much_as_a_real_verify(real_hash):
    def timed(fn):
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    real = timed(lambda: verify_password(real_hash, "wrong password here"))
    dummy = timed(lambda: dummy_verify("wrong password here"))
    malformed = timed(lambda: verify_password("garbage", "wrong password here"))
    assert 0.33 < dummy / real < 3
    assert 0.33 < malformed / real < 3
