"""A database that is away for a moment (a restart, a failover) answers 503 with Retry-After — in the API's one error
shape under /api/, a standalone page elsewhere — never a 500 and never a hang."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from tests.factories import person
from yiwang.cases import policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_away(monkeypatch):
    def away(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    from yiwang.cases.views import track

    monkeypatch.setattr(policy, "visible_cases", away)
    monkeypatch.setattr(policy, "applicant_cases", away)
    monkeypatch.setattr(track, "subject_cases", away)


def test_the_api_answers_503_in_its_error_shape(database_away):
    client = Client(raise_request_exception=False)
    client.force_login(person("张三").user)
    r = client.get("/api/v1/cases/")
    assert r.status_code == 503 and r["Retry-After"] == "5"
    problem = r.json()["detail"][0]
    assert problem["code"] == "unavailable" and problem["message"] and problem["message_en"]


def test_a_page_answers_a_503_page(database_away):
    client = Client(raise_request_exception=False)
    client.force_login(person("张三").user)
    r = client.get("/my/cases/")
    assert r.status_code == 503 and r["Retry-After"] == "5"
    assert "503" in r.content.decode()


def test_other_errors_stay_500(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(policy, "applicant_cases", broken)
    client = Client(raise_request_exception=False)
    client.force_login(person("张三").user)
    assert client.get("/api/v1/cases/?mine=true").status_code == 500
