"""Public pages: landing, crisis lines, "What we store"."""


def blueprints():
    from wnwa.site.views import bp

    return [bp]
