"""My Space's address book through the pages: add (checked field by field), default, delete, and no one else's."""

from __future__ import annotations

import pytest

from tests.identity.test_space_fixtures import fixture_owner, fixture_stranger, signed_in  # noqa: F401
from yiwang.identity import space
from yiwang.identity.models import Address

pytestmark = pytest.mark.django_db

ADD = "/my/addresses/"
GOOD = {"recipient": "张三", "phone": "13800138000", "address": "浙江省杭州市西湖区文三路 100 号", "label": "家"}


def test_add_an_address_shown_masked_and_stored_encrypted(owner):
    client = signed_in(owner)
    response = client.post(ADD, GOOD)
    assert response.status_code == 302 and response["Location"].endswith("/my/#addresses")
    entry = Address.objects.get(person=owner)
    assert entry.is_default  # the first entry is the default
    assert entry.address == GOOD["address"] and entry.phone == "13800138000"
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT address, phone FROM identity_address WHERE id = %s", [entry.pk])
        raw = cur.fetchone()
    assert "文三路" not in raw[0] and "13800138000" not in raw[1]
    html = client.get("/my/").content.decode()
    assert 'id="addresses"' in html and "收货地址" in html
    assert "浙江省杭州市****" in html and "138****8000" in html
    assert "文三路" not in html and "13800138000" not in html


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"recipient": " "}, "recipient", "请填写收件人姓名"),
        ({"phone": "12345"}, "phone", "11 位手机号"),
        ({"address": "杭州"}, "address", "请填写完整地址"),
        ({"label": "x" * 21}, "label", "标签超过 20 个字符"),
    ],
)
def test_a_wrong_field_is_marked_and_nothing_is_stored(owner, change, field, words):
    response = signed_in(owner).post(ADD, {**GOOD, **change})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="address-{field}-error"' in html and words in html
    assert 'value="家"' in html or field == "label"  # what was typed stays
    assert not Address.objects.exists()


def test_a_landline_with_its_area_code_is_accepted(owner):
    assert signed_in(owner).post(ADD, {**GOOD, "phone": "0571-87654321"}).status_code == 302


def test_default_moves_and_deleting_the_default_promotes_another(owner):
    client = signed_in(owner)
    client.post(ADD, GOOD)
    client.post(ADD, {**GOOD, "label": "单位", "address": "浙江省杭州市滨江区网商路 699 号", "is_default": "on"})
    home, office = Address.objects.get(label="家"), Address.objects.get(label="单位")
    assert office.is_default and not Address.objects.get(pk=home.pk).is_default
    assert client.post(f"/my/addresses/{home.pk}/default/").status_code == 302
    assert Address.objects.get(pk=home.pk).is_default and not Address.objects.get(pk=office.pk).is_default
    assert client.post(f"/my/addresses/{home.pk}/delete/").status_code == 302
    assert list(Address.objects.values_list("label", "is_default")) == [("单位", True)]


def test_someone_elses_address_is_not_found(owner, stranger):
    entry = space.add_address(owner, recipient="张三", phone="13800138000", address="浙江省杭州市西湖区文三路 1 号")
    other = signed_in(stranger)
    assert other.post(f"/my/addresses/{entry.pk}/delete/").status_code == 404
    assert other.post(f"/my/addresses/{entry.pk}/default/").status_code == 404
    assert Address.objects.filter(pk=entry.pk).exists()
    assert "文三路" not in other.get("/my/").content.decode()


def test_the_book_is_limited_and_get_is_refused(owner):
    for i in range(space.MAX_ADDRESSES):
        space.add_address(owner, recipient="张三", phone="13800138000", address=f"浙江省杭州市西湖区文三路 {i} 号")
    client = signed_in(owner)
    response = client.post(ADD, GOOD)
    assert response.status_code == 400 and "收货地址已满" in response.content.decode()
    assert Address.objects.count() == space.MAX_ADDRESSES
    assert client.get(ADD).status_code == 405


def test_next_returns_to_the_application_form_but_never_elsewhere(owner):
    client = signed_in(owner)
    assert client.post(ADD, {**GOOD, "next": "/apply/X/#delivery"})["Location"] == "/apply/X/#delivery"
    assert client.post(ADD, {**GOOD, "next": "//evil.example/"})["Location"].endswith("/my/#addresses")
