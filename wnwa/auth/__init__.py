"""Sign-in, activation, two-step sign-in. Holds no tenant data of its own."""


def blueprints():
    from wnwa.auth.views import bp

    return [bp]
