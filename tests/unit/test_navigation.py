"""The officer's sections appear when their pages exist; work links by role; the crisis strip."""

from types import SimpleNamespace

from flask import Flask

from wnwa.site.navigation import ROLE_NAV, NavItem, navigation_for, register_nav, tabs_for
from wnwa.site.services import NATIONAL_OFFICER_LINE, crisis_strip


def _app(*endpoints: str) -> Flask:
    app = Flask("navigation-test")
    for endpoint in endpoints:
        app.add_url_rule("/" + endpoint, endpoint=endpoint, view_func=lambda: "")
    return app


OFFICER = SimpleNamespace(is_authenticated=True, roles=frozenset({"officer"}))
CHIEF = SimpleNamespace(is_authenticated=True, roles=frozenset({"officer", "chief"}))
STAFF = SimpleNamespace(is_authenticated=True, roles=frozenset({"network_admin"}))


def test_a_tab_shows_only_once_its_endpoint_exists():
    app = _app("directory.search", "site.crisis", "site.me")
    with app.test_request_context("/"):
        assert [t.label for t in tabs_for(OFFICER)] == ["Search", "Crisis", "Me"]
    app = _app(
        "directory.search", "professionals.search", "resources.index", "site.crisis", "site.me"
    )
    with app.test_request_context("/"):
        tabs = tabs_for(OFFICER)
        assert [t.label for t in tabs] == ["Search", "Professionals", "Resources", "Crisis", "Me"]
        assert [t.url for t in tabs][1:3] == ["/professionals.search", "/resources.index"]
        assert tabs_for(STAFF) == []  # staff accounts have no officer sections
        assert tabs_for(SimpleNamespace(is_authenticated=False)) == []


def test_the_current_section_is_marked():
    app = _app("directory.search", "directory.profile", "site.crisis", "site.me")
    with app.test_request_context("/directory.profile"):
        assert [t.label for t in tabs_for(OFFICER) if t.current] == ["Search"]


def test_work_links_are_by_role_and_skip_missing_pages():
    app = _app("tenants.dashboard", "network.overview")
    missing = NavItem("Nowhere yet", "not.built")
    register_nav("chief", missing)
    try:
        with app.test_request_context("/"):
            assert [i.label for i in navigation_for(CHIEF)] == ["Department"]
            assert [i.label for i in navigation_for(OFFICER)] == []
            assert [i.label for i in navigation_for(STAFF)] == ["Network"]
    finally:
        ROLE_NAV["chief"].remove(missing)


def test_crisis_strip_offers_988_by_call_and_text_and_a_first_responder_line():
    il = crisis_strip("IL")
    assert [(line.short, line.href) for line in il[:2]] == [
        ("Call 988", "tel:988"),
        ("Text 988", "sms:988"),
    ]
    assert il[2] == NATIONAL_OFFICER_LINE  # no state line listed: the national officers' line
    assert crisis_strip("NJ")[2].href == "tel:+18662672267"  # New Jersey's Cop 2 Cop
    assert crisis_strip(None)[2] == NATIONAL_OFFICER_LINE


def test_a_page_under_an_entry_marks_the_entry_with_the_longest_address():
    app = Flask("navigation-test")
    for rule, endpoint in (
        ("/network/", "network.overview"),
        ("/network/training/", "training_admin.classes"),
        ("/network/training/<int:n>", "training_admin.detail"),
    ):
        app.add_url_rule(rule, endpoint=endpoint, view_func=lambda **_: "")
    extra = NavItem("Training", "training_admin.classes")
    register_nav("network_admin", extra)
    try:
        with app.test_request_context("/network/training/2"):
            assert [i.label for i in navigation_for(STAFF) if i.current] == ["Training"]
        with app.test_request_context("/network/"):
            assert [i.label for i in navigation_for(STAFF) if i.current] == ["Network"]
    finally:
        ROLE_NAV["network_admin"].remove(extra)
