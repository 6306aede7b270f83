"""`yiwang seed_demo --seed 2026 --items 15000 [--if-empty]`: load the deterministic demo city.

Used by `make demo` and the benchmarks. The same seed always gives the same city, codes included.
"""

from __future__ import annotations

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.catalog.models import ServiceItem
from yiwang.catalog.search import rebuild_index
from yiwang.core.errors import ProblemsError
from yiwang.ops.demo import DemoError, generate_city, universe_size, write_city

PHASES = {
    "organisations": gettext_lazy("divisions, organisations and halls"),
    "reference data": gettext_lazy("license types, data resources and themes"),
    "validation": gettext_lazy("validation"),
    "items": gettext_lazy("items"),
}


def _columns(text: str) -> int:
    """Terminal columns of `text` (Chinese characters take two), to align the summary."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Command(BaseCommand):
    help = "Generates a realistic demo city (蚌埠市) with organisations, halls, license types and service items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Random seed; the same seed gives the same city.")
        parser.add_argument("--items", type=int, default=15000, help="Number of service items to generate.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the catalog already has service items."
        )
        parser.add_argument("--no-index", action="store_true", help="Skip rebuilding the search index.")

    def handle(self, *args, seed: int, items: int, if_empty: bool, no_index: bool, **options) -> None:
        existing = ServiceItem.objects.count()
        if existing:
            if if_empty:
                self.stdout.write(
                    _("The catalog already has %(count)s items; demo data not loaded.") % {"count": existing}
                )
                return
            raise CommandError(
                _("The catalog already has %(count)s items. Use an empty database, or pass --if-empty to skip.")
                % {"count": existing}
            )
        if items < 1 or items > universe_size():
            raise CommandError(_("--items must be between 1 and %(max)s for the demo city.") % {"max": universe_size()})
        started = time.perf_counter()
        try:
            plan = generate_city(seed, items)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self._phase(_("generate"), time.perf_counter() - started)
        try:
            report = write_city(
                plan, progress=lambda phase, seconds: self._phase(PHASES.get(phase, phase), seconds, "  ")
            )
        except ProblemsError as exc:
            for p in exc.problems[:20]:
                self.stderr.write(f"{p.field}: {p}")
            raise CommandError(
                _("The generated catalog broke %(count)s catalog rules; nothing was written.")
                % {"count": len(exc.problems)}
            ) from exc
        self._phase(_("write"), sum(report["seconds"].values()))
        if not no_index:
            t0 = time.perf_counter()
            rebuild_index()
            self._phase(_("search index"), time.perf_counter() - t0)

        summary = plan.summary()
        self.stdout.write(self.style.SUCCESS(_("Demo city loaded (seed %(seed)s).") % {"seed": seed}))
        rows = [
            (
                _("Divisions (province/city/county/township/village)"),
                "/".join(str(summary.get(f"divisions.level{lv}", 0)) for lv in range(2, 7)),
            ),
            (_("Organisations"), summary["organisations"]),
            (_("Service halls / windows"), f"{summary['halls']} / {summary['windows']}"),
            (_("License types"), summary["license_types"]),
            (_("Data resources"), summary["data_resources"]),
            (_("Themes"), summary["themes"]),
            (_("Service items (distinct base items)"), f"{summary['items']} ({summary['base_items']})"),
            (
                _("Items per level (province/city/county/township/village)"),
                "/".join(str(summary.get(f"items.level{lv}", 0)) for lv in range(2, 7)),
            ),
            (_("Materials / process steps"), f"{summary['materials']} / {summary['steps']}"),
            (_("Total time"), f"{time.perf_counter() - started:.1f} s"),
        ]
        width = max(_columns(label) for label, _value in rows)
        for label, value in rows:
            self.stdout.write(f"  {label}{' ' * (width - _columns(label))}  {value}")

    def _phase(self, name: str, seconds: float, indent: str = "") -> None:
        self.stdout.write(indent + _("%(phase)s: %(seconds).2f s") % {"phase": name, "seconds": seconds})
