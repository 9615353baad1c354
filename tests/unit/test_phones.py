"""Phone numbers: one way to store them and one way to show them, for every page."""

from wnwa import phones


def test_numbers_are_stored_as_e164():
    assert phones.to_e164("(312) 555-0142") == "+13125550142"
    assert phones.to_e164("312.555.0142") == "+13125550142"
    assert phones.to_e164("+44 20 7946 0958") == "+442079460958"
    for bad in ("", "555", "call me", "(312) 555-014", "+1 000 555 0142"):
        assert phones.to_e164(bad) is None, bad


def test_numbers_are_shown_as_people_dial_them():
    assert phones.display("+13125550142") == "(312) 555-0142"
    assert phones.display("+442079460958") == "+44 20 7946 0958"
    assert phones.display("not a number") == "not a number"


def test_showing_a_number_keeps_no_record_of_it():
    """No cache: which numbers a worker showed (so what officers were shown) is not kept."""
    assert not hasattr(phones.display, "cache_info")
