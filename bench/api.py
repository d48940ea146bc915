"""The API under load on the production server, against its floor.

    DATABASE_URL=mysql://root@127.0.0.1:3306/ticketing python bench/api.py [--tickets N]

A scratch database (dropped afterwards) of `--tickets` (default 1,000,000) with a hundredth
as many orders and a thousandth as many customers, with docker-compose's buffer pool (or
--buffer-pool) for the run, a scanner key and a staff key. granian serves it as `make serve`
does (2 workers, 4 blocking threads) on 127.0.0.1, with a Redis of its own (a redis-server
on a free port, so that it can be frozen). wrk (apt), in its own process, loads it with 8
connections for `--seconds` per endpoint and round, the endpoints taking turns over
`--rounds`:

- the floor, `GET /api/whoami` with the scanner key: the authentication and nothing else;
- `POST /api/tickets/check` with valid tokens of sold tickets, taken in turn;
- `POST /api/tickets/redeem`, each request a ticket not yet redeemed (while `--token-count`
  lasts; then `already_redeemed`), each with a nonce of its own.

Printed per endpoint: the median requests/s, p50 and p99 of the rounds; the rate and p99 over
the floor's, each the median of the rounds' own ratios (a round's endpoints run back to back,
so a busy moment of this shared machine weighs on both sides of a ratio); and the targets:
check at least 0.70x the floor's rate with at most 2x its p99, redeem at least 0.50x. Then `GET
/api/stats` with the staff key, `--stats-requests` times cached and as often uncached (the data
generation bumped before each), medians and their ratio (target: at least 50). Then Redis
frozen (SIGSTOP): check under wrk again (target: p99 at most the socket timeout, 0.25 s, plus
50 ms), and /healthz to show the freeze took.

An error (any answer but 2xx, a socket error, a redemption neither `ok` nor
`already_redeemed`) is reported with the server's log and makes the exit status 1; a missed
target does not. `--tickets 2000 --seconds 1 --rounds 1` is a smoke run of about a minute.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _common import (
    ROOT,
    buffer_pool,
    manage,
    pool_size,
    scratch_database,
    scratch_env,
    scratch_folder,
    setup_django,
    spawn,
    whole_number,
)

setup_django(server_only=True)

from django.db import connection  # noqa: E402

from ticket.models import Ticket  # noqa: E402
from utils.models import CacheGeneration  # noqa: E402

HOST = "127.0.0.1"
THREADS, CONNECTIONS = 2, 8
GRANIAN = [
    "granian",
    "--interface=wsgi",
    "--workers=2",
    "--blocking-threads=4",
    f"--host={HOST}",
]
FLOOR, CHECK, REDEEM = "GET /api/whoami", "POST /api/tickets/check", "POST /api/tickets/redeem"
CHECK_RATE, CHECK_P99, REDEEM_RATE = 0.70, 2.0, 0.50  # over the floor's
STATS_RATIO = 50
FROZEN_P99_MS = 250 + 50  # the cache's socket timeout, plus 50 ms


class BenchError(Exception):
    """A failure of the run (not a missed target): reported with the server's log."""


@dataclass(frozen=True)
class Load:
    rate: float  # requests/s
    p50: float  # ms
    p99: float  # ms
    output: str  # wrk's


@dataclass(frozen=True)
class Server:
    port: int
    log: Path
    redis: subprocess.Popen[bytes]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=whole_number(), default=1_000_000)
    parser.add_argument("--seconds", type=whole_number(), default=5, help="per endpoint and round")
    parser.add_argument("--rounds", type=whole_number(), default=5)
    parser.add_argument(
        "--token-count", type=whole_number(), default=50_000, help="tokens of sold tickets for wrk"
    )
    parser.add_argument(
        "--stats-requests", type=whole_number(), default=20, help="cached, and uncached"
    )
    parser.add_argument(
        "--buffer-pool",
        type=pool_size,
        help="InnoDB buffer pool for the run, e.g. 4G (default: docker-compose's)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("redis-server") is None:
        sys.exit("wrk and redis-server are needed: apt-get install wrk redis-server")
    with (
        buffer_pool(args.buffer_pool) as pool,
        scratch_database("api") as name,
        scratch_folder(name) as scratch,
    ):
        env = scratch_env(name)
        seed(args.tickets, env)
        scanner, staff = (
            api_key("bench scanner", "scanner", env),
            api_key("bench staff", "staff", env),
        )
        tokens = scratch / "tokens.txt"
        args.token_count = tokens_dump(name, tokens, args.token_count)
        print(f"\nBuffer pool {pool >> 20:,} MiB; {args.tickets:,} tickets", file=sys.stderr)
        with serving(env, scratch) as server:
            try:
                run(args, name, server, scratch, tokens, scanner, staff)
            except BenchError as error:
                log = server.log.read_text(errors="replace")
                print(f"\nFAILED: {error}\n\nServer log (last 60 lines):", file=sys.stderr)
                print("\n".join(log.splitlines()[-60:]), file=sys.stderr)
                sys.exit(1)


def seed(tickets: int, env: dict[str, str]) -> None:
    manage("seed_users", f"--count={max(1, tickets // 1000)}", "--seed=7", env=env)
    manage("seed_orders", f"--count={max(1, tickets // 100)}", "--seed=7", env=env)
    manage("seed_tickets", f"--count={tickets}", "--seed=7", env=env)


def api_key(name: str, role: str, env: dict[str, str]) -> str:
    """A new key, as create_api_key prints it."""
    command = [sys.executable, str(ROOT / "manage.py"), "create_api_key", name, f"--role={role}"]
    created = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if created.returncode != 0 or not created.stdout.strip():
        sys.exit(f"create_api_key failed:\n{created.stderr}")
    return created.stdout.strip().splitlines()[-1]


def tokens_dump(name: str, path: Path, count: int) -> int:
    """Up to `count` tokens of sold tickets, picked at random, one a line (36 characters)."""
    table, column = Ticket._meta.db_table, Ticket._meta.get_field("token").column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT `{column}` FROM `{name}`.`{table}` WHERE order_id IS NOT NULL"
            f" ORDER BY RAND() LIMIT {int(count)}"
        )
        rows = cursor.fetchall()
    if not rows:
        sys.exit("no sold tickets to check")
    path.write_text("".join(f"{uuid.UUID(str(value))}\n" for (value,) in rows))
    return len(rows)


def run(
    args: argparse.Namespace,
    name: str,
    server: Server,
    scratch: Path,
    tokens: Path,
    scanner: str,
    staff: str,
) -> None:
    floor = lua_script(scratch / "floor.lua", "GET", scanner)
    check = lua_script(scratch / "check.lua", "POST", scanner, tokens=tokens)
    redeem = lua_script(scratch / "redeem.lua", "POST", scanner, tokens=tokens, redeem=True)
    # Warm-up: connections, imports, the buffer pool's first pages.
    load(server, "/api/whoami", floor, 1)
    load(server, "/api/tickets/check", check, 1)
    runs: dict[str, list[Load]] = {FLOOR: [], CHECK: [], REDEEM: []}
    redeemed: dict[str, int] = {"ok": 0, "already": 0, "other": 0}
    start = 0
    # The endpoints take turns, so that a busy moment of the machine weighs on each.
    for turn in range(args.rounds):
        print(f"Round {turn + 1}/{args.rounds}", file=sys.stderr, flush=True)
        runs[FLOOR].append(load(server, "/api/whoami", floor, args.seconds))
        runs[CHECK].append(load(server, "/api/tickets/check", check, args.seconds))
        result = load(server, "/api/tickets/redeem", redeem, args.seconds, start=start)
        runs[REDEEM].append(result)
        start = redeem_counts(result.output, redeemed)
    if redeemed["other"]:
        raise BenchError(f"{redeemed['other']} redemptions answered neither ok nor already")
    medians = {endpoint: median(loads) for endpoint, loads in runs.items()}
    ratios = {endpoint: over_floor(loads, runs[FLOOR]) for endpoint, loads in runs.items()}
    cached, uncached = stats_timings(server, name, staff, args.stats_requests)
    frozen, healthz = frozen_check(server, check, args.seconds)
    report(args, medians, ratios, redeemed, cached, uncached, frozen, healthz)


def lua_script(
    path: Path, method: str, key: str, *, tokens: Path | None = None, redeem: bool = False
) -> Path:
    """wrk's script: the key on each request; with `tokens`, a JSON body of the next token
    (thread t of n taking tokens t, t + n, ...); for a redemption, a nonce of its own, and the
    answers counted."""
    lines = [
        f'wrk.method = "{method}"',
        f'wrk.headers["Authorization"] = "Bearer {key}"',
        'wrk.headers["Content-Type"] = "application/json"',
        "threads, next_id = {}, 0",
        "function setup(thread)",
        "  thread:set('id', next_id)",
        "  next_id = next_id + 1",
        "  table.insert(threads, thread)",
        "end",
    ]
    if tokens is not None:
        lines += [
            "tokens = {}",
            f'for line in io.lines("{tokens}") do tokens[#tokens + 1] = line end',
            "start, sent, ok, already, other = 0, 0, 0, 0, 0",
            "function init(args) if args[1] then start = tonumber(args[1]) end end",
            "function request()",
            f"  local index = start + id + {THREADS} * sent",
            "  sent = sent + 1",
            "  local token = tokens[index % #tokens + 1]",
        ]
        if redeem:
            lines += [
                "  local body = string.format("
                '\'{"token": "%s", "nonce": "bench-%d"}\', token, index)',
            ]
        else:
            lines += ['  local body = string.format(\'{"token": "%s"}\', token)']
        lines += ["  return wrk.format(nil, nil, nil, body)", "end"]
    if redeem:
        lines += [
            "function response(status, headers, body)",
            '  if body:find(\'"status":%s*"ok"\') then ok = ok + 1',
            "  elseif body:find('already_redeemed') then already = already + 1",
            "  else other = other + 1 end",
            "end",
            "function done(summary, latency, requests)",
            "  local counts, next_index = {0, 0, 0}, 0",
            "  for _, thread in ipairs(threads) do",
            "    counts[1] = counts[1] + thread:get('ok')",
            "    counts[2] = counts[2] + thread:get('already')",
            "    counts[3] = counts[3] + thread:get('other')",
            "    local last = thread:get('start') + thread:get('id')"
            f" + {THREADS} * thread:get('sent')",
            "    if last > next_index then next_index = last end",
            "  end",
            '  io.write(string.format("redeemed ok=%d already=%d other=%d next=%d\\n",',
            "    counts[1], counts[2], counts[3], next_index))",
            "end",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def load(server: Server, path: str, script: Path, seconds: int, *, start: int = 0) -> Load:
    """`path` under wrk: its rate and latencies; any error answer or socket error fails."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    command += ["-s", str(script), f"http://{HOST}:{server.port}{path}", "--", str(start)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if errors is not None:
        raise BenchError(f"{path} answered {errors.group(1)} errors under load:\n{output}")
    sockets = re.search(r"Socket errors:.*", output)
    if sockets is not None:
        raise BenchError(f"{path}: {sockets.group(0)} under load:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50, p99 = (re.search(rf"\b{share}%\s+([\d.]+)(us|ms|s)\b", output) for share in (50, 99))
    if rate is None or p50 is None or p99 is None:
        raise BenchError(f"wrk printed no rate or latency:\n{output}")
    return Load(float(rate.group(1)), _ms(p50), _ms(p99), output)


def _ms(found: re.Match[str]) -> float:
    return float(found.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[found.group(2)]


def redeem_counts(output: str, totals: dict[str, int]) -> int:
    """Add a redemption run's answers to `totals`; return the index of the next fresh token."""
    found = re.search(r"redeemed ok=(\d+) already=(\d+) other=(\d+) next=(\d+)", output)
    if found is None:
        raise BenchError(f"the redemption script printed no counts:\n{output}")
    for name, value in zip(("ok", "already", "other"), found.groups()[:3], strict=True):
        totals[name] += int(value)
    return int(found.group(4))


def median(loads: list[Load]) -> Load:
    """Each figure's median over the rounds."""
    return Load(
        statistics.median(load.rate for load in loads),
        statistics.median(load.p50 for load in loads),
        statistics.median(load.p99 for load in loads),
        "",
    )


def over_floor(loads: list[Load], floors: list[Load]) -> tuple[float, float]:
    """The median over the rounds of each round's rate and p99 over its floor's."""
    pairs = list(zip(loads, floors, strict=True))
    return (
        statistics.median(load.rate / floor.rate for load, floor in pairs),
        statistics.median(load.p99 / floor.p99 for load, floor in pairs),
    )


def stats_timings(server: Server, name: str, staff: str, requests: int) -> tuple[float, float]:
    """The median ms of GET /api/stats, cached (warm) and uncached (the data generation
    bumped before each request, as a write would)."""
    client = http.client.HTTPConnection(HOST, server.port, timeout=120)
    headers = {"Authorization": f"Bearer {staff}"}

    def timed() -> float:
        started = time.perf_counter()
        client.request("GET", "/api/stats", headers=headers)
        response = client.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise BenchError(f"/api/stats answered {response.status}: {body[:500]!r}")
        return elapsed

    try:
        uncached = []
        for _ in range(requests):
            generation_bump(name)
            uncached.append(timed())
        timed()  # the answer of the last generation, now cached
        cached = [timed() for _ in range(requests)]
    finally:
        client.close()
    return statistics.median(cached), statistics.median(uncached)


def generation_bump(name: str) -> None:
    table = CacheGeneration._meta.db_table
    with connection.cursor() as cursor:
        # Shard 0 of the data family (the migration made them): as a write would.
        cursor.execute(
            f"UPDATE `{name}`.`{table}` SET generation = generation + 1"
            " WHERE family = 'data' AND shard = 0"
        )


def frozen_check(server: Server, check: Path, seconds: int) -> tuple[Load, str]:
    """Check under wrk with Redis frozen (SIGSTOP); then /healthz, to show it was."""
    server.redis.send_signal(signal.SIGSTOP)
    try:
        print("Redis frozen", file=sys.stderr, flush=True)
        frozen = load(server, "/api/tickets/check", check, seconds)
        started = time.perf_counter()
        client = http.client.HTTPConnection(HOST, server.port, timeout=30)
        try:
            client.request("GET", "/healthz")
            answer = client.getresponse().read().decode()
        finally:
            client.close()
        redis = json.loads(answer).get("redis", answer)
        healthz = f"redis {redis} in {(time.perf_counter() - started) * 1000:.0f} ms"
    finally:
        server.redis.send_signal(signal.SIGCONT)
    return frozen, healthz


@contextmanager
def serving(env: dict[str, str], scratch: Path) -> Iterator[Server]:
    """A redis-server and granian on free ports, answering, for the duration; the server's
    output goes to a log."""
    redis_port, port = free_port(), free_port()
    redis_command = ["redis-server", "--port", str(redis_port), "--bind", HOST]
    redis = spawn([*redis_command, "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    log = scratch / "server.log"
    server_env = {
        **os.environ,
        **env,
        "REDIS_URL": f"redis://{HOST}:{redis_port}/0",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_PRODUCTION": "0",
    }
    with log.open("wb") as output:
        process = spawn(
            [*GRANIAN, f"--port={port}", "core.wsgi:application"],
            cwd=ROOT,
            env=server_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not (_answers(redis_port) and _answers(port)):
            if process.poll() is not None or redis.poll() is not None:
                sys.exit(f"the server did not start:\n{log.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                sys.exit(f"the server did not start in 30 s:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield Server(port, log, redis)
    finally:
        redis.send_signal(signal.SIGCONT)
        for child in (process, redis):
            child.terminate()
            child.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=1).close()
    except OSError:
        return False
    return True


def report(
    args: argparse.Namespace,
    medians: dict[str, Load],
    ratios: dict[str, tuple[float, float]],
    redeemed: dict[str, int],
    cached: float,
    uncached: float,
    frozen: Load,
    healthz: str,
) -> None:
    targets = {
        FLOOR: "",
        CHECK: _verdicts(
            (ratios[CHECK][0] >= CHECK_RATE, f"rate >= {CHECK_RATE:.2f}x"),
            (ratios[CHECK][1] <= CHECK_P99, f"p99 <= {CHECK_P99:.1f}x"),
        ),
        REDEEM: _verdicts((ratios[REDEEM][0] >= REDEEM_RATE, f"rate >= {REDEEM_RATE:.2f}x")),
    }
    print(
        f"\nAPI at {args.tickets:,} tickets: granian, 2 workers, 4 blocking threads;"
        f" wrk -t{THREADS} -c{CONNECTIONS}, median of {args.rounds} rounds of {args.seconds} s"
    )
    print(
        f"  {'endpoint':<26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'rate/floor':>11} {'p99/floor':>10}   target"
    )
    for endpoint, load in medians.items():
        print(
            f"  {endpoint + (' (floor)' if endpoint == FLOOR else ''):<26} {load.rate:8,.0f}"
            f" {load.p50:8.2f} {load.p99:8.2f} {ratios[endpoint][0]:11.2f}"
            f" {ratios[endpoint][1]:10.2f}   {targets[endpoint]}"
        )
    print(
        f"  redemptions: {redeemed['ok']:,} ok, {redeemed['already']:,} already_redeemed"
        f" (tokens run out after {args.token_count:,})"
    )
    ratio = uncached / cached
    verdict = _verdicts((ratio >= STATS_RATIO, f"ratio >= {STATS_RATIO}"))
    print(
        f"\nGET /api/stats, median of {args.stats_requests}: cached {cached:.2f} ms,"
        f" uncached {uncached:.1f} ms, uncached/cached = {ratio:.1f}   {verdict}"
    )
    verdict = _verdicts((frozen.p99 <= FROZEN_P99_MS, f"p99 <= {FROZEN_P99_MS} ms"))
    print(
        f"\nRedis frozen (SIGSTOP), {CHECK} for {args.seconds} s: {frozen.rate:,.0f} req/s,"
        f" p50 {frozen.p50:.2f} ms, p99 {frozen.p99:.2f} ms   {verdict}"
        f"\n  then /healthz: {healthz}"
    )


def _verdicts(*checks: tuple[bool, str]) -> str:
    return ", ".join(f"{label}: {'ok' if met else 'MISSED'}" for met, label in checks)


if __name__ == "__main__":
    main()
