"""Admin pages on a large database against the same pages on a small one.

    DATABASE_URL=mysql://root@127.0.0.1:3306/ticketing python bench/admin.py [--tickets N]

Two scratch databases (dropped afterwards), with docker-compose's buffer pool (or
--buffer-pool) for the run: a small one of 1,000 tickets over 1,000 orders and 100 customers
(enough to fill each list's first page, and nearly the orders of the last 30 days) and a large
one of `--tickets` (default 1,000,000) with a hundredth as many orders and a thousandth as
many customers. A token rotation on each leaves revoked tokens and a completed job. Django's
test client, logged in as a superuser, gets each page: the dashboard; each list first,
searched, filtered, sorted and deep in its pages; each change page. It runs in a process per
database and round (`--rounds`, the databases taking turns); each page gets 2 warm-up
requests per round, and `--requests` are timed per database in all. Printed per page: the
median ms on each database, their ratio (target: at most 1.5, "OVER TARGET" otherwise) and
the SQL queries of one request on each (one more on the large database where a count is
estimated: an EXPLAIN). A page that fails (an exception, a redirect, any status but 200) is
reported and makes the exit status 1; a ratio over the target does not. `--tickets 2000` is
a smoke run of a minute or two.
"""

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from _common import (
    buffer_pool,
    manage,
    pool_size,
    scratch_database,
    scratch_env,
    setup_django,
    spawn,
    whole_number,
)

# The child process that gets the pages runs this script with --measure, its DATABASE_URL
# naming one scratch database; the parent reaches only the server.
MEASURING = "--measure" in sys.argv
setup_django(server_only=not MEASURING)

from django.contrib import admin  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Min, Model, QuerySet  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from order.models import Order  # noqa: E402
from ticket.models import Ticket  # noqa: E402
from user.models import User  # noqa: E402
from utils.models import Job  # noqa: E402

SMALL_TICKETS = 1_000
TARGET = 1.5
WARM_UP = 2
USERNAME = "bench-admin"

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page:
    name: str  # the same on both databases: rows of the table pair up by it
    path: str
    note: str = ""


@dataclass(frozen=True)
class Result:
    name: str
    path: str
    note: str
    ms: list[float]  # each timed request
    queries: int | None = None
    rows: int | None = None  # on a list page
    error: str | None = None


@dataclass(frozen=True)
class Database:
    suffix: str
    tickets: int
    orders: int
    customers: int


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--tickets", type=whole_number(), default=1_000_000, help="on the large database"
    )
    parser.add_argument(
        "--requests", type=whole_number(), default=20, help="timed per page and database"
    )
    parser.add_argument(
        "--rounds", type=whole_number(), default=4, help="processes per database, taking turns"
    )
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=60,
        help="stop timing a page on a database after about this long",
    )
    parser.add_argument(
        "--buffer-pool",
        type=pool_size,
        help="InnoDB buffer pool for the run, e.g. 4G (default: docker-compose's)",
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        results = measure(args.requests, args.page_seconds)
        print(json.dumps([asdict(result) for result in results]))
        return
    databases = (
        Database("admin_small", SMALL_TICKETS, orders=SMALL_TICKETS, customers=100),
        Database(
            "admin_large",
            args.tickets,
            orders=max(1, args.tickets // 100),
            customers=max(1, args.tickets // 1000),
        ),
    )
    rounds = max(1, min(args.rounds, args.requests))
    per_round = math.ceil(args.requests / rounds)
    runs: dict[Database, list[list[Result]]] = {database: [] for database in databases}
    with (
        buffer_pool(args.buffer_pool) as pool,
        scratch_database(databases[0].suffix) as small,
        scratch_database(databases[1].suffix) as large,
    ):
        # scratch_env gives each database cache keys of its own: job ids and the like repeat
        # from one database to the other.
        envs = {
            database: scratch_env(name)
            for database, name in zip(databases, (small, large), strict=True)
        }
        # Pages name the collected, hashed static files.
        manage("collectstatic", "--noinput", "--verbosity=0", env=envs[databases[0]])
        for database, env in envs.items():
            seed(database, env)
        # The databases take turns, so that a busy moment of the machine weighs on both.
        for turn in range(rounds):
            for database, env in envs.items():
                print(
                    f"\nRound {turn + 1}/{rounds}: admin pages on {database.tickets:,} tickets",
                    file=sys.stderr,
                    flush=True,
                )
                runs[database].append(timings(env, per_round, args.page_seconds / rounds))
    small_results, large_results = (merged(runs[database]) for database in databases)
    failed = report(databases, small_results, large_results, rounds * per_round, pool)
    sys.exit(1 if failed else 0)


def seed(database: Database, env: dict[str, str]) -> None:
    """The database's customers, orders and tickets, then a token rotation (revoked tokens, a
    completed job)."""
    manage("seed_users", f"--count={database.customers}", "--seed=7", env=env)
    manage("seed_orders", f"--count={database.orders}", "--seed=7", env=env)
    manage("seed_tickets", f"--count={database.tickets}", "--seed=7", env=env)
    manage("regenerate_tokens", env=env)


def timings(env: dict[str, str], requests: int, page_seconds: float) -> list[Result]:
    """The pages timed by a child process in the database of `env`."""
    command = [sys.executable, __file__, "--measure", f"--requests={requests}"]
    command.append(f"--page-seconds={page_seconds}")
    child = spawn(command, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
    output, _ = child.communicate()
    if child.returncode != 0 or not output.strip():
        sys.exit(f"the pages could not be timed in {env['DATABASE_URL']} (see above)")
    rows: list[dict[str, Any]] = json.loads(output.strip().splitlines()[-1])
    return [Result(**row) for row in rows]


def merged(rounds: list[list[Result]]) -> list[Result]:
    """Each page's timings over all rounds; its first error, if any."""
    pages = []
    for results in zip(*rounds, strict=True):
        first = results[0]
        error = next((result.error for result in results if result.error), None)
        times = [ms for result in results for ms in result.ms]
        pages.append(
            Result(first.name, first.path, first.note, times, first.queries, first.rows, error)
        )
    return pages


# The child process, in one scratch database.


def measure(requests: int, page_seconds: float) -> list[Result]:
    user = User.objects.filter(username=USERNAME).first() or User.objects.create_superuser(
        USERNAME, f"{USERNAME}@example.invalid", None
    )
    client = Client(HTTP_HOST="127.0.0.1")
    # Django's own backend: django-axes' comes first in the settings and loads no user.
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    results = []
    for page in pages():
        print(f"  {page.name:<34} {page.path}", file=sys.stderr, flush=True)
        results.append(timed(client, page, requests, page_seconds))
    return results


def pages() -> list[Page]:
    """The pages to time, on rows picked from this database's data."""
    customer = middle(User.objects.filter(is_staff=False))
    order = middle(Order.objects.all())
    ticket = middle(Ticket.objects.all())
    job = Job.objects.filter(kind="regenerate_tokens").order_by("-pk").first()
    if customer is None or order is None or ticket is None or job is None:
        raise SystemExit("no customer, order, ticket or rotation job to show")
    users, orders, tickets, jobs = (
        "/admin/user/user/",
        "/admin/order/order/",
        "/admin/ticket/ticket/",
        "/admin/utils/job/",
    )
    return [
        Page("dashboard", "/admin/"),
        Page("customers: list", users),
        searched("customers: search email", users, customer.email),
        searched("customers: search prefix", users, f"{customer.email[:5]}*"),
        Page("customers: sorted by email", f"{users}?o=1"),
        deep_page("customers: page 10", User, users, 10),
        Page(
            "customers: change",
            f"{users}{customer.pk}/change/",
            f"{customer.orders.count()} orders",
        ),
        Page("orders: list", orders),
        searched("orders: search id", orders, str(order.pk)),
        searched("orders: search email", orders, order.customer.email),
        Page("orders: filter created 30d", f"{orders}?created=30d"),
        Page("orders: sorted by id", f"{orders}?o=-1"),
        deep_page("orders: page 100", Order, orders, 100),
        Page("orders: change", f"{orders}{order.pk}/change/", f"{order.tickets.count()} tickets"),
        Page("tickets: list", tickets),
        searched("tickets: search barcode", tickets, ticket.barcode),
        Page("tickets: filter sold", f"{tickets}?sold=yes"),
        Page("tickets: filter unsold", f"{tickets}?sold=no"),
        Page("tickets: sorted by barcode", f"{tickets}?o=2"),
        deep_page("tickets: page 500", Ticket, tickets, 500),
        Page("tickets: change", f"{tickets}{ticket.pk}/change/"),
        Page("jobs: list", jobs),
        Page("jobs: filter completed", f"{jobs}?status__exact=completed"),
        Page("jobs: change", f"{jobs}{job.pk}/change/"),
    ]


def middle(queryset: QuerySet[M]) -> M | None:
    """The row at the middle of the primary key's range, found with two index probes."""
    bounds = queryset.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return None
    return queryset.filter(pk__gte=(bounds["lo"] + bounds["hi"]) // 2).order_by("pk").first()


def searched(name: str, path: str, query: str) -> Page:
    return Page(name, f"{path}?{urlencode({'q': query})}")


def deep_page(name: str, model: type[Model], path: str, number: int) -> Page:
    """Page `number` of the unfiltered list (?p= counts from 1), or its last full one (as many
    rows as elsewhere) if it has fewer."""
    per_page = admin.site.get_model_admin(model).list_per_page
    last = max(1, model._default_manager.count() // per_page)
    if last >= number:
        return Page(name, f"{path}?p={number}")
    return Page(name, f"{path}?p={last}", f"{last} full page(s): the last")


def timed(client: Client, page: Page, requests: int, page_seconds: float) -> Result:
    """The page's time in ms for `requests` requests (fewer past `page_seconds`) after the
    warm-up, and the SQL queries of one more; or what went wrong."""
    try:
        for _ in range(WARM_UP):
            get(client, page.path)
        times: list[float] = []
        started = time.perf_counter()
        while not times or (len(times) < requests and time.perf_counter() - started < page_seconds):
            before = time.perf_counter()
            get(client, page.path)
            times.append((time.perf_counter() - before) * 1000)
        with CaptureQueriesContext(connection) as queries:
            html = get(client, page.path)
    except Exception as error:
        traceback.print_exc()
        message = next(iter(str(error).strip().splitlines()), "")
        return Result(
            page.name, page.path, page.note, [], error=f"{type(error).__name__}: {message}"
        )
    table = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', html, re.DOTALL)
    rows = table.group(1).count("<tr") if table else None
    return Result(page.name, page.path, page.note, times, len(queries), rows)


def get(client: Client, path: str) -> str:
    response = client.get(path)
    if response.status_code in (301, 302):
        raise PageError(f"{response.status_code} redirect to {response['Location']}")
    if response.status_code != 200:
        raise PageError(f"status {response.status_code}")
    return response.content.decode()


class PageError(Exception):
    pass


# The parent's table.


def report(
    databases: tuple[Database, Database],
    small: list[Result],
    large: list[Result],
    requests: int,
    pool: int,
) -> bool:
    """Print the table; return whether any page failed."""
    sizes = tuple(database.tickets for database in databases)
    small_size, large_size = (
        f"{d.tickets:,} tickets ({d.orders:,} orders, {d.customers:,} customers)" for d in databases
    )
    print(f"\nAdmin pages: {small_size} against {large_size}")
    print(f"  median of {requests} requests per page, buffer pool {pool >> 20} MiB")
    heads = [f"{tickets:,} t ms" for tickets in sizes]
    print(f"  {'page':<26} {heads[0]:>12} {heads[1]:>14} {'ratio':>6}  {'queries':>9}  path")
    worst: tuple[float, str] | None = None
    failures: list[tuple[int, Result]] = []
    for little, big in zip(small, large, strict=True):
        pair = tuple(zip(sizes, (little, big), strict=True))
        failures += [(tickets, result) for tickets, result in pair if result.error]
        ratio = None
        if little.ms and big.ms and not (little.error or big.error):
            ratio = statistics.median(big.ms) / statistics.median(little.ms)
            if worst is None or ratio > worst[0]:
                worst = (ratio, big.name)
        marks = []
        if ratio is not None and ratio > TARGET:
            marks.append("OVER TARGET")
        if None not in (little.queries, big.queries) and little.queries != big.queries:
            marks.append("QUERIES DIFFER")
        if None not in (little.rows, big.rows) and little.rows != big.rows:
            marks.append(f"rows listed {little.rows}/{big.rows}")
        for tickets, result in pair:
            if result.note:
                marks.append(f"{tickets:,}: {result.note}")
            if result.ms and len(result.ms) < requests:
                marks.append(f"{tickets:,}: {len(result.ms)} requests (--page-seconds)")
        queries = f"{_count(little.queries)}/{_count(big.queries)}"
        path = big.path if little.path == big.path else f"{little.path} | {big.path}"
        print(
            f"  {big.name:<26} {_ms(little):>12} {_ms(big):>14}"
            f" {'' if ratio is None else f'{ratio:.2f}':>6}  {queries:>9}  {path}"
            + "".join(f"  [{mark}]" for mark in marks)
        )
    if worst is not None:
        verdict = "meets" if worst[0] <= TARGET else "OVER TARGET: misses"
        print(f"  worst ratio: {worst[0]:.2f} ({worst[1]}), {verdict} the {TARGET} target")
    for tickets, result in failures:
        print(f"  FAILED on {tickets:,} tickets: {result.name}, GET {result.path}: {result.error}")
    return bool(failures)


def _ms(result: Result) -> str:
    return "FAILED" if result.error else f"{statistics.median(result.ms):.1f}"


def _count(queries: int | None) -> str:
    return "-" if queries is None else str(queries)


if __name__ == "__main__":
    main()
