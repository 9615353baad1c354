"""Cross-department directory of peer supporters: profiles, availability and search."""

from __future__ import annotations

from wnwa.signals import listings_withdrawn


@listings_withdrawn.connect
def _unlist(_sender: object, *, user_ids: list[int]) -> int:
    """People who left the roster or lost their certification leave the directory at once."""
    from wnwa.directory.services import unlist_users

    return unlist_users(user_ids)


def blueprints():
    from wnwa.directory.readmodel import install_sync_listeners
    from wnwa.directory.views import bp
    from wnwa.site.navigation import NavItem, register_nav

    install_sync_listeners()
    register_nav("officer", NavItem("Peer supporters", "directory.search"))
    return [bp]
