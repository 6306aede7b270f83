"""Two clerks press "accept" on the same case at the same moment: exactly one succeeds (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.cases.workbench_world import build, client_for, submit
from tests.factories import staff
from yiwang.cases.models import Case, CaseEvent, State
from yiwang.orgs.models import Role


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptance_only_one_wins():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite in memory has one connection; the row lock race needs PostgreSQL")
    w = build()
    case = submit(w)
    second = staff(w["org"], Role.WINDOW_CLERK, username="clerk2")
    clients = [client_for(w["clerk"]), client_for(second)]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def press(c) -> None:
        try:
            barrier.wait()
            r = c.post(f"/workbench/cases/{case.case_number}/accept/", {"revision": case.revision})
            codes.append(r.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [302, 400]
    assert Case.objects.get(pk=case.pk).state == State.IN_PROGRESS
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
