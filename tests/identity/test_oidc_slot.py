"""The provincial identity platform as a slot: off by default, switched on by key or by the older client id."""

from __future__ import annotations

import pytest
from django.test import Client

from yiwang.identity import oidc

pytestmark = pytest.mark.django_db


def test_off_by_default_and_the_sign_in_pages_answer_404():
    assert oidc.PLATFORM.get().key == "off" and not oidc.enabled()
    assert Client().get("/oidc/authenticate/").status_code == 404
    assert "oidc_authentication_init" not in Client().get("/accounts/sign-in/").content.decode()


def test_the_older_switch_still_turns_it_on(settings):
    settings.OIDC_PROVIDER = ""
    settings.OIDC_ENABLED = True
    assert oidc.PLATFORM.active_class() is oidc.OpenIDConnectPlatform and oidc.enabled()


def test_the_key_turns_it_on_and_off_whatever_the_older_switch(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER = "off"
    assert not oidc.enabled()
    settings.OIDC_ENABLED = False
    settings.OIDC_PROVIDER = "oidc"
    assert oidc.enabled()


def test_missing_or_malformed_settings_are_reported_by_their_names(settings):
    settings.OIDC_PROVIDER = "oidc"
    settings.OIDC_RP_CLIENT_ID = ""
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "idp.example.gov.cn/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example.gov.cn/token"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://idp.example.gov.cn/jwks"
    settings.OIDC_TRUSTED_LEVEL = 5
    settings.OIDC_RP_SIGN_ALGO = "none"
    found = {m.msg.split(":")[0] for m in oidc.PLATFORM.check_messages() if m.id == "yiwang.E102"}
    assert found == {
        "OIDC_RP_CLIENT_ID",
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_TRUSTED_LEVEL",
        "OIDC_RP_SIGN_ALGO",
    }


def test_a_complete_configuration_only_warns_about_an_unchecked_issuer(settings):
    settings.OIDC_PROVIDER = "oidc"
    settings.OIDC_RP_CLIENT_ID = "yiwang-rp"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://idp.example.gov.cn/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example.gov.cn/token"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://idp.example.gov.cn/jwks"
    settings.OIDC_OP_ISSUER = ""
    assert [m.id for m in oidc.PLATFORM.check_messages()] == ["yiwang.W102"]
    settings.OIDC_OP_ISSUER = "https://idp.example.gov.cn"
    assert oidc.PLATFORM.check_messages() == []
    settings.OIDC_OP_DISPLAY_NAME = "皖事通"
    assert "皖事通" in Client().get("/accounts/sign-in/").content.decode()
