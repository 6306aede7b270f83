"""The friendly error pages: Chinese by default, English on request, never Django's technical pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import bad_request, permission_denied, server_error

pytestmark = pytest.mark.django_db


def test_404_is_friendly_and_chinese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert "找不到您要访问的页面" in html
    assert 'role="search"' in html and 'name="q"' in html
    assert "返回首页" in html


def test_404_in_english_when_chosen(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We cannot find this page" in response.content.decode()


def test_500_needs_no_request_context_and_is_chinese():
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "抱歉，系统出现了问题" in html
    assert "12345" in html
    assert "/static/" not in html, "the 500 page must not depend on static files"


def test_403_asks_an_anonymous_visitor_to_sign_in():
    request = RequestFactory().get("/workbench/")
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        response = permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert "您没有权限打开此页面" in html and "请先登录" in html
    assert "/accounts/sign-in/?next=/workbench/" in html


def test_400_page():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        response = bad_request(request, SuspiciousOperation())
    assert response.status_code == 400
    assert "无法处理此请求" in response.content.decode()


def test_csrf_failure_explains_the_expired_form():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en"})
    assert response.status_code == 403
    assert "此表单已过期" in response.content.decode()


def test_language_switch_sets_english_for_later_pages(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/no-such-page/"})
    assert response.status_code == 302
    assert "We cannot find this page" in client.get("/no-such-page/").content.decode()
