"""Applicants' files live in their own private storage (issue 17), apart from the public files of the default one.

Tests run with InMemoryStorage for both aliases (conf/test.py): two separate stores.
"""

from __future__ import annotations

import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tests.cases import apply_world
from tests.cases.apply_world import PDF, PNG, good_post
from tests.factories import UserFactory
from yiwang.cases import services as cases
from yiwang.cases.models import CaseMaterial, Draft
from yiwang.cases.uploads import material_row
from yiwang.core import storage as core_storage
from yiwang.core.storage import PrivateFileSystemStorage, private_storage
from yiwang.identity import space
from yiwang.identity.models import ReusableMaterial


def test_every_applicant_file_field_uses_the_private_storage():
    for model in (CaseMaterial, ReusableMaterial):
        field = model._meta.get_field("file")
        assert field.storage is private_storage() and field._storage_callable is private_storage, model
        field.storage.exists("x")  # resolves the lazy handle
        assert field.storage._wrapped is storages["private"] and storages["private"] is not storages["default"]


@pytest.mark.django_db
def test_an_application_stores_its_files_privately_and_serves_them_only_through_the_checked_page(client):
    world = apply_world.build()
    client.force_login(world.applicant.user)
    r = client.post(reverse("cases:apply", args=[world.item.item_code]), good_post(world))
    assert r.status_code == 302
    m = CaseMaterial.objects.exclude(file="").get()
    assert private_storage().exists(m.file.name) and not default_storage.exists(m.file.name)
    got = client.get(reverse("cases:material_file", args=[m.case.case_number, m.pk]))
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(reverse("cases:material_file", args=[m.case.case_number, m.pk])).status_code == 404


@pytest.mark.django_db
def test_my_space_stores_privately():
    world = apply_world.build()
    from django.core.files.uploadedfile import SimpleUploadedFile

    m = space.store_material(
        world.applicant, upload=SimpleUploadedFile("id.png", PNG), title="证件照", uploaded_by=world.applicant.user
    )
    assert private_storage().exists(m.file.name) and not default_storage.exists(m.file.name)


def test_private_files_on_disk_have_no_url_and_live_outside_media_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    disk = PrivateFileSystemStorage()
    assert Path(disk.location) == tmp_path / "private"
    name = disk.save("cases/2025/01/a.pdf", ContentFile(PDF))
    assert (tmp_path / "private" / name).read_bytes() == PDF
    with pytest.raises(ValueError):
        disk.url(name)


def test_default_settings_put_private_files_outside_media_root():
    from yiwang.conf import base

    assert base.STORAGES["private"]["BACKEND"] == "yiwang.core.storage.PrivateFileSystemStorage"
    assert not str(base.PRIVATE_ROOT.resolve()).startswith(str(base.MEDIA_ROOT.resolve()) + "/")


def _check_ids(settings, private: dict, default: dict | None = None) -> list[str]:
    storages_conf = {**settings.STORAGES, "private": private}
    if default is not None:
        storages_conf["default"] = default
    settings.STORAGES = storages_conf
    storages._storages = {}
    storages._backends = None
    try:
        return [e.id for e in core_storage.private_storage_is_private(None)]
    finally:
        storages._storages = {}
        storages._backends = None


def test_start_up_check_refuses_configurations_that_could_publish_private_files(settings, tmp_path):
    original = settings.STORAGES
    try:
        settings.MEDIA_ROOT = tmp_path / "media"
        fs = "yiwang.core.storage.PrivateFileSystemStorage"
        assert _check_ids(settings, {"BACKEND": fs, "OPTIONS": {"location": str(tmp_path / "private")}}) == []
        inside = {"BACKEND": fs, "OPTIONS": {"location": str(tmp_path / "media" / "private")}}
        assert _check_ids(settings, inside) == ["yiwang.core.E012"]
        s3 = "storages.backends.s3.S3Storage"
        public_acl = {"BACKEND": s3, "OPTIONS": {"bucket_name": "p", "default_acl": "public-read"}}
        unsigned = {"BACKEND": s3, "OPTIONS": {"bucket_name": "p", "querystring_auth": False}}
        same_bucket = {"BACKEND": s3, "OPTIONS": {"bucket_name": "media", "default_acl": "private"}}
        for conf, expected in [(public_acl, "yiwang.core.E013"), (unsigned, "yiwang.core.E013")]:
            assert expected in _config_ids(settings, conf)
        assert "yiwang.core.E014" in _config_ids(
            settings, same_bucket, {"BACKEND": s3, "OPTIONS": {"bucket_name": "media"}}
        )
        settings.STORAGES = {k: v for k, v in original.items() if k != "private"}
        assert [e.id for e in core_storage.private_storage_is_private(None)] == ["yiwang.core.E010"]
    finally:
        settings.STORAGES = original
        storages._storages = {}
        storages._backends = None


def _config_ids(settings, private: dict, default: dict | None = None) -> list[str]:
    """The check's answers for an object-storage configuration (django-storages need not be installed)."""
    from unittest import mock

    with mock.patch.object(core_storage, "private_storage", return_value=object()):
        return _check_ids(settings, private, default)


# --- moving the files of an older release ----------------------------------------------------------------------


@pytest.fixture
def old_release_files(db):
    """Files where the previous release put them (the default storage), with the records that name them."""
    world = apply_world.build()
    public, private = storages["default"], private_storage()
    tag = uuid.uuid4().hex[:12]  # the in-memory stores outlive a test: names of their own per test
    names = {
        "case": f"cases/2024/05/{tag}a.pdf",
        "draft": f"cases/2024/05/{tag}b.pdf",
        "space": f"identity/materials/p1/202405/{tag}-id.png",
        "catalog": f"catalog/forms/{tag}.pdf",
    }
    for key, name in names.items():
        public.save(name, ContentFile(PNG if key == "space" else PDF))
    case, _ = cases.submit(
        version=world.version,
        person=world.applicant,
        who=cases.Who(user=world.applicant.user),
        form_data={},
        materials=[material_row(name="申请书", catalog_material_id=None, source="upload", file=names["case"])],
    )
    Draft.objects.create(
        key="p:e:v",
        person=world.applicant,
        version=world.version,
        materials=[{"file": names["draft"], "source": "upload"}, {"file": names["case"]}],
    )
    ReusableMaterial.objects.create(
        person=world.applicant,
        title="证件照",
        file=names["space"],
        content_type="image/png",
        size=len(PNG),
        sha256="x",
        uploaded_by=world.applicant.user,
    )
    assert not any(private.exists(n) for n in names.values())
    return names, case


def run(*args: str) -> str:
    out = StringIO()
    call_command("move_private_files", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_move_command_moves_every_applicant_file_and_leaves_public_ones(old_release_files, client):
    names, case = old_release_files
    public, private = storages["default"], private_storage()
    assert "would move 3" in run("--dry-run")
    assert not private.exists(names["case"]) and public.exists(names["case"])
    assert "moved 3, already private 0, missing 0, failed 0" in run()
    for key in ("case", "draft", "space"):
        assert private.exists(names[key]) and not public.exists(names[key]), key
    assert public.exists(names["catalog"]) and not private.exists(names["catalog"])
    with private.open(names["space"], "rb") as fh:
        assert fh.read() == PNG
    # The checked download page finds the moved file.
    client.force_login(case.submitted_by)
    m = CaseMaterial.objects.get(case=case)
    got = client.get(reverse("cases:material_file", args=[case.case_number, m.pk]))
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    # Running again changes nothing.
    assert "moved 0, already private 3, missing 0, failed 0" in run()


def test_the_move_command_keeps_originals_on_request_and_reports_missing_files(old_release_files):
    names, _case = old_release_files
    public = storages["default"]
    public.delete(names["draft"])
    assert "moved 2, already private 0, missing 1, failed 0" in run("--keep")
    assert public.exists(names["case"]) and private_storage().exists(names["case"])
    # A later run without --keep completes the move.
    assert "moved 2, already private 0, missing 1" in run()
    assert not public.exists(names["case"])


def test_the_move_command_refuses_when_both_storages_are_one(settings, tmp_path, db):
    original = settings.STORAGES
    same = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}
    settings.STORAGES = {**original, "default": same, "private": same}
    storages._storages = {}
    storages._backends = None
    try:
        with pytest.raises(CommandError):
            run()
    finally:
        settings.STORAGES = original
        storages._storages = {}
        storages._backends = None


@pytest.mark.django_db
def test_the_admin_shows_a_stored_material_without_a_public_link():
    world = apply_world.build()
    from django.core.files.uploadedfile import SimpleUploadedFile

    m = space.store_material(
        world.applicant, upload=SimpleUploadedFile("id.png", PNG), title="证件照", uploaded_by=world.applicant.user
    )
    admin = UserFactory(is_staff=True, is_superuser=True)
    c = Client()
    c.force_login(admin)
    r = c.get(f"/admin/identity/reusablematerial/{m.pk}/change/")
    assert r.status_code == 200 and m.file.name in r.content.decode()
    assert f'href="/media/{m.file.name}"' not in r.content.decode()
