"""The admin home's figures: estimates whose cost does not grow with the tables (see
utils/counts.py), cached for a minute under the data family's version, which every batch
job bumps when it ends (utils/cache.py)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from order.models import Order
from ticket.models import RevokedToken, Ticket
from user.models import User
from utils.cache import DATA_FAMILY, family_cached
from utils.counts import RowCount, rows_count
from utils.jobs.selectors import JobProgress, job_progress
from utils.models import Job

CHART_DAYS = 30
CACHE_SECONDS = 60
# A day's tickets are counted exactly up to this many, estimated above.
DAY_EXACT_UP_TO = 1000


@dataclass(frozen=True)
class Figures:
    as_of: datetime
    customers: RowCount
    orders: RowCount
    sold: RowCount
    unsold: RowCount
    revoked: RowCount
    per_day: list[tuple[date, RowCount]]


@dataclass(frozen=True)
class RunningJob:
    job: Job
    progress: JobProgress

    @property
    def percent(self) -> float:
        total = self.progress.total
        return 100 * self.progress.done / total if total else 100.0


def dashboard_figures() -> Figures:
    return family_cached(
        family=DATA_FAMILY, key="dashboard", timeout=CACHE_SECONDS, compute=figures_compute
    )


def figures_compute() -> Figures:
    tickets = rows_count(queryset=Ticket.objects.all())
    # Index: the order foreign key's, which holds the NULLs of unsold tickets.
    unsold = rows_count(queryset=Ticket.objects.filter(order__isnull=True))
    return Figures(
        as_of=timezone.now(),
        customers=rows_count(queryset=User.objects.filter(is_staff=False)),
        orders=rows_count(queryset=Order.objects.all()),
        sold=RowCount(
            value=max(tickets.value - unsold.value, 0), exact=tickets.exact and unsold.exact
        ),
        unsold=unsold,
        revoked=rows_count(queryset=RevokedToken.objects.all()),
        per_day=_tickets_per_day(),
    )


def _tickets_per_day() -> list[tuple[date, RowCount]]:
    """Tickets created on each of the last CHART_DAYS days (UTC), today last. Index: the
    tickets' created_at, one short range per day."""
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=back) for back in range(CHART_DAYS - 1, -1, -1)]
    return [
        (
            day.date(),
            rows_count(
                queryset=Ticket.objects.filter(
                    created_at__gte=day, created_at__lt=day + timedelta(days=1)
                ),
                exact_up_to=DAY_EXACT_UP_TO,
            ),
        )
        for day in days
    ]


def dashboard_jobs() -> list[RunningJob]:
    """Unfinished jobs with their progress; live, not cached. Index: the unique active_kind
    (NULL once a job has ended)."""
    jobs = Job.objects.filter(active_kind__isnull=False).order_by("pk")
    return [RunningJob(job=job, progress=job_progress(job=job)) for job in jobs]
