"""Cross-department directory of peer supporters: profiles, availability and search."""

from __future__ import annotations

# SQLite's FTS5 virtual tables (and their shadow tables) are made by migration 0201 and have no
# model; migrations/env.py tells autogenerate and `flask db check` not to take them for tables
# to drop.
FTS_TABLE_PREFIXES = ("directory_fts", "directory_now_fts", "directory_names")


def blueprints():
    from wnwa.directory.readmodel import install_sync_listeners
    from wnwa.directory.views import bp, manage_bp
    from wnwa.site.navigation import NavItem, register_nav

    install_sync_listeners()
    register_nav("officer", NavItem("Peer supporters", "directory.search"))
    register_nav("chief", NavItem("Certified supporters", "directory_manage.certifications"))
    return [bp, manage_bp]
