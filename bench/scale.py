"""Seeding and rotation speed as the ticket table grows, with docker-compose's buffer pool.

    DATABASE_URL=mysql://root@127.0.0.1:3306/ticketing python bench/scale.py [--steps 10]

In a scratch database (dropped afterwards) it seeds `--steps` x `--step` tickets, a step at a
time, then rotates them all. It prints rows/s per step of seeding and per step of rotation
(from the chunks' commit times), the last step's rate over the first's (target, issue 6:
>= 0.67) and peak RSS, and saves a plot beside this script. The InnoDB buffer pool is set to
the size docker-compose.yml gives MySQL (or --buffer-pool) for the run, then restored.
"""

import argparse
from datetime import datetime
from pathlib import Path

from _common import (
    buffer_pool,
    manage,
    pool_size,
    scratch_database,
    scratch_env,
    setup_django,
    whole_number,
)

setup_django(server_only=True)

from django.db import connection  # noqa: E402

PLOT = Path(__file__).with_name("scale.png")
TARGET = 0.67


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=whole_number(), default=10)
    parser.add_argument("--step", type=whole_number(), default=1_000_000, help="tickets per step")
    parser.add_argument(
        "--buffer-pool",
        type=pool_size,
        help="InnoDB buffer pool for the run, e.g. 4G (default: docker-compose's)",
    )
    parser.add_argument("--plot", type=Path, default=PLOT)
    args = parser.parse_args()
    with buffer_pool(args.buffer_pool) as pool, scratch_database("scale") as name:
        env = scratch_env(name)
        manage("seed_users", "--count=10000", "--seed=7", env=env)
        manage("seed_orders", "--count=100000", "--seed=7", env=env)
        seeding = [
            manage("seed_tickets", f"--count={args.step}", env=env) for _ in range(args.steps)
        ]
        _, rotation_rss = manage("regenerate_tokens", env=env)
        rotation = rotation_rates(name, args.step)
    seed_rates = [args.step / seconds for seconds, _ in seeding]
    print(f"\nScale: {args.steps} x {args.step:,} tickets, buffer pool {pool >> 20} MiB")
    print(f"  {'tickets':>12}  {'seed_tickets':>13}  {'regenerate_tokens':>18}")
    for n, (seed, rotate) in enumerate(zip(seed_rates, rotation, strict=True), start=1):
        print(f"  {n * args.step:>12,}  {seed:>9,.0f} r/s  {rotate:>14,.0f} r/s")
    for label, rates in (("seed_tickets", seed_rates), ("regenerate_tokens", rotation)):
        ratio = rates[-1] / rates[0]
        verdict = "meets" if ratio >= TARGET else "misses"
        print(f"  {label}: last step / first = {ratio:.2f} ({verdict} the {TARGET} target)")
    print(
        f"  peak RSS: seed_tickets {max(rss for _, rss in seeding)} MiB,"
        f" regenerate_tokens {rotation_rss} MiB"
    )
    plot(seed_rates, rotation, args.step, args.plot)


def rotation_rates(database: str, step: int) -> list[float]:
    """Rows/s of the rotation for each `step` rows done, from its chunks' commit times."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT j.started_at, c.done_at, c.rows FROM `{database}`.utils_chunk c"
            f" JOIN `{database}`.utils_job j ON j.id = c.job_id"
            " WHERE j.kind = 'regenerate_tokens' ORDER BY c.done_at"
        )
        chunks: list[tuple[datetime, datetime, int]] = list(cursor.fetchall())
    rates: list[float] = []
    done, last = 0, chunks[0][0]
    for _, done_at, rows in chunks:
        done += rows
        if done >= step * (len(rates) + 1):
            rates.append(step / (done_at - last).total_seconds())
            last = done_at
    return rates


def plot(seeding: list[float], rotation: list[float], step: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 4))
    for rates, label in ((seeding, "seed_tickets"), (rotation, "regenerate_tokens")):
        sizes = [n * step / 1e6 for n in range(1, len(rates) + 1)]
        axes.plot(sizes, rates, marker="o", label=label)
    axes.set(xlabel="tickets in the table (millions)", ylabel="rows/s", ylim=(0, None))
    axes.set_title("Speed as the ticket table grows (rotation: tickets rotated so far)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    print(f"  plot: {path}")


if __name__ == "__main__":
    main()
