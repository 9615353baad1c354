"""The network staff console: calls other capabilities' services."""


def blueprints():
    from wnwa.network import cards
    from wnwa.network.request_views import bp as requests_bp
    from wnwa.network.views import bp, onboarding
    from wnwa.site.navigation import NavItem, register_nav

    register_nav("network_admin", NavItem("Onboard a department", "onboarding.create"))
    register_nav("network_admin", NavItem("Requests", "network_requests.queue"))
    cards.register()
    return [bp, onboarding, requests_bp]
