"""Departments (the tenants), their people, rosters, SCIM provisioning and tenant scoping."""


def blueprints():
    from wnwa.site.navigation import NavItem, register_nav
    from wnwa.tenants.scim_routes import bp as scim_bp
    from wnwa.tenants.views import bp

    register_nav("chief", NavItem("Roster", "tenants.roster"))
    return [bp, scim_bp]


def cli_groups():
    from wnwa.tenants.cli import roster_cli

    return [roster_cli]


def due_jobs():
    from datetime import timedelta

    from wnwa.jobs import Job
    from wnwa.tenants.jobs import purge_staged_uploads

    return [Job("roster-purge-staged", timedelta(minutes=15), purge_staged_uploads)]
