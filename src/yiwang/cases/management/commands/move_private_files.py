"""`yiwang move_private_files`: moves applicants' files from the public default storage into the private one.

Run it once after upgrading to the release that gave applicants' files their own storage (core.storage). Every
file a case material, a draft or a My Space material names is copied from STORAGES["default"] to
STORAGES["private"] under the same name, the copy is compared with the original (SHA-256), and only then is the
public original deleted (kept with --keep). Running it again is harmless: files already moved are skipped, and a
run cut short is completed. Catalog files (blank forms, samples) are public and stay where they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.core.storage import private_storage


def applicant_file_names() -> Iterator[str]:
    """Every stored name an applicant's record points at (case materials, drafts, My Space), each once."""
    from yiwang.cases.models import CaseMaterial, Draft
    from yiwang.identity.models import ReusableMaterial

    seen: set[str] = set()
    sources: list[Any] = [
        CaseMaterial.objects.exclude(file="").values_list("file", flat=True).iterator(),
        ReusableMaterial.objects.exclude(file="").values_list("file", flat=True).iterator(),
    ]
    drafts = (
        str(row.get("file"))
        for materials in Draft.objects.values_list("materials", flat=True).iterator()
        for row in (materials or [])
        if isinstance(row, dict) and row.get("file")
    )
    for name in (n for source in [*sources, drafts] for n in source):
        if name and name not in seen:
            seen.add(name)
            yield name


def _digest(storage: Storage, name: str) -> str:
    h = hashlib.sha256()
    with storage.open(name, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            h.update(chunk)
    return h.hexdigest()


def _same_place(a: Storage, b: Storage) -> bool:
    if a is b:
        return True
    if isinstance(a, FileSystemStorage) and isinstance(b, FileSystemStorage):
        return Path(a.location).resolve() == Path(b.location).resolve()
    bucket = getattr(a, "bucket_name", None)
    return bucket is not None and bucket == getattr(b, "bucket_name", None)


class Command(BaseCommand):
    help = "Move applicants' files (case materials, drafts, My Space) from the default storage to the private one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only report what would be moved.")
        parser.add_argument("--keep", action="store_true", help="Copy, but leave the public originals in place.")

    def handle(self, *args: Any, **options: Any) -> None:
        public, private = storages["default"], private_storage()
        if _same_place(public, private):
            raise CommandError('STORAGES["private"] is the same as STORAGES["default"]: configure it first.')
        moved = already = missing = 0
        failed: list[str] = []
        for name in applicant_file_names():
            in_private, in_public = private.exists(name), public.exists(name)
            if in_private and not in_public:
                already += 1
                continue
            if not in_public:
                missing += 1
                self.stderr.write(f"missing: {name}")
                continue
            if options["dry_run"]:
                moved += 1
                self.stdout.write(f"would move: {name}")
                continue
            if not in_private:
                with public.open(name, "rb") as fh:
                    saved = private.save(name, ContentFile(fh.read()))
                if saved != name:
                    private.delete(saved)
                    failed.append(f"{name}: the private storage named it {saved}")
                    continue
            if _digest(private, name) != _digest(public, name):
                failed.append(f"{name}: the copy differs from the original")
                continue
            if not options["keep"]:
                public.delete(name)
            moved += 1
        verb = "would move" if options["dry_run"] else "moved"
        self.stdout.write(f"{verb} {moved}, already private {already}, missing {missing}, failed {len(failed)}")
        if failed:
            for line in failed:
                self.stderr.write(f"failed: {line}")
            raise CommandError(f"{len(failed)} file(s) could not be moved; the originals were kept.")
