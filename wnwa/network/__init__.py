"""The network staff console: calls other capabilities' services."""


def blueprints():
    from wnwa.network.views import bp, onboarding
    from wnwa.site.navigation import NavItem, register_nav

    register_nav("network_admin", NavItem("Onboard a department", "onboarding.create"))
    return [bp, onboarding]
