"""A department's roster: people, imports, SCIM provisioning and the chief's roster pages.

Stands on the tenancy core (`wnwa.tenants`); the blueprint keeps its original name `tenants`,
so URLs and `url_for("tenants....")` are unchanged.
"""


def blueprints():
    from wnwa.roster.scim_routes import bp as scim_bp
    from wnwa.roster.views import bp
    from wnwa.site.navigation import NavItem, register_nav

    # The section's own pages (people, imports, SCIM, history) are in its sub-navigation.
    section = ("tenants.upload", "tenants.confirm", "tenants.person", "tenants.history")
    register_nav("chief", NavItem("Roster", "tenants.roster", also=(*section, "tenants.scim")))
    return [bp, scim_bp]


def cli_groups():
    from wnwa.roster.cli import roster_cli

    return [roster_cli]


def due_jobs():
    from datetime import timedelta

    from wnwa.jobs import Job
    from wnwa.roster.jobs import purge_staged_uploads

    return [Job("roster-purge-staged", timedelta(minutes=15), purge_staged_uploads)]
