"""Walk every route of the app with placeholder arguments."""

from __future__ import annotations

from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

PLACEHOLDERS = {
    "integer": 987654,
    "float": 9876.5,
    "unicode": "placeholder",
    "path": "placeholder",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "default": "placeholder",
}


@dataclass(frozen=True)
class Route:
    rule: Rule
    url: str
    public: bool
    roles: frozenset[str] | None  # None: any signed-in account

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint


def all_routes(app: Flask) -> list[Route]:
    from wnwa.auth.guards import is_public_endpoint

    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        args = {}
        for name, converter in rule._converters.items():
            kind = type(converter).__name__.lower().replace("converter", "")
            if isinstance(converter, IntegerConverter):  # the app's own StoredId too
                kind = "integer"
            if kind == "any":
                args[name] = sorted(converter.items)[0]
            else:
                args[name] = PLACEHOLDERS.get(kind, PLACEHOLDERS["default"])
        url = rule.build(args, append_unknown=False)[1]
        blueprint = app.blueprints.get(rule.endpoint.rsplit(".", 1)[0])
        routes.append(
            Route(
                rule=rule,
                url=url,
                public=is_public_endpoint(app, rule.endpoint),
                roles=getattr(blueprint, "wnwa_roles", None),
            )
        )
    return routes


class _LinkParser(HTMLParser):
    """Collects the URLs a page links to: `href` and `hx-get`."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in ("href", "hx-get"):
                self.urls.append(value)


def same_path_links(html: str, path: str) -> list[str]:
    """The distinct query strings of links on `html` that lead back to `path` (filters, tabs,
    paging), as URLs to request: a page must answer every variant its own links offer."""
    parser = _LinkParser()
    parser.feed(html)
    found: list[str] = []
    for url in parser.urls:
        parts = urlsplit(unescape(url))
        if parts.scheme or parts.netloc or not parts.query:
            continue
        if (parts.path or path) != path:
            continue
        link = f"{path}?{parts.query}"
        if link not in found:
            found.append(link)
    return found
