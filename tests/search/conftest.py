import pytest

from .factories import small_city


@pytest.fixture
def city(db, django_capture_on_commit_callbacks):
    """The small city catalog, indexed through the publish signals (run as if committed)."""
    with django_capture_on_commit_callbacks(execute=True):
        return small_city()
