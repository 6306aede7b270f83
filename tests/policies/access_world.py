"""The policies' records in the authorisation matrix's world (tests/access/conftest.build_world calls `extend`).

The handling organisation H issues a published 免申即享 policy applied for through the world's item; its round for
2026 lists enterprise E, whose grant is approved and waits for E's confirmation.
"""

from __future__ import annotations

from decimal import Decimal

from yiwang.policies import services
from yiwang.policies.models import Grant, GrantRound, GrantState, RoundState

from .helpers import TESTS, policy_data


def extend(w) -> None:
    handling, item, ent = w.rec["handling"], w.rec["item"], w.rec["enterprise"]
    version = services.create_policy(
        handling, policy_data(item=item.item_code, divisions=[], tests=[TESTS[1]]), code="PMATRIX0001"
    )
    version = services.publish(version)
    rnd = GrantRound.objects.create(policy=version.policy, version=version, period="2026", state=RoundState.APPROVED)
    grant = Grant.objects.create(round=rnd, enterprise=ent, amount=Decimal("20000"), state=GrantState.APPROVED)
    w.rec.update(policy=version.policy, policy_round=rnd, policy_grant=grant)
