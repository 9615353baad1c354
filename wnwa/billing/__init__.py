"""Membership billing: tiers, contracts, the Stripe gateway, webhooks, invoices mirror."""


def blueprints():
    from wnwa.billing import department_views, network_views, public_views
    from wnwa.site.navigation import NavItem, register_nav

    register_nav("department_finance", NavItem("Billing", "billing.overview"))
    register_nav("chief", NavItem("Billing", "billing.overview"))
    register_nav("network_finance", NavItem("Billing", "billing_network.overview"))
    return [
        public_views.bp,
        public_views.webhook_bp,
        department_views.bp,
        network_views.bp,
    ]


def cli_groups():
    from wnwa.billing.cli import billing_cli

    return [billing_cli]


def due_jobs():
    from datetime import timedelta

    from wnwa.billing.jobs import reconcile, renewals
    from wnwa.jobs import Job

    return [
        Job("billing-reconcile", timedelta(minutes=15), reconcile),
        Job("billing-renewals", timedelta(hours=6), renewals),
    ]
