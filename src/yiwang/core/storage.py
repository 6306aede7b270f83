"""Where applicants' files live: the `private` storage, apart from the public files of the default storage.

The default storage holds public files (the catalog's blank forms and samples, served under /media/). Everything
an applicant or a clerk uploads about a person or a case — application materials, draft files, corrections,
opinion attachments, My Space materials — goes to STORAGES["private"] instead:

- by default `PrivateFileSystemStorage`, a local directory outside MEDIA_ROOT (PRIVATE_ROOT, `var/private`), which
  has no URL at all: no web server configuration can publish it by mistake;
- on object storage, a private bucket (django-storages' S3Storage with `default_acl: "private"` and
  `querystring_auth: true`, so any URL it makes is signed and short-lived). See docs/configuration.md.

Files are only ever read through the pages and endpoints that check who is asking. File fields name the storage
through the callable `private_storage`, so the setting decides at start-up; the system check below refuses a
configuration that would put private files where public ones are served.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, cached_property, empty

PRIVATE = "private"


class _PrivateStorage(LazyObject):
    """STORAGES["private"], looked up on first use (like Django's default_storage), so settings decide at run time."""

    def _setup(self) -> None:
        self._wrapped = storages[PRIVATE]


_private = _PrivateStorage()


def private_storage() -> Storage:
    """The storage for applicants' files (STORAGES["private"]); file fields name it through this callable."""
    return _private  # type: ignore[return-value]


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    """Follow a change of STORAGES (tests), as Django's default_storage does."""
    if setting in ("STORAGES", "STATIC_ROOT", "STATIC_URL"):
        _private._wrapped = empty


class PrivateFileSystemStorage(FileSystemStorage):
    """A local directory (PRIVATE_ROOT by default) whose files have no URL: they are served by checked views only."""

    def __init__(self, location: Any = None, **kwargs: Any) -> None:
        kwargs.pop("base_url", None)
        super().__init__(location=location, **kwargs)

    @cached_property
    def base_location(self) -> Any:
        # Read when first used and again after PRIVATE_ROOT changes, as Django's storage follows MEDIA_ROOT.
        return self._value_or_setting(self._location, settings.PRIVATE_ROOT)

    def _clear_cached_properties(self, setting: str, **kwargs: Any) -> None:
        if setting == "PRIVATE_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)
        elif setting != "MEDIA_ROOT":
            super()._clear_cached_properties(setting, **kwargs)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public URL; serve them through a view that checks who is asking.")


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


@register(Tags.security)
def private_storage_is_private(app_configs: Any, **kwargs: Any) -> list[Error]:
    """STORAGES["private"] exists, is not the public storage, and (on disk) lies outside MEDIA_ROOT and STATIC_ROOT."""
    config = settings.STORAGES.get(PRIVATE)
    if not config:
        return [
            Error(
                'STORAGES has no "private" storage for applicants\' files.',
                hint="See docs/configuration.md (PRIVATE_STORAGE_BACKEND).",
                id="yiwang.core.E010",
            )
        ]
    errors = []
    storage = private_storage()
    default = settings.STORAGES.get("default", {})
    if config == default and "InMemoryStorage" not in str(config.get("BACKEND", "")):
        errors.append(
            Error(
                "The private storage is configured exactly like the public default storage.",
                hint="Give applicants' files their own directory or bucket (PRIVATE_STORAGE_OPTIONS).",
                id="yiwang.core.E011",
            )
        )
    location = getattr(storage, "location", None)
    if isinstance(storage, FileSystemStorage) and location:
        for name in ("MEDIA_ROOT", "STATIC_ROOT"):
            public = getattr(settings, name, None)
            if public and (_inside(Path(location), Path(public)) or _inside(Path(public), Path(location))):
                errors.append(
                    Error(
                        f"The private storage directory {location} overlaps {name} ({public}), which is served "
                        "publicly.",
                        hint="Set PRIVATE_ROOT (or PRIVATE_STORAGE_OPTIONS location) outside it.",
                        id="yiwang.core.E012",
                    )
                )
    options = config.get("OPTIONS", {})
    backend = str(config.get("BACKEND", ""))
    if "s3" in backend.lower():
        if options.get("querystring_auth") is False or str(options.get("default_acl", "private")) != "private":
            errors.append(
                Error(
                    "The private object storage must keep objects private and hand out signed URLs only.",
                    hint='Set "default_acl": "private" and "querystring_auth": true in PRIVATE_STORAGE_OPTIONS.',
                    id="yiwang.core.E013",
                )
            )
        if options.get("bucket_name") and options.get("bucket_name") == default.get("OPTIONS", {}).get("bucket_name"):
            errors.append(
                Error(
                    "The private object storage uses the public storage's bucket.",
                    hint="Give applicants' files their own private bucket.",
                    id="yiwang.core.E014",
                )
            )
    return errors
