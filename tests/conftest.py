import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests check logic, not speed: on a shared or loaded CI machine an example may take longer than
# hypothesis' default 200 ms deadline, which would fail a correct test at random.
hypothesis_settings.register_profile("yiwang", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("yiwang")

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

    from yiwang.core.counters import CounterCache

    for cache in caches.all(initialized_only=True):
        if not isinstance(cache, CounterCache):  # its rows live in the test's database, rolled back or flushed
            cache.clear()
