"""Officers find resources by search and category; only published items whose date has come
are shown; network admins write them in Markdown, rendered safely."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import sign_in
from tests.resources.conftest import TODAY, add_resource
from wnwa.extensions import db
from wnwa.resources.markdown import render
from wnwa.resources.models import NewsPost, Resource


def _text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


@pytest.fixture
def officer(make, login):
    account = make.officer(make.department())
    login(account)
    return account


def test_officer_finds_a_resource_by_search(client, officer, library):
    text = _text(client.get("/resources/?q=sleep"))
    assert "1 resource for “sleep”" in text and "Sleeping after nights" in text
    assert "Money stress" not in text
    text = _text(client.get("/resources/?q=BUDGET"))  # the body counts, any case
    assert "Money stress first steps" in text


def _results(response) -> str:
    """The results region only (the layout's crisis strip names national lines too)."""
    text = _text(response)
    return text[text.index('<section id="results"') : text.index("</section>")]


def test_officer_finds_a_resource_by_category_and_kind(client, officer, library):
    text = _results(client.get("/resources/?category=sleep"))
    assert "Sleeping after nights" in text and "Copline" not in text
    text = _results(client.get("/resources/?kind=national_service"))
    assert "Copline" in text and 'href="tel:1-800-267-5463"' in text


def test_drafts_and_scheduled_items_stay_hidden(client, officer, library):
    text = _text(client.get("/resources/?q=guide"))
    assert "Unfinished guide" not in text and "Next month guide" not in text
    assert client.get("/resources/unfinished-guide").status_code == 404
    assert client.get("/resources/next-month-guide").status_code == 404
    assert client.get("/resources/sleeping-after-nights").status_code == 200
    news = _text(client.get("/news/"))
    assert "Class registration open" in news and "Draft news" not in news
    assert client.get("/news/draft-news").status_code == 404
    assert client.get("/news/class-registration-open").status_code == 200


def test_live_search_returns_the_results_partial(client, officer, library):
    response = client.get("/resources/?q=copline", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.startswith('<section id="results"') and "Copline" in html
    assert "<html" not in html


def test_search_input_is_bounded_and_wildcards_are_literal(client, officer, library):
    assert "0 resources" in _text(client.get("/resources/?q=%25"))
    assert client.get("/resources/?q=" + "x" * 5000 + "&page=abc").status_code == 200


def test_news_links_the_social_channel(client, officer, library, app):
    assert app.config["NEWS_SOCIAL_URL"] in client.get("/news/").get_data(as_text=True)


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="https://ok.example" onclick="alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![pixel](https://tracker.example/p.gif)",
        "<iframe src=https://evil.example></iframe>",
        "[x](vbscript:msgbox(1))",
    ],
)
def test_markdown_sanitising_strips_everything_active(dangerous):
    """What survives is inert: no active tag, no event handler, no script or data link (text
    that merely reads like HTML is shown escaped)."""
    tags = _tags(str(render(dangerous)))
    for tag, attrs in tags:
        assert tag not in {"script", "img", "iframe", "object", "embed", "style"}, tags
        for name, value in attrs:
            assert not name.startswith("on"), tags
            if name in ("href", "src"):
                assert (
                    not (value or "")
                    .strip()
                    .lower()
                    .startswith(("javascript:", "data:", "vbscript:"))
                ), tags


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def test_markdown_keeps_plain_formatting_and_safe_links():
    html = str(
        render("## Help\n\n**Call** [988](tel:988) or see [the site](https://988lifeline.org)")
    )
    assert "<h2>Help</h2>" in html and "<strong>Call</strong>" in html
    assert 'href="tel:988"' in html and 'href="https://988lifeline.org"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_a_stored_script_never_reaches_an_officers_page(client, officer):
    add_resource("Tricky", body="<script>alert(1)</script>[x](javascript:alert(1))")
    html = client.get("/resources/tricky").get_data(as_text=True)
    assert "<script>alert" not in html and 'href="javascript:' not in html


# --- network admins -------------------------------------------------------------------------

RESOURCE = {
    "title": "Grief after a line-of-duty death",
    "kind": "article",
    "category": "grief",
    "summary": "For partners and squads.",
    "url": "",
    "phone": "",
    "body": "## First days\n\nLean on your **team**.",
    "state": "published",
    "publish_on": TODAY.isoformat(),
}


@pytest.fixture
def admin(make, login):
    account = make.staff("network_admin")
    login(account)
    return account


def test_admin_writes_and_publishes_a_resource(client, admin, make, login):
    response = client.post("/network/resources/new", data={**RESOURCE, "state": "draft"})
    assert response.status_code == 303
    item = db.session.scalars(select(Resource)).one()
    assert item.state == "draft" and item.slug == "grief-after-a-line-of-duty-death"
    response = client.post(f"/network/resources/{item.id}/edit", data=RESOURCE)
    assert response.status_code == 303
    client.post("/logout")
    login(make.officer(make.department()))
    html = client.get("/resources/grief-after-a-line-of-duty-death").get_data(as_text=True)
    assert "<h2>First days</h2>" in html and "<strong>team</strong>" in html


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": ""}, "Give it a title."),
        ({"url": "javascript:alert(1)"}, "must be a web address"),
        ({"kind": "national_service", "url": "", "phone": ""}, "needs a phone number"),
        ({"category": "astrology"}, "Not a valid choice"),
        ({"publish_on": "next tuesday"}, "Not a valid date"),
        ({"url": "", "body": ""}, "Give a link, or write the text"),
        ({"body": "a" * 50_001}, "Field cannot be longer than 50000 characters."),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(client, admin, change, message):
    response = client.post("/network/resources/new", data={**RESOURCE, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Resource)).all() == []


def test_admin_writes_news_with_a_publish_date(client, admin):
    data = {
        "title": "Class dates for spring",
        "summary": "",
        "body": "Three classes are *scheduled*.",
        "state": "published",
        "publish_on": (TODAY + timedelta(days=1)).isoformat(),
    }
    assert client.post("/network/news/new", data=data).status_code == 303
    post = db.session.scalars(select(NewsPost)).one()
    assert post.publish_on > TODAY
    empty = client.post(f"/network/news/{post.id}/edit", data={**data, "body": ""})
    assert empty.status_code == 422 and "Write the post." in empty.get_data(as_text=True)
    manage = _text(client.get("/network/resources/"))
    assert "Class dates for spring" in manage and "Scheduled" in manage


def test_console_card_counts_the_library(client, admin, library):
    text = _text(client.get("/network/"))
    assert "Resources and news" in text
    assert 'Published resources</a>: <span class="badge">3</span>' in text
    assert 'Resource drafts</a>: <span class="badge waiting">1</span>' in text


@pytest.mark.parametrize("who", ["officer", "chief", "network_finance", "vetter"])
def test_only_network_admins_write(client, login, make, who, library):
    if who in ("network_finance", "vetter"):
        login(make.staff(who))
    else:
        login(make.officer(make.department(), chief=who == "chief"))
    item = db.session.scalars(select(Resource)).first()
    post = db.session.scalars(select(NewsPost)).first()
    for url in (
        "/network/resources/",
        "/network/resources/new",
        f"/network/resources/{item.id}/edit",
        "/network/news/new",
        f"/network/news/{post.id}/edit",
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, data=RESOURCE).status_code in (403, 405), url


def test_network_admins_read_the_library_they_publish(client, admin, library):
    """The news editor's preview links into the library: its editors can follow them."""
    for url in ("/resources/", "/resources/?category=sleep", "/news/"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Sleeping after nights" in _text(client.get("/resources/?category=sleep"))


@pytest.mark.parametrize("who", ["network_finance", "vetter"])
def test_reading_is_for_officers_and_network_admins(client, login, make, who, library):
    login(make.staff(who))
    assert client.get("/resources/").status_code == 403
    assert client.get("/news/").status_code == 403


def test_unknown_ids_are_404_for_admins(client, admin):
    assert client.get("/network/resources/987654/edit").status_code == 404
    assert client.get("/network/news/987654/edit").status_code == 404


NEWS = {
    "title": "Class dates for spring",
    "summary": "",
    "body": "Three classes are scheduled.",
    "state": "published",
    "publish_on": TODAY.isoformat(),
}


def test_renaming_keeps_the_address_it_was_created_with(client, admin):
    """The slug is made once, when the item is created: a bookmark or a shared link to a
    published item keeps working when an admin corrects its title."""
    assert client.post("/network/resources/new", data=RESOURCE).status_code == 303
    assert client.post("/network/news/new", data=NEWS).status_code == 303
    item = db.session.scalars(select(Resource)).one()
    post = db.session.scalars(select(NewsPost)).one()
    renamed = {"title": "Grief: the first weeks"}
    edited = client.post(f"/network/resources/{item.id}/edit", data={**RESOURCE, **renamed})
    assert edited.status_code == 303
    edited = client.post(f"/network/news/{post.id}/edit", data={**NEWS, **renamed})
    assert edited.status_code == 303
    db.session.expire_all()
    assert (item.title, item.slug) == ("Grief: the first weeks", "grief-after-a-line-of-duty-death")
    assert (post.title, post.slug) == ("Grief: the first weeks", "class-dates-for-spring")
    for url in ("/resources/grief-after-a-line-of-duty-death", "/news/class-dates-for-spring"):
        assert "Grief: the first weeks" in _text(client.get(url)), url
    # a new item with the same first title gets an address of its own
    assert client.post("/network/resources/new", data=RESOURCE).status_code == 303
    slugs = set(db.session.scalars(select(Resource.slug)))
    assert slugs == {"grief-after-a-line-of-duty-death", "grief-after-a-line-of-duty-death-2"}


@pytest.mark.parametrize(
    "url, data, change, message",
    [
        ("/network/resources/new", RESOURCE, {"title": "   "}, "Give it a title."),
        ("/network/news/new", NEWS, {"title": " \t "}, "Give it a title."),
        ("/network/news/new", NEWS, {"body": " \r\n "}, "Write the post."),
    ],
)
def test_a_title_or_text_of_spaces_only_is_refused_and_the_rest_kept(
    client, admin, url, data, change, message
):
    response = client.post(url, data={**data, **change})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    kept = data["body"] if "body" not in change else data["title"]
    assert kept in html
    assert db.session.scalars(select(Resource)).all() == []
    assert db.session.scalars(select(NewsPost)).all() == []


def _opened(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('name="opened" type="hidden" value="')[1].split('"')[0]


@pytest.mark.parametrize("kind, data", [("resources", RESOURCE), ("news", NEWS)])
def test_a_save_over_a_newer_version_is_refused_and_keeps_the_text(
    client, admin, make, app, kind, data
):
    """Two admins open the same item; the second to save is told, keeps what they typed, and
    replaces the first one's version only by saving again."""
    assert client.post(f"/network/{kind}/new", data=data).status_code == 303
    model = Resource if kind == "resources" else NewsPost
    item = db.session.scalars(select(model)).one()
    edit = f"/network/{kind}/{item.id}/edit"
    other = app.test_client()
    colleague = make.staff("network_admin")
    colleague.name = "Robin Okafor"
    db.session.commit()
    assert sign_in(other, colleague.email, make.PASSWORD, make.TOTP_SECRET).status_code == 303
    mine, theirs = _opened(client.get(edit)), _opened(other.get(edit))
    assert mine == theirs
    saved = other.post(edit, data={**data, "title": "Their title", "opened": theirs})
    assert saved.status_code == 303
    refused = client.post(edit, data={**data, "body": "My careful new text.", "opened": mine})
    assert refused.status_code == 409
    text = _text(refused)
    assert "Network staff: Robin Okafor saved this" in text and "My careful new text." in text
    db.session.expire_all()
    assert (item.title, item.body) == ("Their title", data["body"])
    again = client.post(
        edit, data={**data, "body": "My careful new text.", "opened": _opened(refused)}
    )
    assert again.status_code == 303
    db.session.expire_all()
    assert item.body == "My careful new text."
