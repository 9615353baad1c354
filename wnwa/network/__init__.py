"""The network staff console: calls other capabilities' services."""


def blueprints():
    from wnwa.network.views import bp

    return [bp]
