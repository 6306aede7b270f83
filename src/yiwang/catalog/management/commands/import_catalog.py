"""`yiwang import_catalog FILE [--dry-run] [--user NAME]`: imports a catalog file (xlsx or JSON)."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from yiwang.catalog.io import import_catalog
from yiwang.core.errors import ProblemsError, render


class Command(BaseCommand):
    help = (
        "Imports a catalog file (xlsx or JSON). The whole file is checked first; a file with problems writes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the .xlsx or .json file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")
        parser.add_argument(
            "--user",
            help="import as this user (their catalog-admin scope applies and events name them); "
            "without it the operator may import for every organisation",
        )

    def handle(self, *args, file: str, dry_run: bool, user: str | None, **options) -> None:
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user named {user}")
        started = time.perf_counter()
        try:
            with open(file, "rb") as fh:
                result = import_catalog(fh, user=actor, channel="import", dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {file}") from exc
        except ProblemsError as exc:
            with translation.override("zh-hans"):
                for p in exc.problems:
                    where = " ".join(str(x) for x in (p.sheet, p.row, p.column) if x not in (None, ""))
                    self.stderr.write(f"{where or '-'}\t{render(p.message, p.params)}")
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was written") from exc
        seconds = time.perf_counter() - started
        verb = "would create" if dry_run else "created"
        self.stdout.write(
            f"{result.format}: {result.items} items; {verb} {result.created}, "
            f"new versions {result.new_versions}, unchanged {result.unchanged} ({seconds:.1f} s)"
            + (" [dry run, nothing written]" if dry_run else "")
        )
        for code in result.open_drafts:
            self.stdout.write(f"note: {code} still has an unpublished draft made before this import")
