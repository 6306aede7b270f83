"""An item version's application form: saved through the write path, checked before publishing, shown by the API."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import OrganisationFactory, make_item
from yiwang.catalog import services
from yiwang.core.errors import ProblemsError

pytestmark = pytest.mark.django_db

FORM = [
    {"name": "shop_name", "label": "店铺名称", "type": "text", "required": True},
    {"name": "has_branch", "label": "是否有分店", "type": "checkbox"},
    {"name": "branch_address", "label": "分店地址", "type": "text", "show_if": {"has_branch": True}},
]


def test_the_form_is_saved_and_published_with_the_version():
    item = make_item(OrganisationFactory(), form_fields=FORM)
    assert item.current.form_fields == FORM
    body = Client().get(f"/api/v1/catalog/items/{item.item_code}").json()
    assert body["version"]["form_fields"][0]["name"] == "shop_name"


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ([{"name": "Shop", "label": "店铺", "type": "text"}], "form_fields.1.name"),
        ([{"name": "a", "label": "甲", "type": "colour"}], "form_fields.1.type"),
        ([{"name": "a", "label": "", "type": "text"}], "form_fields.1.label"),
        ([{"name": "a", "label": "甲", "type": "choice"}], "form_fields.1.choices"),
        ([{"name": "b", "label": "乙", "type": "text", "show_if": {"later": True}}], "form_fields.1.show_if"),
        ([{"name": "a", "label": "甲"}, {"name": "a", "label": "乙"}], "form_fields.2.name"),
    ],
)
def test_a_bad_form_cannot_be_published(bad, field):
    item = make_item(OrganisationFactory(), publish=False, form_fields=bad)
    with pytest.raises(ProblemsError) as exc:
        services.publish(item.versions.get())
    assert field in {p.field for p in exc.value.problems}
