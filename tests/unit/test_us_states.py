"""State time zones: stored moments are UTC; people read them in their own time."""

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from wnwa.us_states import STATE_NAMES, STATE_TIMEZONES, day_words, local_time, network_day

WINTER = datetime(2026, 12, 7, 15, 5, tzinfo=UTC)
SUMMER = datetime(2026, 7, 4, 23, 30, tzinfo=UTC)


def test_every_state_and_territory_has_a_time_zone():
    assert set(STATE_TIMEZONES) == set(STATE_NAMES)


def test_a_moment_reads_in_the_state_s_time_with_its_zone():
    assert local_time(WINTER, "IL") == "Dec 7, 2026, 9:05 AM CST"
    assert local_time(WINTER, "NY") == "Dec 7, 2026, 10:05 AM EST"
    assert local_time(WINTER, "CA") == "Dec 7, 2026, 7:05 AM PST"
    assert local_time(SUMMER, "AZ") == "Jul 4, 2026, 4:30 PM MST"  # Arizona keeps standard time
    assert local_time(SUMMER, "CO") == "Jul 4, 2026, 5:30 PM MDT"
    assert local_time(SUMMER, "TX") == "Jul 4, 2026, 6:30 PM CDT"
    assert local_time(WINTER, "HI") == "Dec 7, 2026, 5:05 AM HST"
    assert local_time(WINTER, "KY") == "Dec 7, 2026, 10:05 AM EST"  # Louisville, Lexington


def test_without_a_known_state_the_network_s_own_chicago_time_is_used():
    assert local_time(WINTER) == local_time(WINTER, "XX") == "Dec 7, 2026, 9:05 AM CST"
    assert local_time(None) == ""


def test_a_day_reads_in_words_and_a_moment_s_day_is_the_local_one():
    assert day_words(date(2025, 10, 27)) == day_words("2025-10-27") == "Oct 27, 2025"
    late_in_chicago = datetime(2026, 12, 8, 3, 30, tzinfo=UTC)  # Dec 7, 9:30 PM CST
    assert day_words(late_in_chicago) == "Dec 7, 2026"
    assert day_words(late_in_chicago, "CA") == "Dec 7, 2026"
    assert day_words(datetime(2026, 12, 8, 5, 30, tzinfo=UTC), "NY") == "Dec 8, 2026"
    assert day_words(None) == "" and day_words("not a day") == "not a day"


def test_the_network_s_day_is_chicago_s_whatever_zone_the_server_runs_in(monkeypatch):
    late_in_chicago = datetime(2026, 12, 8, 3, 30, tzinfo=UTC)  # Dec 7, 9:30 PM CST
    assert network_day(late_in_chicago) == date(2026, 12, 7)
    assert network_day(late_in_chicago.replace(tzinfo=None)) == date(2026, 12, 7)  # naive: UTC
    assert network_day(datetime(2026, 7, 5, 4, 59, tzinfo=UTC)) == date(2026, 7, 4)  # CDT
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert network_day() == datetime.now(ZoneInfo("America/Chicago")).date()
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_county_is_kept_without_its_word_and_shown_with_its_states_word():
    from wnwa.tenants.services import check_department
    from wnwa.us_states import county_label, county_name

    assert county_name(" Cook County ") == county_name("Cook") == "Cook"
    assert county_name("Orleans Parish") == "Orleans" and county_name("Juneau borough") == "Juneau"
    assert county_name("Parish") == "Parish"  # a name that is only the word stays a name
    assert county_label("Cook", "IL") == "Cook County, IL"
    assert county_label("Orleans", "LA") == "Orleans Parish, LA"
    assert county_label("Juneau", "AK") == "Juneau Borough, AK"
    facts = check_department(name="Metairie PD", county="Jefferson Parish", state="la", sworn=9)
    assert (facts.county, facts.state) == ("Jefferson", "LA")
