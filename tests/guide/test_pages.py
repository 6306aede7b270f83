"""The four guide renderings of a published item, through HTTP."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext

from tests.guide.helpers import rich_item
from tests.guide.pdftext import pdf_fonts, pdf_text
from yiwang.catalog import guides

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    return rich_item()


def test_desktop_guide_shows_every_standard_element(client, item):
    url = reverse("catalog:guide", args=[item.item_code])
    assert url == f"/items/{item.item_code}/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    version = item.current
    for text in [
        "食品经营许可证核发",  # name
        "开饭店办证",  # colloquial names
        "食品许可",
        item.catalog_code,
        item.item_code,
        "龙子湖区市场监督管理局",  # implementing body
        "安徽省蚌埠市龙子湖区",  # its division's full name
        "蚌埠市市场监督管理局",  # competent department
        "《中华人民共和国食品安全法》第三十五条",  # legal basis
        "具有与经营的食品品种",  # acceptance conditions
        "食品经营许可申请书",
        "申请人签字或盖章",  # material notes
        "营业执照",  # license type name from the licenses module
        "户籍人口信息",  # data resource name from the exchange module
        "委托他人办理的",  # condition of a conditional material
        "窗口收件并审查材料",  # step description
        "现场核查",
        "证书工本费",  # fees and their basis
        "每证 10 元",
        "皖价费〔2020〕8号",
        "蚌埠市政务服务中心二楼市场监管窗口",  # place
        "工作日 9:00-12:00, 13:30-17:00",  # hours
        "食品经营许可决定书",  # result name
        "餐饮经营",  # theme
        gettext("At most one visit"),
        str(version.get_item_type_display()),
        str(version.get_online_depth_display()),
        str(version.get_handling_kind_display()),
    ]:
        assert text in html, text
    assert 'href="tel:05521234567"' in html and 'href="tel:05527654321"' in html
    assert 'href="tel:12345"' in html
    # Promised 5 of statutory 20 working days: 15 shorter, 75% less.
    assert "75%" in html
    # Downloads: blank form, filled-in sample and the result sample.
    material = version.materials.order_by("order").first()
    assert material.blank_form.url in html and material.sample.url in html
    assert version.result_sample.url in html
    # QR, print, PDF and phone links; no apply button yet.
    for name in ["guide_qr", "guide_print", "guide_pdf", "guide_mobile"]:
        assert reverse(f"catalog:{name}", args=[item.item_code]) in html
    assert 'id="guide-title"' in html and html.count("<h1") == 1
    assert f"v{version.number}" in html


def test_material_table_has_headers_and_source_names(client, item):
    html = client.get(reverse("catalog:guide", args=[item.item_code])).content.decode()
    table = html[html.index('<table class="guide-materials">') :]
    table = table[: table.index("</table>")]
    assert table.count('scope="col"') == 7
    assert table.count('scope="row"') == 4
    assert gettext("E-license: %(name)s") % {"name": "营业执照"} in table
    assert gettext("Shared data: %(name)s") % {"name": "户籍人口信息"} in table


def test_free_item_says_so_and_zero_visits_badge(client):
    item = rich_item(fee_required=False, fees=[], visits_required=0, online_depth=4)
    html = client.get(reverse("catalog:guide", args=[item.item_code])).content.decode()
    assert gettext("Free of charge") in html
    assert gettext("Zero visits") in html
    assert "证书工本费" not in html


def test_phone_page_puts_key_facts_first_and_folds_sections(client, item):
    url = reverse("catalog:guide_mobile", args=[item.item_code])
    assert url == f"/m/items/{item.item_code}/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="viewport"' in html
    assert html.count("<details") >= 8 and html.count("<summary>") == html.count("<details")
    facts = html.index('class="guide-facts"')
    assert facts < html.index("食品经营许可申请书")
    assert facts < html.index(gettext("At most one visit")) < html.index("<details")
    assert 'href="tel:05521234567"' in html
    assert "证书工本费" in html and "户籍人口信息" in html


def test_print_view_has_no_navigation_and_embeds_the_qr_code(client, item):
    response = client.get(reverse("catalog:guide_print", args=[item.item_code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "site-header" not in html and "site-nav" not in html
    assert 'src="data:image/svg+xml' in html
    assert "食品经营许可证核发" in html and "户籍人口信息" in html
    assert guides.phone_url(item.item_code) in html


def test_pdf_is_a_real_pdf_with_chinese_text(client, item):
    response = client.get(reverse("catalog:guide_pdf", args=[item.item_code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF-")
    assert "WenQuanYi" in pdf_fonts(body)  # the font is embedded
    text = pdf_text(body)
    assert "食品经营许可证核发" in text
    assert "营业执照" in text and "蚌埠市政务服务中心二楼市场监管窗口" in text
    assert item.item_code in text
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; filename*=utf-8''")
    assert "%E9%A3%9F%E5%93%81" in disposition  # 食品, percent-encoded UTF-8


def test_pdf_filename_drops_characters_file_systems_refuse(item):
    version = item.current
    version.name = 'a/b:c*?"<>|d'
    assert guides.pdf_filename(version) == f"abcd-{gettext('service guide')}-v1.pdf"


def test_qr_code_leads_to_the_absolute_phone_page(client, item, settings):
    import segno

    settings.SITE_URL = "https://zwfw.example.gov.cn"
    expected = f"https://zwfw.example.gov.cn/m/items/{item.item_code}/"
    assert guides.phone_url(item.item_code) == expected
    response = client.get(reverse("catalog:guide_qr", args=[item.item_code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml")
    # The served symbol is exactly the symbol segno makes for the phone-page address.
    assert guides.qr_code(item.item_code).matrix == segno.make(expected, error="m").matrix
    assert re.search(rb'<path[^>]+d="', response.content)
    reference = segno.make(expected, error="m", micro=False)
    assert reference.matrix == guides.qr_code(item.item_code).matrix
    assert guides.qr_data_uri(item.item_code).startswith("data:image/svg+xml")


def test_english_pages_keep_the_data(client, item):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # chosen in the language switcher
    response = client.get(reverse("catalog:guide", args=[item.item_code]))
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert "食品经营许可证核发" in response.content.decode()


def test_guides_only_answer_get(client, item):
    assert client.post(reverse("catalog:guide", args=[item.item_code])).status_code == 405
