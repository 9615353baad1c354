"""The billing fixtures (a fake gateway and its clock) for the fault tests."""

from tests.billing.conftest import clock, fake  # noqa: F401 - fixtures
