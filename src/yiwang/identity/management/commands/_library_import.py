"""Shared body of `import_population` and `import_legal_persons`: read, check everything, write or refuse."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.core.errors import ProblemsError

from ... import libraries


class LibraryImportCommand(BaseCommand):
    loader: Callable[..., libraries.LoadResult]
    what: str = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8 or GB 18030) or xlsx file with one header row")
        parser.add_argument("--source", default="", help="Where the file came from (kept on each record)")
        parser.add_argument("--dry-run", action="store_true", help="Check the file; write nothing")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在 / No such file: {path}")
        source = options["source"] or path.name
        try:
            result = type(self).loader(libraries.read_rows(path), source=source, dry_run=options["dry_run"])
        except ProblemsError as exc:
            for p in exc.as_list():
                where = []
                if p.get("row") is not None:
                    where.append(f"第 {p['row']} 行 / row {p['row']}")
                if p.get("column"):
                    where.append(f"列 / column {p['column']}")
                self.stderr.write(f"{', '.join(where)}: {p['message']} / {p['message_en']}")
            raise CommandError(
                f"文件未导入：共 {len(exc.problems)} 个问题，未写入任何记录。 / "
                f"Nothing was imported: {len(exc.problems)} problem(s)."
            ) from exc
        except (ValueError, OSError) as exc:
            raise CommandError(f"无法读取文件 / The file cannot be read: {exc}") from exc
        verb = "would be" if result.dry_run else "were"
        self.stdout.write(
            f"{self.what}: {result.rows} rows, {result.created} new and {result.updated} updated records "
            f"{verb} written" + (" (dry run: nothing written)" if result.dry_run else "") + "."
        )
