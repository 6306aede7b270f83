"""`yiwang hotline_api_key --name 城市随手拍`: a new Open311 API key (printed once; only its hash is kept)."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Creates an Open311 API key for a third-party app and prints it once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--centre", default="", help="Credit code of the 12345 centre (default: the default one)")

    def handle(self, *args, name: str, centre: str, **options) -> None:
        from yiwang.hotline import open311, services
        from yiwang.orgs.models import Organisation

        org = Organisation.objects.filter(credit_code=centre).first() if centre else None
        if org is None:
            found = services.centre_for()
            org = found.organisation if found else None
        if org is None:
            raise CommandError("No 12345 centre is set up (seed_hotline, or add one in the administration).")
        _key, raw = open311.new_key(name, org)
        self.stdout.write(raw)
