"""Cross-department directory of peer supporters: profiles, availability and search."""

from __future__ import annotations

# SQLite's FTS5 virtual tables, made by migration 0201, have no model. migrations/env.py keeps
# autogenerate and `flask db check` from taking them (or, by name prefix, their shadow tables)
# for tables to drop; the read model writes and rebuilds them.
FTS_TABLES = ("directory_fts", "directory_now_fts")


def blueprints():
    from wnwa.directory.readmodel import install_sync_listeners
    from wnwa.directory.views import bp
    from wnwa.site.navigation import NavItem, register_nav

    install_sync_listeners()
    register_nav("officer", NavItem("Peer supporters", "directory.search"))
    return [bp]
