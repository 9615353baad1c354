"""Wellness resources and news: officers read them, network admins write them."""


def blueprints():
    from wnwa.network.console import register_card
    from wnwa.resources.card import library_card
    from wnwa.resources.views import admin, bp
    from wnwa.site.navigation import NavItem, register_nav

    register_nav("officer", NavItem("Resources", "resources.index"))
    register_nav("officer", NavItem("News", "resources.news"))
    register_nav("network_admin", NavItem("Resources and news", "resources_admin.manage"))

    register_card(library_card, roles={"network_admin"}, order=50)
    return [bp, admin]
