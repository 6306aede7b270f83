"""Pages are Chinese unless the person chose English in the switcher."""

import pytest

pytestmark = pytest.mark.django_db


def test_english_browser_still_gets_chinese(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert 'lang="zh-CN"' in response.content.decode()


def test_language_switcher_choice_is_kept(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response["Content-Language"] == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert client.get("/")["Content-Language"] == "zh-hans"


def test_unknown_cookie_value_falls_back_to_chinese(client):
    client.cookies["django_language"] = "fr"
    assert client.get("/")["Content-Language"] == "zh-hans"
