"""`yiwang export_catalog --format xlsx|json -o FILE [--organisation CODE] [--division CODE]`."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from yiwang.catalog.io import published_versions, write_json, write_xlsx
from yiwang.orgs.models import Division, Organisation


class Command(BaseCommand):
    help = "Exports the current published version of every item as xlsx or JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=["xlsx", "json"], default="xlsx")
        parser.add_argument("-o", "--output", required=True, help="file to write ('-' for standard output, JSON only)")
        parser.add_argument("--organisation", help="credit code of one implementing body")
        parser.add_argument("--division", help="division code: its organisations and those below it")

    def handle(self, *args, format: str, output: str, organisation: str | None, division: str | None, **options):
        org = div = None
        if organisation:
            org = Organisation.objects.filter(credit_code=organisation).first()
            if org is None:
                raise CommandError(f"no organisation with credit code {organisation}")
        if division:
            div = Division.objects.filter(code=division).first()
            if div is None:
                raise CommandError(f"no division with code {division}")
        versions = published_versions(org, div)
        if output == "-":
            if format != "json":
                raise CommandError("only JSON can be written to standard output")
            write_json(versions, sys.stdout.buffer)
            return
        with open(output, "wb") as fh:
            (write_json if format == "json" else write_xlsx)(versions, fh)
        self.stdout.write(f"wrote {versions.count()} items to {output}")
