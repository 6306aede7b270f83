import datetime as dt

import pytest

from tests.factories import OrganisationFactory, UserFactory, staff
from yiwang.calendar import services, workdays
from yiwang.calendar.workdays import Calendar
from yiwang.orgs.models import Role


def package_calendar(years=(2025, 2026)) -> Calendar:
    """A Calendar built straight from the package, without the database (for property tests)."""
    data = services.package_days()
    holidays, works = {}, {}
    for y in years:
        for r in data[y]:
            (holidays if r.kind == "holiday" else works)[r.date] = r.name
    return Calendar(token="pkg", loaded_years=frozenset(years), holidays=holidays, workdays=works)


@pytest.fixture(autouse=True)
def _fresh_cache():
    workdays.forget()
    yield
    workdays.forget()


@pytest.fixture
def loaded(db):
    """2025 and 2026 loaded from the chinesecalendar package, as `load_holidays` does."""
    services.load_from_package([2025, 2026])


@pytest.fixture
def org(db):
    return OrganisationFactory()


@pytest.fixture
def cal_admin(org):
    return staff(org, Role.CATALOG_ADMIN)


@pytest.fixture
def clerk(org):
    return staff(org, Role.WINDOW_CLERK)


@pytest.fixture
def citizen(db):
    return UserFactory()


D = dt.date
