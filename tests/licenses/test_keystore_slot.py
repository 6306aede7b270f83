"""The license key store slot: the file store by default, its options, its start-up check, older dotted paths."""

from __future__ import annotations

import os

import pytest

from tests.licenses.conftest import business_fields
from yiwang.licenses import keys, services

pytestmark = pytest.mark.django_db


def issue(business_type, bureau, company):
    return services.issue(
        license_type=business_type,
        issuer=bureau,
        holder_number=company.credit_code,
        holder_name=company.name,
        fields=business_fields(),
    )


@pytest.mark.parametrize("written", ["file", "yiwang.licenses.keys.FileKeyStore"])
def test_the_file_store_by_key_or_by_its_old_dotted_path(settings, written):
    settings.LICENSE_KEYSTORE = written
    store = keys.store()
    assert isinstance(store, keys.FileKeyStore) and store.key == "file"
    assert store.directory == settings.LICENSE_KEYSTORE_DIR
    assert keys.store() is store  # one instance while the settings stay: decrypted keys are kept for a batch


def test_options_move_the_keys_and_the_passphrase(settings, tmp_path, business_type, bureau, company):
    settings.LICENSE_KEYSTORE_OPTIONS = {"directory": str(tmp_path / "hsm-export"), "passphrase": "long enough"}
    lic = issue(business_type, bureau, company)
    path = tmp_path / "hsm-export" / f"{lic.signing_key.key_id}.pem"
    assert path.exists()
    assert keys.FileKeyStore(directory=path.parent, secret=b"long enough").get(lic.signing_key.key_id)
    with pytest.raises(ValueError):
        keys.FileKeyStore(directory=path.parent).get(lic.signing_key.key_id)  # the derived passphrase does not open it


def test_an_unusable_directory_is_reported_at_start_up(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.LICENSE_KEYSTORE_DIR = blocker / "keys"
    found = keys.KEYSTORES.check_messages()
    assert [m.id for m in found] == ["yiwang.E103"] and "is not a directory" in found[0].msg
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        settings.LICENSE_KEYSTORE_DIR = locked / "keys"
        assert "not writable" in keys.KEYSTORES.check_messages()[0].msg
    settings.LICENSE_KEYSTORE_DIR = tmp_path / "new" / "keys"  # made on first use
    assert keys.KEYSTORES.check_messages() == []


def test_an_unknown_option_is_reported(settings):
    settings.LICENSE_KEYSTORE_OPTIONS = {"dir": "/srv/keys"}
    found = keys.KEYSTORES.check_messages()
    assert [(m.id, m.msg.split(":")[0]) for m in found] == [("yiwang.E102", "LICENSE_KEYSTORE_OPTIONS.dir")]
