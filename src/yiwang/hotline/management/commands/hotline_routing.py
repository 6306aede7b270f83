"""`yiwang hotline_routing --check`: runs every routing test case against the rules; exits 1 on a mismatch."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Lists the routing rules in order and runs their test cases (exit status 1 when one fails)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="Only run the test cases.")

    def handle(self, *args, check: bool, **options) -> None:
        from yiwang.hotline import routing

        if not check:
            for r in routing.active_rules():
                self.stdout.write(f"{r.position:>5} v{r.version} {r.name} → {r.department.name}")
        results = routing.check_cases()
        failing = [r for r in results if not r.ok]
        for r in failing:
            got = r.rule.department.name if r.rule else "—"
            self.stderr.write(f"FAIL {r.case.description}: expected {r.case.expected_department}, got {got}")
        self.stdout.write(f"{len(results) - len(failing)} of {len(results)} routing test cases pass")
        if failing:
            raise CommandError("routing test cases fail")
