"""Tiqets imports and exports against their baselines, in a scratch database.

    DATABASE_URL=mysql://root@127.0.0.1:3306/ticketing python bench/tiqets.py [--barcodes N]
        [--rounds N]

Targets (issue 9), at 1,000,000 barcodes over 100,000 orders (10% unsold, 10,000 customers):
- import_vouchers takes at most 2x `seed_tickets --count=N` (over 1,000 customers and 10,000
  orders seeded first), with peak RSS at most 150 MiB;
- export_vouchers takes at most 2x the database alone producing the same lines: one
  SELECT ... GROUP BY order, written to a file by the mariadb client; peak RSS at most 150 MiB.
The vouchers file must be identical to the client's lines. Each of `--rounds` (default 3)
seeds, imports and exports anew; printed are the medians, and each round's own ratios (this
machine's load moves both sides of a round alike). `--barcodes 2000 --rounds 1` is a smoke
run.
"""

import argparse
import random
import statistics
from dataclasses import dataclass
from pathlib import Path

from _common import (
    manage,
    mariadb_client,
    report,
    scratch_database,
    scratch_env,
    scratch_folder,
    setup_django,
    whole_number,
)

setup_django(server_only=True)

from django.db import connection  # noqa: E402

GROUP_BY = """
SET SESSION group_concat_max_len = 1048576;
SELECT CONCAT(io.customer_external_id, ', ', io.external_id, ', [',
              GROUP_CONCAT(t.barcode ORDER BY t.id SEPARATOR ', '), ']')
FROM vouchers_importedorder io JOIN ticket_ticket t ON t.order_id = io.order_id
WHERE io.source = 'tiqets'
GROUP BY io.id ORDER BY io.customer_external_id, io.external_id;
"""


@dataclass(frozen=True)
class Round:
    seed: float
    imported: float
    import_rss: int
    exported: float
    export_rss: int
    alone: float


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--barcodes", type=whole_number(), default=1_000_000)
    parser.add_argument("--rounds", type=whole_number(), default=3)
    args = parser.parse_args()
    with scratch_folder("bench_vouchers") as folder:
        files = write_files(folder, args.barcodes)
        rounds = [one_round(folder, files, args.barcodes) for _ in range(args.rounds)]
    title = f"{args.barcodes:,} barcodes over {args.barcodes // 10:,} orders"
    title += f" ({connection.display_name}), median of {args.rounds} round(s)"
    report(
        f"Import, {title}",
        [
            ("seed_tickets of as many tickets", _median(rounds, "seed")),
            ("import_vouchers", _median(rounds, "imported")),
        ],
        project="import_vouchers",
    )
    print(f"  rounds' own ratios: {_ratios(rounds, 'imported', 'seed')} (target <= 2.00)")
    print(f"  import_vouchers peak RSS: {max(r.import_rss for r in rounds)} MiB (target <= 150)")
    report(
        f"Export, {title}",
        [
            ("mariadb client, one SELECT ... GROUP BY", _median(rounds, "alone")),
            ("export_vouchers", _median(rounds, "exported")),
        ],
        project="export_vouchers",
    )
    print(f"  rounds' own ratios: {_ratios(rounds, 'exported', 'alone')} (target <= 2.00)")
    print(f"  export_vouchers peak RSS: {max(r.export_rss for r in rounds)} MiB (target <= 150)")
    print("  the vouchers file is identical to the database's own lines in every round")


def one_round(folder: Path, files: tuple[str, str], count: int) -> Round:
    """Seeding as many tickets in one scratch database, the import and the export in
    another, the client's lines from it; the vouchers file must match them."""
    with scratch_database("vouchers_seed") as seeded:
        env = scratch_env(seeded)
        manage("seed_users", "--count=1000", "--seed=7", env=env)
        manage("seed_orders", "--count=10000", "--seed=7", env=env)
        seed, _ = manage("seed_tickets", f"--count={count}", "--seed=7", env=env)
    with scratch_database("vouchers") as name:
        env = scratch_env(name)
        imported, import_rss = manage("import_vouchers", *files, env=env)
        exported, export_rss = manage("export_vouchers", f"--output-dir={folder}", env=env)
        alone = mariadb_client(name, GROUP_BY, folder / "group_by.txt")
    if (folder / "vouchers.csv").read_bytes() != (folder / "group_by.txt").read_bytes():
        raise SystemExit("the vouchers file differs from the database's own lines")
    return Round(seed, imported, import_rss, exported, export_rss, alone)


def _median(rounds: list[Round], name: str) -> float:
    return statistics.median(float(getattr(one, name)) for one in rounds)


def _ratios(rounds: list[Round], ours: str, baseline: str) -> str:
    ratios = [getattr(one, ours) / getattr(one, baseline) for one in rounds]
    return f"{', '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.2f}"


def write_files(folder: Path, count: int) -> tuple[str, str]:
    """`count` barcodes over count/10 orders of count/100 customers, 10% unsold, in no order."""
    rng = random.Random(7)
    orders = max(1, count // 10)
    with (folder / "orders.csv").open("w") as file:
        file.write("order_id,customer_id\n")
        for number in range(1, orders + 1):
            file.write(f"{number},{rng.randrange(1, max(2, count // 100))}\n")
    with (folder / "barcodes.csv").open("w") as file:
        file.write("barcode,order_id\n")
        for number in range(count):
            sold = "" if rng.random() < 0.1 else rng.randrange(1, orders + 1)
            file.write(f"TQ{number:012d},{sold}\n")
    return f"--orders-file={folder}/orders.csv", f"--barcodes-file={folder}/barcodes.csv"


if __name__ == "__main__":
    main()
