"""On MySQL, a gate's claim of a sold ticket as one statement: the stored function
ticket_claim, which ticket/redemptions.py calls once the ticket is found by its token.

It makes the conditional UPDATE (the claim), and if that changed the row, records the `ok`
scan and bumps a shard of the cache family's generation, all in the statement that calls it:
one round trip, committed at once, where a transaction of the same statements takes six
(begin, commit and back to autocommit are one each). It returns 1 when it claimed the ticket,
0 when it did not: then it wrote nothing, and the caller works out why.

It is given the ticket's id and reads no row before its UPDATE: a read in a stored function
locks what it reads, and the token's index entry, locked before the row, deadlocked with a
rotation (which locks the row, then the token). For the same reason the claim forces the
primary key. Locking the row first, it waits for a rotation, then finds the token gone.

Where the binary log is on, MySQL creates a function that writes only for a user with SUPER
or with log_bin_trust_function_creators=1, and says so. A change to the columns it writes
needs a migration that replaces it.
"""

from typing import Any

from django.db import migrations

DROP = "DROP FUNCTION IF EXISTS ticket_claim"
CREATE = """
CREATE FUNCTION ticket_claim(
    claimed_id BIGINT, presented {token_type}, claimed_at DATETIME(6),
    claimed_by VARCHAR(120), claim_nonce VARCHAR(64), family VARCHAR(32), shard SMALLINT
) RETURNS TINYINT NOT DETERMINISTIC MODIFIES SQL DATA
BEGIN
    UPDATE {tickets} FORCE INDEX (PRIMARY)
       SET redeemed_at = claimed_at, redeemed_by = claimed_by, redeem_nonce = claim_nonce
     WHERE id = claimed_id AND token = presented AND order_id IS NOT NULL
       AND redeemed_at IS NULL;
    IF ROW_COUNT() = 0 THEN
        RETURN 0;
    END IF;
    INSERT INTO {scans} (ticket_id, result, scanned_by, nonce)
        VALUES (claimed_id, 'ok', claimed_by, claim_nonce);
    INSERT INTO {generations} (family, shard, generation) VALUES (family, shard, 1)
        ON DUPLICATE KEY UPDATE generation = generation + 1;
    RETURN 1;
END
"""


def function_create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "mysql":
        return
    ticket = apps.get_model("ticket", "Ticket")
    schema_editor.execute(DROP)
    schema_editor.execute(
        CREATE.format(
            token_type=ticket._meta.get_field("token").db_type(schema_editor.connection),
            tickets=ticket._meta.db_table,
            scans=apps.get_model("ticket", "Scan")._meta.db_table,
            generations=apps.get_model("utils", "CacheGeneration")._meta.db_table,
        )
    )


def function_drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "mysql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    atomic = False  # MySQL commits DDL at once: no transaction to be in

    dependencies = [
        ("ticket", "0006_revoked_token_key_index"),
        ("utils", "0003_cache_generations"),
    ]

    operations = [migrations.RunPython(function_create, function_drop)]
