"""`yiwang outbox`: what waits in the outbox, and the operator's levers (hand over now, retry dead letters, prune)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yiwang.core import outbox


class Command(BaseCommand):
    help = "Outbox: status (default), dispatch, retry (dead letters, or --all), prune."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", default="status", choices=["status", "dispatch", "retry", "prune"])
        parser.add_argument("--subscriber", help="retry: only this subscriber's")
        parser.add_argument("--event", type=int, help="retry: only this event's")
        parser.add_argument("--all", action="store_true", help="retry: also those still waiting for their next try")
        parser.add_argument("--days", type=float, default=None, help="prune: keep events this many days")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "dispatch":
            self.stdout.write(f"Handed over {outbox.drain()} event(s).")
        elif action == "retry":
            n = outbox.revive(subscriber=options["subscriber"], event_id=options["event"], dead_only=not options["all"])
            self.stdout.write(f"{n} retry(ies) will run now.")
            done, failed = outbox.retry_due()
            self.stdout.write(f"Retried: {done} delivered, {failed} failed again.")
        elif action == "prune":
            self.stdout.write(f"Deleted {outbox.prune(options['days'])} handed-over event(s).")
        state = outbox.status()
        self.stdout.write(f"Waiting: {state['waiting']} event(s), the oldest {state['oldest_seconds']:.0f} s old.")
        for name, counts in sorted(state["subscribers"].items()):
            parts = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
            self.stdout.write(f"  {name}: {parts}")
