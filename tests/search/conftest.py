import pytest

from .factories import small_city


@pytest.fixture
def city(db):
    """The small city catalog, indexed through the publish signals."""
    return small_city()
