"""Walk every route of the app with placeholder arguments."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from werkzeug.routing import Rule

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
