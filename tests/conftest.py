import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "src" / "yiwang" / "locale"


def pytest_configure(config: pytest.Config) -> None:
    """Compiles the translation catalogs when a .po is newer than its .mo (make does it too; this is for a bare
    `pytest` after a pull), so the Chinese pages under test are the committed ones."""
    if not shutil.which("msgfmt"):
        return
    for po in LOCALE.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)  # noqa: S603, S607


@pytest.fixture(autouse=True)
def _chinese_by_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: pages cache what they computed (the home page's popular items), and
    a value cached by one test must not show up in the next one's database."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()


# Host names the tests use for webhook receivers and other outbound calls, and the (public) addresses they resolve
# to. Tests never ask the real DNS: core.netguard resolves every receiver, and a name not listed here does not
# resolve. A test that needs another answer sets `fake_dns[name] = [addresses]`.
FAKE_DNS = {"example.gov.cn": ["1.2.3.4"], "dept.example.gov.cn": ["1.2.3.5"], "hooks.example.com": ["1.2.3.6"]}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    import ipaddress
    import socket

    from yiwang.core import netguard

    answers = {name: list(addresses) for name, addresses in FAKE_DNS.items()}

    def resolve(host: str, port: int) -> list:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in answers[host]]

    monkeypatch.setattr(netguard, "resolve", resolve)
    return answers
