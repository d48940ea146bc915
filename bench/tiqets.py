"""Tiqets imports and exports against their baselines, in a scratch database.

    DATABASE_URL=mysql://root@127.0.0.1:3306/ticketing python bench/tiqets.py [--barcodes N]

Targets (issue 9), at 1,000,000 barcodes over 100,000 orders (10% unsold, 10,000 customers):
- import_vouchers takes at most 2x `seed_tickets --count=N` (over 1,000 customers and 10,000
  orders seeded first), with peak RSS at most 150 MiB;
- export_vouchers takes at most 2x the database alone producing the same lines: one
  SELECT ... GROUP BY order, written to a file by the mariadb client; peak RSS at most 150 MiB.
The two vouchers files must be identical. `--barcodes 2000` is a smoke run.
"""

import argparse
import random
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--barcodes", type=whole_number(), default=1_000_000)
    count = parser.parse_args().barcodes
    with scratch_database("vouchers") as name, scratch_folder(name) as folder:
        files = write_files(folder, count)
        with scratch_database("vouchers_seed") as seeded:
            env = scratch_env(seeded)
            manage("seed_users", "--count=1000", "--seed=7", env=env)
            manage("seed_orders", "--count=10000", "--seed=7", env=env)
            seed, _ = manage("seed_tickets", f"--count={count}", "--seed=7", env=env)
        env = scratch_env(name)
        imported, import_rss = manage("import_vouchers", *files, env=env)
        exported, export_rss = manage("export_vouchers", f"--output-dir={folder}", env=env)
        alone = mariadb_client(name, GROUP_BY, folder / "group_by.txt")
        same = (folder / "vouchers.csv").read_bytes() == (folder / "group_by.txt").read_bytes()
    title = f"{count:,} barcodes over {count // 10:,} orders ({connection.display_name})"
    report(
        f"Import, {title}",
        [("seed_tickets of as many tickets", seed), ("import_vouchers", imported)],
        project="import_vouchers",
    )
    print(f"  import_vouchers peak RSS: {import_rss} MiB (target <= 150); time target <= 2.00")
    report(
        f"Export, {title}",
        [("mariadb client, one SELECT ... GROUP BY", alone), ("export_vouchers", exported)],
        project="export_vouchers",
    )
    print(f"  export_vouchers peak RSS: {export_rss} MiB (target <= 150); time target <= 2.00")
    if not same:
        raise SystemExit("the vouchers file differs from the database's own lines")
    print("  the vouchers file is identical to the database's own lines")


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
