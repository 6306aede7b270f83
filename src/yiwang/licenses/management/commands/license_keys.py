"""Issuing organisations' signing keys: list, rotate, revoke (optionally re-signing what the revoked key signed)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yiwang.licenses import keys, services
from yiwang.licenses.models import SigningKey
from yiwang.orgs.models import Organisation


class Command(BaseCommand):
    help = "List, rotate or revoke license signing keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list")
        rot = sub.add_parser("rotate")
        rot.add_argument("credit_code")
        rev = sub.add_parser("revoke")
        rev.add_argument("key_id")
        rev.add_argument("--reason", required=True)
        rev.add_argument("--resign", action="store_true", help="re-sign its still-current licenses under a new key")

    def handle(self, *args, action: str, **options):
        if action == "list":
            for k in SigningKey.objects.select_related("organisation").order_by("organisation__name", "-created_at"):
                state = "revoked" if k.revoked_at else "rotated" if k.rotated_at else "current"
                self.stdout.write(f"{k.key_id}\t{state}\t{k.organisation.name}\t{k.licenses.count()} licenses")
        elif action == "rotate":
            org = Organisation.objects.filter(credit_code=options["credit_code"].upper()).first()
            if org is None:
                raise CommandError("no organisation has this credit code")
            self.stdout.write(f"new key {keys.rotate(org).key_id}")
        else:
            key = SigningKey.objects.filter(key_id=options["key_id"]).first()
            if key is None:
                raise CommandError("no such key")
            keys.revoke(key, options["reason"])
            self.stdout.write(f"revoked {key.key_id}")
            if options["resign"]:
                keys.current_key(key.organisation)
                count = services.resign_key_licenses(key, reason=options["reason"])
                self.stdout.write(f"re-signed {count} licenses")
