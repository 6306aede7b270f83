"""`yiwang create_client --name … --org <credit code> --scope catalog:read …`: a machine client from the shell.

Prints the client id and the secret (shown this once) so an operator can set up a department system without
the web pages, e.g. in a provisioning script.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.core.errors import ProblemsError, render
from yiwang.identity import clients
from yiwang.identity.models import ClientKind
from yiwang.orgs.models import Organisation


class Command(BaseCommand):
    help = "Create a machine client (OAuth2 client credentials) and print its id and secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Name of the client system")
        parser.add_argument("--org", required=True, help="Credit code of the organisation that runs it")
        parser.add_argument(
            "--scope", action="append", default=[], dest="scopes", help="A scope to grant (repeat for several)"
        )
        parser.add_argument("--kind", default=ClientKind.DEPARTMENT, choices=ClientKind.values)
        parser.add_argument("--rate-limit", type=int, default=600, help="Requests per minute (default 600)")

    def handle(self, *args, **options) -> None:
        code = options["org"].strip().upper()
        org = Organisation.objects.filter(credit_code=code).first()
        if org is None:
            raise CommandError(f"organisation: no organisation has credit code {code}")
        try:
            client, secret = clients.create_client(
                options["name"], options["kind"], org, options["scopes"], options["rate_limit"]
            )
        except ProblemsError as exc:
            raise CommandError("; ".join(f"{p.field}: {render(p.message, p.params)}" for p in exc.problems)) from exc
        self.stdout.write(f"client_id: {client.application.client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write(f"scopes: {' '.join(client.scopes)}")
        self.stderr.write("The secret is shown only now; store it safely.")
