"""Departments (the tenants), their people, rosters and tenant scoping."""


def blueprints():
    from wnwa.tenants.views import bp

    return [bp]
