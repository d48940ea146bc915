"""The customers of a batch of a reseller's orders: users of ours, made for those that are new.

Two batches in flight (vouchers/services.py) may both find a customer new: the second one's
INSERT waits for the first to commit, then passes over it, and both read back the same user.
"""

from dataclasses import dataclass

from django.db.models import Q

from user.models import User
from utils.sql import placeholders, sql_rows, table_name
from vouchers.models import ImportedCustomer

# Imported customers' addresses: .invalid is reserved (RFC 2606), mail to it goes nowhere.
ADDRESS = "@imported.invalid"


@dataclass(frozen=True)
class Customers:
    """Our users for a batch's customer ids: those known, those to make (by user name), and
    the ids whose user name or address a user of ours holds already. They hold no password:
    they are customers, never users of this site."""

    source: str
    users: dict[int, int]
    new: dict[str, int]
    taken: set[int]

    @classmethod
    def find(cls, source: str, ids: set[int]) -> "Customers":
        table = table_name(ImportedCustomer)
        # Index: importedcustomer_source_id.
        known = f"SELECT external_id, user_id FROM {table} WHERE source = %s AND external_id IN"
        users = dict(sql_rows(f"{known} ({placeholders(len(ids))})", [source, *ids])) if ids else {}
        new = {f"{source}-customer-{external}": external for external in ids - users.keys()}
        addresses = [name + ADDRESS for name in new]
        # Not our own: the batch before, still writing when this one read its customers,
        # may have committed them since (one statement sees both tables as of one moment).
        ours = ImportedCustomer.objects.filter(source=source).values("user")
        holders = User.objects.filter(Q(username__in=new) | Q(email__in=addresses)).exclude(
            pk__in=ours
        )
        # In one case: MySQL compares user names and addresses without regard to it.
        held = {
            value.lower() for pair in holders.values_list("username", "email") for value in pair
        }
        taken = {external for name, external in new.items() if {name, name + ADDRESS} & held}
        new = {name: external for name, external in new.items() if external not in taken}
        return cls(source, users, new, taken)

    def taken_reason(self, customer: int) -> str | None:
        """Why an order of `customer` is refused, if it is."""
        if customer not in self.taken:
            return None
        return (
            f"customer {customer}'s user name or address is held by another user:"
            f" {self.source}-customer-{customer}"
        )

    def create(self, ids: set[int]) -> dict[int, int]:
        """Make those of `ids` that are new; our users for all of `ids`. The batch before,
        if it is still writing, may have made some of the same: conflicts are passed over
        (the INSERT waits for that batch to commit), and the users read back are the same.
        The batch before made its own first (utils/jobs/ordered.py), so two batches wait for
        each other in one direction only."""
        names = sorted(name for name, external in self.new.items() if external in ids)
        created = self._made(names) if names else {}
        return {id: user for id, user in (self.users | created).items() if id in ids}

    def _made(self, names: list[str]) -> dict[int, int]:
        User.objects.bulk_create(
            (User(username=name, email=name + ADDRESS, password="!") for name in names),
            ignore_conflicts=True,
        )
        made = User.objects.filter(username__in=names).values_list("username", "pk")
        created = {self.new[name]: pk for name, pk in made}
        ImportedCustomer.objects.bulk_create(
            (
                ImportedCustomer(source=self.source, external_id=external, user_id=pk)
                for external, pk in sorted(created.items())
            ),
            ignore_conflicts=True,
        )
        return created
