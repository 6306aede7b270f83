"""yiwang load_holidays --year 2026 | --all: the official arrangements from the chinesecalendar package."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ProblemsError

from ...services import load_from_package, package_version, package_years


class Command(BaseCommand):
    help = "Loads the State Council holiday arrangements (with make-up working days) from the chinesecalendar package."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years", help="a year to load (repeatable)")
        parser.add_argument("--all", action="store_true", help="every year the package covers")
        parser.add_argument(
            "--replace", action="store_true", help="also replace years an administrator imported or edited"
        )

    def handle(self, *args, years=None, all=False, replace=False, verbosity=1, **options):
        if not years and not all:
            raise CommandError(
                f"give --year YEAR or --all ({package_version()} covers {package_years()[0]}–{package_years()[-1]})"
            )
        try:
            results = load_from_package(None if all else years, replace=replace)
        except ProblemsError as exc:
            raise CommandError("; ".join(str(p) for p in exc.problems)) from exc
        loaded = [r for r in results if not r.skipped]
        for r in results:
            if r.skipped:
                self.stdout.write(f"{r.year}: kept ({r.reason}: {r.source}); use --replace to overwrite")
            elif verbosity > 1:
                self.stdout.write(f"{r.year}: {r.holidays} holidays, {r.workdays} make-up working days")
        self.stdout.write(f"{len(loaded)} year(s) loaded from {package_version()}")
