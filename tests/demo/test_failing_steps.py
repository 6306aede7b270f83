"""Every step of `make demo` exits non-zero with its message when it fails, so make stops there.

The steps run as the `yiwang` command line runs them (Django's command-line entry point: a CommandError becomes
exit status 1 and a message on standard error), against the test database.
"""

from __future__ import annotations

import pytest
from django.core.management import execute_from_command_line

from tests import factories
from yiwang.licenses.models import HolderKind, License, LicenseType

pytestmark = pytest.mark.django_db(transaction=True)  # the command line closes the connections when it ends


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """(exit status, standard error) of `yiwang <argv>`."""
    try:
        execute_from_command_line(["yiwang", *argv])
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    else:
        status = 0
    return status, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("seed_demo", "--items", "0"), "--items"),
        (("load_holidays",), "--year"),
        (("demo_accounts",), "seed_demo"),
        (("seed_licenses", "--if-empty"), "seed_demo"),
    ],
)
def test_a_step_that_cannot_run_exits_non_zero_with_its_message(capsys, argv, message):
    status, err = run(capsys, *argv)
    assert status != 0
    assert "CommandError" in err and message in err


def test_demo_identities_refuse_production_settings_with_a_non_zero_exit(capsys, settings):
    settings.SETTINGS_MODULE = "yiwang.conf.production"
    status, err = run(capsys, "demo_identities")
    assert status != 0 and "production" in err


def test_seed_licenses_with_a_bad_row_writes_nothing_and_exits_non_zero(capsys):
    """The fresh demo printed a row problem, wrote nothing and exited 0; now the same stops `make demo`."""
    bureau = factories.OrganisationFactory()
    broken = LicenseType.objects.create(
        code="11100000MB0143028R099",
        name="无选项证",
        holder_kind=HolderKind.ENTERPRISE,
        fields=[{"name": "kind", "label": "类别", "type": "choice", "required": True, "choices": []}],
    )
    broken.issuers.add(bureau)
    status, err = run(capsys, "seed_licenses", "--count", "3")
    assert status != 0
    assert "fields.kind" in err or "kind" in err
    assert "nothing was written" in err
    assert not License.objects.exists()
