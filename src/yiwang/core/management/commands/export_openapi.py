"""Writes the API's OpenAPI document, so the committed copy in docs/ can be reviewed and checked in CI."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


def openapi_text() -> str:
    """The OpenAPI document as stable, pretty-printed JSON (keys sorted so diffs stay small)."""
    from yiwang.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI 3 document of /api/v1/ (default: docs/openapi.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", default="docs/openapi.json", help="file to write, or - for stdout")

    def handle(self, *args: Any, output: str, **options: Any) -> None:
        text = openapi_text()
        if output == "-":
            self.stdout.write(text, ending="")
            return
        Path(output).write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {output}")
