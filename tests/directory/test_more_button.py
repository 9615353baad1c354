"""The "Show N more" button names a number only when the count behind it is exact."""

import pytest

from wnwa.directory.query import COUNT_CAP, PAGE_SIZE, SearchPage
from wnwa.directory.views import _pages


def _page(page: int, total: int | None, rows: int = PAGE_SIZE) -> SearchPage:
    return SearchPage(listings=[None] * rows, page=page, has_next=True, total=total)


@pytest.mark.parametrize(
    ("page", "total", "expected"),
    [
        (1, 60, 25),  # 35 left: a full page next
        (2, 60, 10),  # 10 left
        (1, COUNT_CAP, 25),
        (4, COUNT_CAP + 1, None),  # "more than 100": how many are left is not known
        (6, COUNT_CAP + 1, None),
        (1, None, None),  # not counted (similar names)
    ],
)
def test_the_more_button_counts_only_what_it_knows(app, page, total, expected):
    with app.test_request_context("/directory/?q=grief"):
        assert _pages(_page(page, total))["more_count"] == expected


def test_the_button_says_show_more_without_a_number(app):
    with app.test_request_context("/directory/?q=grief"):
        html = app.jinja_env.get_template("directory/_more_button.html").render(
            **_pages(_page(4, COUNT_CAP + 1)), result=_page(4, COUNT_CAP + 1)
        )
    assert "Show more" in html and "Show 25 more" not in html
