"""Fixtures shared by the My Space tests (no tests here): people, an enterprise, agents and small files."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import enterprise, person
from yiwang.identity import services
from yiwang.identity.models import AgentPermission

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def signed_in(p) -> Client:
    client = Client()
    client.force_login(p.user)
    return client


def make_agent(ent, p, permissions, *, by=None, valid_until=None):
    return services.grant_agent(
        enterprise=ent,
        person=p,
        permissions=list(permissions),
        granted_by=by or ent.legal_rep.user,
        valid_until=valid_until,
    )


@pytest.fixture(name="owner")
def fixture_owner(db):
    return person("张三丰", address="安徽省蚌埠市龙子湖区东海大道100号", email="zhang@example.cn")


@pytest.fixture(name="stranger")
def fixture_stranger(db):
    return person("赵六")


@pytest.fixture(name="rep")
def fixture_rep(db):
    return person("李四")


@pytest.fixture(name="company")
def fixture_company(rep):
    return enterprise("蚌埠淮河食品有限公司", legal_rep=rep, address="蚌埠市龙子湖区", phone="05521234567")


@pytest.fixture(name="clerk_agent")
def fixture_clerk_agent(company):
    """An agent allowed to apply and handle materials, but not to manage agents."""
    p = person("王五")
    make_agent(company, p, [AgentPermission.APPLY, AgentPermission.MATERIALS])
    return p


@pytest.fixture(name="viewer_agent")
def fixture_viewer_agent(company):
    """An agent who may only see cases: no materials, no agents."""
    p = person("孙七")
    make_agent(company, p, [AgentPermission.VIEW_CASES])
    return p
