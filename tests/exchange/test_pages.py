"""The exchange workbench pages: the catalog for every staff member, a consumer's officer asks for access, the
provider's officer decides, statistics for officers; out of reach is 404; bad input gets field errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.exchange import world as xworld
from tests.factories import OrganisationFactory, person, staff
from yiwang.exchange import calllog, query
from yiwang.exchange.models import AccessRequest, DataResource, Grant
from yiwang.orgs.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(client):
    resource, service = xworld.hukou()
    consumer = OrganisationFactory(name="蚌埠市民政局")
    return {
        "resource": resource,
        "service": service,
        "consumer": consumer,
        "provider_officer": staff(resource.provider, Role.DATA_OFFICER),
        "consumer_officer": staff(consumer, Role.DATA_OFFICER),
        "clerk": staff(consumer, Role.WINDOW_CLERK),
    }


def test_catalog_for_staff_only_and_search(client, w):
    url = reverse("exchange:index")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(person("赵六").user)
    assert client.get(url).status_code == 403
    client.force_login(w["clerk"])
    html = client.get(url, {"q": "hjrk"}).content.decode()  # pinyin initials of 户籍人口
    assert "户籍人口基本信息" in html
    assert "户籍人口基本信息" not in client.get(url, {"q": "营业执照"}).content.decode()
    detail = client.get(reverse("exchange:resource", args=["HJ.RKXX"])).content.decode()
    assert "公民身份号码" in detail and "HJ.RKXX.BY-ID" in detail
    assert 'name="purpose"' not in detail  # a clerk does not ask for access
    DataResource.objects.filter(pk=w["resource"].pk).update(public=False)
    assert client.get(reverse("exchange:resource", args=["HJ.RKXX"])).status_code == 404
    assert client.get(reverse("exchange:statistics")).status_code == 403


def test_ask_then_decide_then_the_grant_answers(client, w):
    client.force_login(w["consumer_officer"])
    url = reverse("exchange:resource", args=["HJ.RKXX"])
    bad = client.post(url, {"consumer": w["consumer"].pk, "purpose": "x", "valid_until": "2000-01-01"})
    assert bad.status_code == 400 and not AccessRequest.objects.exists()
    html = bad.content.decode()
    assert html.count('class="field-error"') == 4
    until = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    ok = client.post(
        url,
        {
            "consumer": w["consumer"].pk,
            "fields": ["gmsfhm", "xm"],
            "purpose": "婚姻登记核验户籍",
            "legal_basis": "《婚姻登记条例》第五条",
            "valid_until": until,
        },
    )
    assert ok.status_code == 302
    req = AccessRequest.objects.get()
    assert req.status == "pending" and req.requested_by == w["consumer_officer"]
    # The consumer cannot decide its own request; another department's request is out of reach.
    assert client.post(reverse("exchange:decide", args=[req.pk]), {"decision": "approve"}).status_code == 404
    client.force_login(w["clerk"])
    assert client.post(reverse("exchange:decide", args=[req.pk]), {"decision": "approve"}).status_code == 404

    client.force_login(w["provider_officer"])
    page = client.get(url).content.decode()
    assert "婚姻登记核验户籍" in page and reverse("exchange:decide", args=[req.pk]) in page
    client.post(reverse("exchange:decide", args=[req.pk]), {"decision": "refuse"})  # no grounds: refused
    req.refresh_from_db()
    assert req.status == "pending"
    client.post(reverse("exchange:decide", args=[req.pk]), {"decision": "approve"})
    req.refresh_from_db()
    grant = Grant.objects.get()
    assert req.status == "approved" and grant.consumer == w["consumer"] and grant.fields == ["gmsfhm", "xm"]
    assert grant.masked == []  # the ID number is the key the consumer queries by

    zhang = person("张三")
    xworld.keep(w["resource"], zhang)
    answer = query.call(query.Consumer(w["consumer"]), w["service"], {"gmsfhm": zhang.doc_number}, purpose="核验")
    assert answer.records == [{"gmsfhm": zhang.doc_number, "xm": "张三"}]
    calllog.flush()
    stats = client.get(reverse("exchange:statistics")).content.decode()
    assert "户籍人口基本信息" in stats and "蚌埠市民政局" in stats
