"""Cross-department directory of peer supporters: profiles, availability and search."""

from __future__ import annotations

# SQLite's FTS5 virtual tables (and their shadow tables) are made by migration 0201 and have no
# model; autogenerate and `flask db check` must not take them for tables to drop.
FTS_TABLE_PREFIXES = ("directory_fts", "directory_now_fts", "directory_names")


def ignore_fts_tables(previous=None):
    def include_name(name, type_, parent_names) -> bool:
        if type_ == "table" and name and name.startswith(FTS_TABLE_PREFIXES):
            return False
        return previous(name, type_, parent_names) if previous else True

    include_name.wnwa_directory = True  # type: ignore[attr-defined]
    return include_name


def configure_migrations(state) -> None:
    """Blueprint setup hook: teach this app's Alembic settings to skip the FTS tables."""
    migrate = state.app.extensions.get("migrate")
    if migrate is None:
        return
    previous = migrate.configure_args.get("include_name")
    if not getattr(previous, "wnwa_directory", False):
        migrate.configure_args["include_name"] = ignore_fts_tables(previous)


def blueprints():
    from wnwa.directory.readmodel import install_sync_listeners
    from wnwa.directory.views import bp, manage_bp
    from wnwa.site.navigation import NavItem, register_nav

    install_sync_listeners()
    register_nav("officer", NavItem("Peer supporters", "directory.search"))
    register_nav("chief", NavItem("Certified supporters", "directory_manage.certifications"))
    return [bp, manage_bp]
