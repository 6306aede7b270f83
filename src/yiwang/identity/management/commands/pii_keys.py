"""`yiwang pii_keys`: personal-data encryption keys.

    yiwang pii_keys --new       print a fresh PII_KEYS entry ("kid:base64key") to put first in PII_KEYS
    yiwang pii_keys --rotate    re-encrypt every encrypted column under the current (first) key, in batches
    yiwang pii_keys             show which keys the stored values use

Rotation: put the new entry first in PII_KEYS and keep the old ones after it (every listed key decrypts), restart,
run --rotate, then remove the old keys once it reports nothing left under them. The lookup-hash key
(PII_HASH_KEY) is not rotated here: the libraries keep hashes only, so changing it means re-importing them.
"""

from __future__ import annotations

from collections import Counter

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, router, transaction
from django.utils import timezone

from ... import crypto
from ...fields import EncryptedTextField

BATCH = 500


def encrypted_columns() -> list[tuple[type, list[EncryptedTextField]]]:
    """Every concrete model with encrypted fields, whichever app defines them."""
    out = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            out.append((model, fields))
    return out


def _raw_batches(model, fields: list[EncryptedTextField], batch: int):
    """(pk, {attname: stored text}) in pk order, read with SQL so nothing is decrypted on the way."""
    db = router.db_for_read(model)
    connection = connections[db]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk = model._meta.pk.column
    cols = ", ".join(qn(f.column) for f in fields)
    last = None
    while True:
        sql = f"SELECT {qn(pk)}, {cols} FROM {table}"  # noqa: S608 - identifiers from the model's own metadata
        params: list = []
        if last is not None:
            sql += f" WHERE {qn(pk)} > %s"
            params.append(last)
        sql += f" ORDER BY {qn(pk)} LIMIT {int(batch)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return
        yield [(row[0], {f.attname: row[i + 1] for i, f in enumerate(fields)}) for row in rows]
        last = rows[-1][0]


def key_usage() -> dict[str, Counter]:
    """model.field → Counter of key ids (and 'clear' for values stored before encryption, if any)."""
    usage: dict[str, Counter] = {}
    for model, fields in encrypted_columns():
        for chunk in _raw_batches(model, fields, 5000):
            for _pk, values in chunk:
                for attname, raw in values.items():
                    if not raw:
                        continue
                    kid = crypto.key_id(raw) if crypto.is_ciphertext(raw) else "clear"
                    usage.setdefault(f"{model._meta.label}.{attname}", Counter())[kid] += 1
    return usage


def rotate(batch: int = BATCH, report=None) -> dict[str, dict[str, int]]:
    """Rewrites every value not under the first key (clear values included); returns counts per column."""
    current = crypto.keyring()[0][0]
    counts: dict[str, dict[str, int]] = {}
    for model, fields in encrypted_columns():
        for chunk in _raw_batches(model, fields, batch):
            with transaction.atomic(using=router.db_for_write(model)):
                for pk, values in chunk:
                    changes = {}
                    for attname, raw in values.items():
                        c = counts.setdefault(
                            f"{model._meta.label}.{attname}", {"rewritten": 0, "current": 0, "empty": 0}
                        )
                        if not raw:
                            c["empty"] += 1
                        elif crypto.is_ciphertext(raw) and crypto.key_id(raw) == current:
                            c["current"] += 1
                        else:
                            clear = crypto.decrypt(raw) if crypto.is_ciphertext(raw) else raw
                            changes[attname] = crypto.encrypt(clear)
                            c["rewritten"] += 1
                    if changes:
                        # update() passes ciphertext through untouched and skips save(): hashes stay as they are.
                        model._base_manager.filter(pk=pk).update(**changes)
            if report:
                report(model._meta.label, chunk[-1][0])
    return counts


class Command(BaseCommand):
    help = "Make a new personal-data key (--new), re-encrypt everything under the first key (--rotate), or report."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--new", action="store_true", help="Print a fresh PII_KEYS entry")
        group.add_argument("--rotate", action="store_true", help="Re-encrypt every value under the first key")
        parser.add_argument("--kid", default="", help="Key id for --new (default k<date>)")
        parser.add_argument("--batch", type=int, default=BATCH, help="Rows per transaction for --rotate")

    def handle(self, *args, **options) -> None:
        if options["new"]:
            kid = options["kid"] or f"k{timezone.now():%Y%m%d}"
            if not kid.isalnum():
                raise CommandError("A key id is letters and digits only.")
            self.stdout.write(f"{kid}:{crypto.new_key()}")
            self.stderr.write(
                "Put this entry FIRST in PII_KEYS (comma-separated, keep the old entries after it), restart, "
                "then run `yiwang pii_keys --rotate`."
            )
            return
        if options["rotate"]:
            current = crypto.keyring()[0][0]
            self.stdout.write(f"Re-encrypting under key {current!r} in batches of {options['batch']}…")
            try:
                counts = rotate(options["batch"])
            except crypto.DecryptionError as exc:
                raise CommandError(f"A stored value cannot be decrypted with the configured keys: {exc}") from exc
            for column, c in sorted(counts.items()):
                self.stdout.write(
                    f"{column}: {c['rewritten']} rewritten, {c['current']} already current, {c['empty']} empty"
                )
            self.stdout.write(f"Done: {sum(c['rewritten'] for c in counts.values())} values rewritten.")
            return
        usage = key_usage()
        ring = [kid for kid, _key in crypto.keyring()]
        self.stdout.write(f"Configured keys (first encrypts): {', '.join(ring)}")
        for column, counter in sorted(usage.items()):
            self.stdout.write(f"{column}: " + ", ".join(f"{k} {n}" for k, n in sorted(counter.items())))
        stale = {k for c in usage.values() for k in c if k != ring[0]}
        if stale:
            self.stdout.write(f"Values under {', '.join(sorted(stale))}: run `yiwang pii_keys --rotate`.")
