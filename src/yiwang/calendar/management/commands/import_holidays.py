"""yiwang import_holidays FILE --year 2027: one year's arrangement from a CSV, xlsx or JSON file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ProblemsError
from yiwang.core.errors import render as render_message

from ...io import import_file


class Command(BaseCommand):
    help = "Imports one year's holiday arrangement (date, kind, name) from a CSV, xlsx or JSON file, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, help="the year (optional for a JSON file that states it)")
        parser.add_argument("--notice", default="", help="the State Council notice, e.g. 国办发明电〔2026〕N号")
        parser.add_argument("--notice-url", default="", help="where the notice is published")
        parser.add_argument("--source", default="", help="what to record as the source (default: the file name)")
        parser.add_argument("--dry-run", action="store_true", help="check the file, write nothing")

    def handle(self, *args, file: Path, year=None, notice="", notice_url="", source="", dry_run=False, **options):
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        try:
            with file.open("rb") as fh:
                result = import_file(
                    fh,
                    year=year,
                    filename=file.name,
                    notice=notice,
                    notice_url=notice_url,
                    source=source or "import_holidays",
                    dry_run=dry_run,
                )
        except ProblemsError as exc:
            for p in exc.problems:
                where = f"row {p.row}, {p.column}: " if p.row is not None else f"{p.field}: "
                self.stderr.write(where + render_message(p.message, p.params))
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was written") from exc
        verb = "would load" if dry_run else "loaded"
        self.stdout.write(
            f"{result.year}: {verb} {result.holidays} holidays and {result.workdays} make-up working days"
            f" (replacing {result.replaced})"
        )
