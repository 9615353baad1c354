"""Mental-health professionals: the public application, vetting by consensus, the officers'
nationwide directory, and keeping listings true (re-confirmation, reports, staff upkeep).

Professionals are network-level data: no model here carries a department."""


def blueprints():
    from wnwa.network.console import register_card
    from wnwa.professionals.card import professionals_card
    from wnwa.professionals.views import admin_bp, bp, public_bp, staff_bp
    from wnwa.site.navigation import NavItem, register_nav

    register_nav("network_admin", NavItem("Professionals", "professionals_staff.overview"))
    register_nav("vetter", NavItem("Professionals", "professionals_staff.overview"))
    register_card(professionals_card, roles={"network_admin", "vetter"}, order=30)
    # The officers' "Professionals" tab appears by itself once professionals.search exists.
    return [public_bp, bp, staff_bp, admin_bp]


def cli_groups():
    from wnwa.professionals.cli import professionals_cli

    return [professionals_cli]


def due_jobs():
    from datetime import timedelta

    from wnwa.jobs import Job
    from wnwa.professionals.jobs import reconfirmation_job

    # Daily: the re-check email an officer's report leads to then places that report only
    # within a day, not within hours of the call it is about.
    return [Job("professionals-reconfirm", timedelta(days=1), reconfirmation_job)]
