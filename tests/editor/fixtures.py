"""Fixtures shared by the editor and API tests: two organisations, their catalog admins, and others."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import OrganisationFactory, UserFactory, staff
from yiwang.orgs.models import Membership, Organisation, Role


@pytest.fixture
def org_a() -> Organisation:
    return OrganisationFactory(name="蚌埠市市场监督管理局", address="蚌埠市东海大道", phone="0552-1111111")


@pytest.fixture
def org_b() -> Organisation:
    return OrganisationFactory(name="蚌埠市公安局")


@pytest.fixture
def admin_a(org_a):
    return staff(org_a, Role.CATALOG_ADMIN, username="admin_a")


@pytest.fixture
def admin_b(org_b):
    return staff(org_b, Role.CATALOG_ADMIN, username="admin_b")


@pytest.fixture
def clerk(org_a):
    """Staff of org A without the catalog role."""
    return staff(org_a, Role.WINDOW_CLERK, username="clerk")


@pytest.fixture
def sysadmin(org_b):
    user = UserFactory(is_staff=True, username="sysadmin")
    Membership.objects.create(user=user, organisation=org_b, role=Role.SYSADMIN)
    return user


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True, username="root")


def client_for(user: Any | None, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    if user is not None:
        # UserFactory sets the password after saving and skips the second save; store it, or the
        # session's password hash would not match the database and the session would end at once.
        user.save(update_fields=["password"])
        client.force_login(user)
    return client
