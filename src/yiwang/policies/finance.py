"""The finance system's connector (财政支付): pays a confirmed grant and answers with a payment reference.

A slot in the core plugin registry (setting POLICIES_FINANCE_PROVIDER, options POLICIES_FINANCE_OPTIONS). The
embedded default, "file", records each payment instruction as one JSON line in a file under var/ (the instruction a
treasury clerk would carry over) and answers with a reference derived from the grant, so paying twice gives the
same reference and writes no second line.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from yiwang.core import plugins


@dataclass(frozen=True)
class Payment:
    grant_id: int
    policy_code: str
    period: str
    credit_code: str
    account_name: str
    bank_name: str
    bank_account: str
    amount: Decimal


class FinanceConnector(plugins.Provider):
    """Interface: pay one grant; return the finance system's payment reference (the same for the same grant)."""

    def pay(self, payment: Payment) -> str:  # pragma: no cover - interface
        raise NotImplementedError


FINANCE: plugins.Slot[FinanceConnector] = plugins.Slot(
    "policies.finance",
    FinanceConnector,
    setting="POLICIES_FINANCE_PROVIDER",
    options_setting="POLICIES_FINANCE_OPTIONS",
    default="file",
    doc="Pays 免申即享 grants through the finance system and returns the payment reference.",
)
_lock = threading.Lock()


@FINANCE.register("file")
class FileFinanceConnector(FinanceConnector):
    """Records each payment instruction in a JSON-lines file (default var/policies/payments.jsonl)."""

    class Options(plugins.Options):
        #: the file the instructions are appended to (relative paths start at the project's var/ directory)
        path: str = "policies/payments.jsonl"

    def _file(self) -> Path:
        p = Path(self.options.path)
        if not p.is_absolute():
            p = Path(settings.VAR_DIR) / p
        return p

    def check(self) -> list[str]:
        parent = self._file().parent
        return [] if parent.exists() or parent.parent.exists() else [f"{parent.parent} does not exist"]

    def pay(self, payment: Payment) -> str:
        digest = hashlib.sha256(f"{payment.grant_id}:{payment.policy_code}:{payment.period}".encode()).hexdigest()
        reference = f"CZ{timezone.localdate():%Y%m%d}{digest[:12].upper()}"
        path = self._file()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "reference": reference,
            "grant": payment.grant_id,
            "policy": payment.policy_code,
            "period": payment.period,
            "credit_code": payment.credit_code,
            "account_name": payment.account_name,
            "bank": payment.bank_name,
            "account_tail": payment.bank_account[-4:],
            "amount": str(payment.amount),
            "at": timezone.now().isoformat(),
        }
        with _lock:
            if path.exists() and any(f'"grant": {payment.grant_id},' in row for row in path.read_text().splitlines()):
                return reference
            with path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        return reference
