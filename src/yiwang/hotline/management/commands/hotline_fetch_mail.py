"""`yiwang hotline_fetch_mail`: reads the hotline's mailbox once (the HOTLINE_MAILBOX slot)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Reads the 12345 mailbox once; each message becomes a work order (one bad message never stops the rest)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, limit: int, **options) -> None:
        from yiwang.hotline import mailbox

        r = mailbox.fetch(limit=limit)
        for ref, why in r.failed:
            self.stderr.write(f"failed {ref}: {why}")
        self.stdout.write(f"created: {len(r.created)}, already recorded: {r.duplicates}, failed: {len(r.failed)}")
