"""The load mix for `bench/load/run.py` (locust): citizens, window clerks, reviewers, approvers, department systems.

Configured by environment variables the runner sets: LOAD_CONFIG (the JSON bench/load/prepare.py wrote),
LOAD_HOSTS (the `yiwang serve` processes, comma separated; each simulated person sticks to one, as behind a load
balancer with sticky sessions), LOAD_STEPS (users per step, e.g. "10,25,50,100"), LOAD_STEP_SECONDS and
LOAD_REPORT (where the per-step figures go as JSON). Every user has its own client address (X-Forwarded-For, the
servers run with PROXY_COUNT=1), as real people behind a load balancer would.

- Citizen (most users): searches the catalog, opens a guide, looks at their cases, now and then applies.
- Window clerk: opens the acceptance queue of the whole city and accepts one of the cases.
- Reviewer / approver (蚌埠市市场监督管理局): opens the to-do list, claims a step and completes it.
- Department system: pulls the case feed with its cursor, as its integration would every few seconds.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
import uuid
from collections import defaultdict

from locust import FastHttpUser, LoadTestShape, between, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
HOSTS = os.environ.get("LOAD_HOSTS", "").split(",")
STEPS = [int(x) for x in os.environ.get("LOAD_STEPS", "10,25,50,100").split(",")]
STEP_SECONDS = float(os.environ.get("LOAD_STEP_SECONDS", "60"))
_counter = itertools.count(1)
_lock = threading.Lock()


def _next() -> int:
    with _lock:
        return next(_counter)


class Person(FastHttpUser):
    abstract = True
    wait_time = between(1, 4)

    def on_start(self) -> None:
        n = _next()
        self.n = n
        self.client.base_url = HOSTS[n % len(HOSTS)]
        self.address = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        self.headers = {"X-Forwarded-For": self.address}

    def sign_in(self, identifier: str) -> None:
        r = self.client.get("/api/v1/identity/csrf", headers=self.headers, name="sign-in")
        self.csrf = r.json()["csrf_token"]
        self.headers = {**self.headers, "X-CSRFToken": self.csrf, "Referer": self.client.base_url + "/"}
        with self.client.post(
            "/api/v1/identity/sign-in",
            json={"identifier": identifier, "password": CONFIG["password"]},
            headers=self.headers,
            name="sign-in",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"sign-in {r.status_code} {r.text[:200]}")
        # Signing in rotates the CSRF token (Django does, against session fixation): take the new one.
        r = self.client.get("/api/v1/identity/csrf", headers=self.headers, name="sign-in")
        self.csrf = r.json()["csrf_token"]
        self.headers = {**self.headers, "X-CSRFToken": self.csrf}

    def get(self, path: str, name: str, **kw):
        return self.client.get(path, headers=self.headers, name=name, **kw)

    def post(self, path: str, body: dict, name: str, ok=(200, 201), **headers):
        with self.client.post(
            path, json=body, headers={**self.headers, **headers}, name=name, catch_response=True
        ) as r:
            if r.status_code in ok:
                r.success()
            elif r.status_code in (400, 404, 409):
                # Someone else took the case or step first: an answer, not a failure of the platform.
                r.success()
            else:
                r.failure(f"{r.status_code} {r.text[:200]}")
            return r


class Citizen(Person):
    weight = 80

    def on_start(self) -> None:
        super().on_start()
        self.me = CONFIG["citizens"][self.n % len(CONFIG["citizens"])]
        self.sign_in(self.me["username"])

    @task(6)
    def search(self) -> None:
        q = random.choice(CONFIG["searches"])
        self.get(f"/api/v1/catalog/search?q={q}", name="citizen: search")

    @task(3)
    def guide(self) -> None:
        self.get(f"/items/{random.choice(CONFIG['items'])['item_code']}/", name="citizen: guide page")

    @task(3)
    def my_cases(self) -> None:
        self.get("/api/v1/cases/?mine=true&limit=20", name="citizen: my cases")

    @task(1)
    def my_space(self) -> None:
        self.get("/my/", name="citizen: My Space")

    @task(2)
    def apply(self) -> None:
        item = random.choice(CONFIG["items"])
        body = {"item_code": item["item_code"], "form_data": item["form"]}
        self.post("/api/v1/cases/", body, "citizen: apply", **{"Idempotency-Key": uuid.uuid4().hex})


class Clerk(Person):
    weight = 6

    def on_start(self) -> None:
        super().on_start()
        self.sign_in(CONFIG["clerks"][self.n % len(CONFIG["clerks"])])

    @task
    def accept(self) -> None:
        rows = self.get("/api/v1/cases/?state=submitted&limit=50", name="clerk: acceptance queue").json()
        if rows:
            number = random.choice(rows)["case_number"]
            self.post(f"/api/v1/cases/{number}/accept", {}, "clerk: accept")


class Reviewer(Person):
    weight = 8
    role = "reviewer"
    accounts = "reviewers"

    def on_start(self) -> None:
        super().on_start()
        self.sign_in(CONFIG[self.accounts][self.n % len(CONFIG[self.accounts])])

    @task
    def work(self) -> None:
        steps = self.get(f"/api/v1/cases/queue?role={self.role}&limit=50", name=f"{self.role}: to-do list").json()
        free = [s for s in steps if s["state"] == "active"]
        if not free:
            return
        step = random.choice(free)
        case = self._case_of(step)
        if case is None:
            return
        r = self.post(f"/api/v1/cases/{case}/claim", {"step_id": step["id"]}, f"{self.role}: claim")
        if r.status_code == 200:
            body = {"decision": "pass", "opinion": "同意。", "step_id": step["id"]}
            self.post(f"/api/v1/cases/{case}/complete", body, f"{self.role}: complete")

    def _case_of(self, step: dict) -> str | None:
        return step.get("case_number")


class Approver(Reviewer):
    weight = 4
    role = "approver"
    accounts = "approvers"


class DepartmentSystem(FastHttpUser):
    weight = 2
    wait_time = between(2, 5)

    def on_start(self) -> None:
        n = _next()
        self.client.base_url = HOSTS[n % len(HOSTS)]
        r = self.client.post(
            "/oauth/token/",
            data={"grant_type": "client_credentials", "scope": "cases:read"},
            auth=(CONFIG["client_id"], CONFIG["client_secret"]),
            name="system: token",
        )
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}", "X-Forwarded-For": f"10.250.0.{n % 250}"}
        # Start near the head, like an integration that is up to date.
        self.after = max(0, int(os.environ.get("LOAD_FEED_START", "0")))

    @task
    def pull(self) -> None:
        r = self.client.get(
            f"/api/v1/cases/feed?after={self.after}&limit=100", headers=self.headers, name="system: feed"
        )
        if r.status_code == 200:
            rows = r.json()
            if rows:
                self.after = rows[-1]["id"]


# --- the steps and the report ------------------------------------------------------------------------------------


class Steps(LoadTestShape):
    """Users step up every LOAD_STEP_SECONDS; the report gives each step's figures."""

    def tick(self):
        t = self.get_run_time()
        step = int(t // STEP_SECONDS)
        if step >= len(STEPS):
            return None
        users = STEPS[step]
        return users, max(5, users / 5)


_samples: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
_failures: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_start = [0.0]


@events.test_start.add_listener
def _started(**_kw) -> None:
    _start[0] = time.monotonic()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **_kw) -> None:
    step = int((time.monotonic() - _start[0]) // STEP_SECONDS)
    _samples[step][name].append(response_time)
    if exception is not None:
        _failures[step][name] += 1


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


@events.quitting.add_listener
def _report(**_kw) -> None:
    steps = []
    # The first seconds of a step still carry the previous step's users ramping: a step's figures are its own.
    for step in sorted(_samples):
        if step >= len(STEPS):
            continue
        rows = {}
        everything: list[float] = []
        for name, values in sorted(_samples[step].items()):
            everything += values
            rows[name] = {
                "requests": len(values),
                "per_second": len(values) / STEP_SECONDS,
                "p50": _pct(values, 50),
                "p95": _pct(values, 95),
                "p99": _pct(values, 99),
                "failures": _failures[step][name],
            }
        steps.append(
            {
                "users": STEPS[step],
                "per_second": len(everything) / STEP_SECONDS,
                "p50": _pct(everything, 50),
                "p95": _pct(everything, 95),
                "p99": _pct(everything, 99),
                "requests": rows,
            }
        )
    path = os.environ.get("LOAD_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(steps, fh, ensure_ascii=False, indent=1)
