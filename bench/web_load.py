"""Load generator of the web benchmark: concurrent virtual users against a running ``spsreg serve``.

Run as its own process (so that its CPU is not the server's)::

    python -m bench.web_load --base-url http://127.0.0.1:8000 --accounts accounts.json \
        --users 50 --seconds 60 --warmup 5 --out load.json

``accounts.json`` lists one clinician account per site: ``{"accounts": [{"site": ...,
"username": ..., "password": ..., "token": ..., "patients": [patient ids of that site]}]}``.
Virtual users are spread over the accounts in turn. Each logs in once through the login form (not
timed), then loops over a weighted mix of requests, every request timed from send to
last byte read:

* ``patient page``: ``GET /patients/{id}`` (HTML, session cookie), 30 %;
* ``timeline API``: ``GET /api/v1/patients/{id}/timeline`` (bearer token), 30 %;
* ``worklist API``: ``GET /api/v1/worklist`` (bearer token), 20 %;
* ``diary write``: ``PUT /api/v1/patients/{id}/diary/{date}`` (bearer token), 20 %, on a day
  between ``--diary-from`` and ``--diary-to`` (after the generated cohort's last day, so writes
  rarely meet an existing entry); 201 or 200 is success, 409 a conflict (counted apart).

Between two requests each user pauses like a clinician reading a page before the next click
(locust's ``between``): uniformly from half to one and a half times ``--think-ms`` (default 1000:
0.5-1.5 s, mean 1 s), drawn from the user's seeded random stream. ``--think-ms 0`` removes the
pause (the closed-loop saturation scenario: the server's capacity). Requests started during the
first ``--warmup`` seconds are not counted. The result (JSON) gives,
per endpoint, requests, requests per second, p50/p95/p99/max latency in milliseconds, errors
(unexpected status, timeouts, connection errors; a few samples of each) and conflicts, and the
load generator's own CPU time (if it nears the wall time, the client, not the server, was the
limit).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "ENDPOINTS",
    "THINK_SPREAD",
    "Account",
    "EndpointStats",
    "main",
    "percentile",
    "run_load",
    "think_pause",
]

ENDPOINTS: tuple[tuple[str, float], ...] = (
    ("patient page", 0.30),
    ("timeline API", 0.30),
    ("worklist API", 0.20),
    ("diary write", 0.20),
)
EXPECTED_STATUS = {
    "patient page": {200},
    "timeline API": {200},
    "worklist API": {200},
    "diary write": {200, 201},
}
CONFLICT_STATUS = 409
INPUT_TAG = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
CSRF_NAME = re.compile(r"name=[\"']csrf_token[\"']")
VALUE_ATTRIBUTE = re.compile(r"value=[\"']([^\"']*)[\"']")
MAX_ERROR_SAMPLES = 5
LOGIN_ATTEMPTS = 5
LOGIN_RETRY_SECONDS = 1.0
DEFAULT_THINK_MS = 1000.0
THINK_SPREAD = 0.5
"""A pause is uniform within the mean think time plus or minus this share of it."""


@dataclass(frozen=True)
class Account:
    site: str
    username: str
    password: str
    token: str
    patients: tuple[str, ...]


@dataclass
class EndpointStats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0

    def summary(self, seconds: float) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)
        requests = len(ordered)
        return {
            "requests": requests,
            "requests_per_second": requests / seconds,
            "p50_ms": percentile(ordered, 50),
            "p95_ms": percentile(ordered, 95),
            "p99_ms": percentile(ordered, 99),
            "max_ms": ordered[-1] if ordered else None,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors.most_common(MAX_ERROR_SAMPLES)),
            "conflicts": self.conflicts,
        }


def percentile(ordered: list[float], rank: float) -> float | None:
    """The nearest-rank percentile of sorted values (None when there are none)."""
    if not ordered:
        return None
    index = max(0, math.ceil(rank / 100 * len(ordered)) - 1)
    return ordered[index]


def csrf_token_of(page: str) -> str:
    """The hidden ``csrf_token`` input of the login form."""
    for tag in INPUT_TAG.findall(page):
        value = VALUE_ATTRIBUTE.search(tag)
        if CSRF_NAME.search(tag) and value:
            return value.group(1)
    raise RuntimeError("the login page has no csrf_token input")


async def log_in(client: httpx.AsyncClient, account: Account) -> None:
    form = await client.get("/login")
    if form.status_code != 200:
        raise RuntimeError(f"GET /login answered {form.status_code}")
    answer = await client.post(
        "/login",
        data={
            "username": account.username,
            "password": account.password,
            "csrf_token": csrf_token_of(form.text),
        },
    )
    if answer.status_code != 303 or "spsreg_session" not in client.cookies:
        raise RuntimeError(
            f"login of {account.username} answered {answer.status_code} "
            f"without a session cookie: {answer.text[:200]}"
        )


async def log_in_patiently(client: httpx.AsyncClient, account: Account) -> None:
    """Log in, again after a dropped connection: with hundreds of users logging in at once, the
    server may close a kept-alive connection before the form is posted (logins are not timed)."""
    for attempt in range(1, LOGIN_ATTEMPTS + 1):
        try:
            await log_in(client, account)
            return
        except httpx.TransportError:
            if attempt == LOGIN_ATTEMPTS:
                raise
            await asyncio.sleep(LOGIN_RETRY_SECONDS * attempt)


@dataclass(frozen=True)
class LoadPlan:
    base_url: str
    users: int
    seconds: float
    warmup: float
    diary_days: tuple[date, ...]
    seed: int
    timeout: float
    think_seconds: float


def think_pause(chooser: random.Random, plan: LoadPlan) -> float:
    """Seconds a user pauses before the next request: uniform in mean x (1 +- THINK_SPREAD)."""
    if plan.think_seconds <= 0:
        return 0.0
    low = plan.think_seconds * (1 - THINK_SPREAD)
    high = plan.think_seconds * (1 + THINK_SPREAD)
    return chooser.uniform(low, high)


def diary_body(chooser: random.Random) -> dict[str, int]:
    return {
        "stiffness": chooser.randint(0, 10),
        "spasm_count": chooser.randint(0, 20),
        "falls": 0,
        "sedation": chooser.randint(0, 10),
    }


def request_for(
    endpoint: str, account: Account, chooser: random.Random, plan: LoadPlan
) -> tuple[str, str, dict[str, Any]]:
    """Method, path and httpx keyword arguments of one request to ``endpoint``."""
    bearer = {"Authorization": f"Bearer {account.token}"}
    patient = chooser.choice(account.patients)
    if endpoint == "patient page":
        return "GET", f"/patients/{patient}", {}
    if endpoint == "timeline API":
        return "GET", f"/api/v1/patients/{patient}/timeline", {"headers": bearer}
    if endpoint == "worklist API":
        return "GET", "/api/v1/worklist", {"headers": bearer}
    day = chooser.choice(plan.diary_days).isoformat()
    return (
        "PUT",
        f"/api/v1/patients/{patient}/diary/{day}",
        {"headers": bearer, "json": diary_body(chooser)},
    )


async def virtual_user(
    number: int,
    account: Account,
    plan: LoadPlan,
    stats: dict[str, EndpointStats],
    window: tuple[float, float],
    logged_in: asyncio.Barrier,
) -> None:
    chooser = random.Random(plan.seed * 1000 + number)
    names = [name for name, _ in ENDPOINTS]
    weights = [weight for _, weight in ENDPOINTS]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(
        base_url=plan.base_url, timeout=plan.timeout, limits=limits, follow_redirects=False
    ) as client:
        await log_in_patiently(client, account)
        await logged_in.wait()
        start, end = window[0] + time.perf_counter(), window[1] + time.perf_counter()
        while (began := time.perf_counter()) < end:
            endpoint = chooser.choices(names, weights)[0]
            method, path, options = request_for(endpoint, account, chooser, plan)
            outcome: str | None = None
            status = 0
            try:
                response = await client.request(method, path, **options)
                await response.aread()
                status = response.status_code
            except httpx.TimeoutException:
                outcome = "timeout"
            except httpx.HTTPError as error:
                outcome = f"{type(error).__name__}"
            elapsed_ms = (time.perf_counter() - began) * 1000
            pause = think_pause(chooser, plan)
            if began < start:
                if pause:
                    await asyncio.sleep(pause)
                continue
            counted = stats[endpoint]
            if outcome is None and status == CONFLICT_STATUS and endpoint == "diary write":
                counted.conflicts += 1
            elif outcome is None and status not in EXPECTED_STATUS[endpoint]:
                outcome = f"HTTP {status}"
            if outcome is not None:
                counted.errors[outcome] += 1
            counted.latencies_ms.append(elapsed_ms)
            if pause:
                await asyncio.sleep(pause)


async def run_load(plan: LoadPlan, accounts: list[Account]) -> dict[str, Any]:
    """Run the plan and return the result document."""
    stats = {name: EndpointStats() for name, _ in ENDPOINTS}
    logged_in = asyncio.Barrier(plan.users)
    window = (plan.warmup, plan.warmup + plan.seconds)
    cpu_before = os.times()
    await asyncio.gather(
        *(
            virtual_user(n, accounts[n % len(accounts)], plan, stats, window, logged_in)
            for n in range(plan.users)
        )
    )
    cpu_after = os.times()
    endpoints = {name: stats[name].summary(plan.seconds) for name, _ in ENDPOINTS}
    every = EndpointStats(
        latencies_ms=[ms for s in stats.values() for ms in s.latencies_ms],
        errors=sum((s.errors for s in stats.values()), Counter()),
        conflicts=sum(s.conflicts for s in stats.values()),
    )
    return {
        "kind": "spsreg-web-load",
        "users": plan.users,
        "seconds": plan.seconds,
        "warmup_seconds": plan.warmup,
        "think_seconds": plan.think_seconds,
        "sites": [account.site for account in accounts],
        "endpoints": endpoints,
        "all": every.summary(plan.seconds),
        "client_cpu_seconds": (cpu_after.user - cpu_before.user)
        + (cpu_after.system - cpu_before.system),
    }


def read_accounts(path: Path) -> list[Account]:
    document = json.loads(path.read_text(encoding="utf-8"))
    accounts = [
        Account(
            site=item["site"],
            username=item["username"],
            password=item["password"],
            token=item["token"],
            patients=tuple(item["patients"]),
        )
        for item in document["accounts"]
    ]
    if not accounts or any(not account.patients for account in accounts):
        raise SystemExit(f"{path}: every account needs at least one patient")
    return accounts


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.web_load", description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--accounts", type=Path, required=True, help="accounts JSON file")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured duration")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds not counted")
    parser.add_argument("--diary-from", type=date.fromisoformat, default=date(2026, 11, 1))
    parser.add_argument("--diary-to", type=date.fromisoformat, default=date(2026, 11, 20))
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=DEFAULT_THINK_MS,
        help="mean pause of a user between requests, uniform from half to 1.5 times it "
        "(default 1000: 0.5-1.5 s); 0: no pause (saturation)",
    )
    parser.add_argument("--out", type=Path, help="write the result here (default stdout)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    span = (arguments.diary_to - arguments.diary_from).days
    if span < 0:
        raise SystemExit("--diary-to is before --diary-from")
    plan = LoadPlan(
        base_url=arguments.base_url,
        users=arguments.users,
        seconds=arguments.seconds,
        warmup=arguments.warmup,
        diary_days=tuple(arguments.diary_from + timedelta(days=d) for d in range(span + 1)),
        seed=arguments.seed,
        timeout=arguments.timeout,
        think_seconds=arguments.think_ms / 1000,
    )
    result = asyncio.run(run_load(plan, read_accounts(arguments.accounts)))
    text = json.dumps(result, indent=2) + "\n"
    if arguments.out is None:
        sys.stdout.write(text)
    else:
        arguments.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
