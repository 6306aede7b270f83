"""Import licenses from a CSV or xlsx file: every row checked first, then all signed and written, or none."""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.licenses.importer import import_licenses


class Command(BaseCommand):
    help = "Import (issue and sign) licenses from a CSV or xlsx file; nothing is written if any row is bad."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="print problems as JSON")

    def handle(self, *args, file: Path, json: bool = False, **options):
        if not file.exists():
            raise CommandError(f"{file} does not exist")
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if options.get("verbosity", 1) > 1:
                self.stdout.write(f"  {done}/{total}")

        result = import_licenses(file.read_bytes(), file.name, progress=progress)
        if result.problems:
            if json:
                self.stdout.write(_dumps([p.as_dict() for p in result.problems]))
            else:
                for p in result.problems[:200]:
                    where = f"row {p.row}, {p.column}" if p.row else p.field
                    self.stderr.write(f"{where}: {p}")
                if len(result.problems) > 200:
                    self.stderr.write(f"... and {len(result.problems) - 200} more")
            raise CommandError(f"{len(result.problems)} problems in {result.rows} rows; nothing was imported")
        self.stdout.write(f"{result.created} licenses issued and signed in {time.perf_counter() - started:.1f} s")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
