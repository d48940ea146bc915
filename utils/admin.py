from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Now
from django.http import HttpRequest

from utils.changelists import LargeTableAdmin
from utils.jobs.selectors import (
    job_activity,
    job_average_rate,
    job_eta_seconds,
    job_lease_holders,
    job_recent_rate,
    job_state,
)
from utils.models import Chunk, Job


@admin.register(Job)
class JobAdmin(LargeTableAdmin[Job]):
    """Jobs are written by their commands only; the admin shows them. A running job's page
    refreshes itself (templates/admin/utils/job/change_form.html)."""

    list_display = (
        "id",
        "kind",
        "status",
        "progress",
        "rate",
        "eta",
        "started_at",
        "finished_at",
        "error",
    )
    list_filter = ("kind", "status")
    ordering = ("-id",)
    sortable_by = ("id",)
    fields = (
        "kind", "state", "progress", "rate", "recent_rate", "eta", "lease_holders",
        "started_at", "finished_at", "elapsed", "last_error", "params", "chunk_size",
        "scope_lo", "scope_hi", "planned_to",
    )  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Job]:
        # Rows done per job for the page's rows only: a subquery per row, an index range
        # of chunk_job_state_seq.
        done = (
            Chunk.objects.filter(job=OuterRef("pk"), state=Chunk.State.DONE)
            .order_by()
            .values("job")
            .annotate(rows=Sum("rows"))
            .values("rows")
        )
        # Workers holding a lease that has not run out, for the list (the job's page asks
        # each process of this host whether it is alive, see job_lease_holders).
        holders = (
            Chunk.objects.filter(job=OuterRef("pk"), state=Chunk.State.PENDING)
            .filter(lease_until__gt=Now())
            .exclude(lease_owner="")
            .order_by()
            .values("job")
            .annotate(count=Count("lease_owner", distinct=True))
            .values("count")
        )
        return (
            super().get_queryset(request).annotate(done=Subquery(done), workers=Subquery(holders))
        )

    @admin.display(description="done / total")
    def progress(self, job: Job) -> str:
        done = _done(job)
        percent = 100 * done / job.total if job.total else 100.0
        return f"{done:,} / {job.total:,} ({percent:.1f}%)"

    @admin.display(description="rows/s")
    def rate(self, job: Job) -> str:
        return _rate_text(job_average_rate(job=job, done=_done(job)))

    @admin.display(description="rows/s, last batches")
    def recent_rate(self, job: Job) -> str:
        return _rate_text(job_recent_rate(job=job))

    @admin.display(description="ETA")
    def eta(self, job: Job) -> str:
        # At the rate since the start: the recent rate would cost a query per row.
        rate = job_average_rate(job=job, done=_done(job))
        seconds = job_eta_seconds(job=job, done=_done(job), rate=rate)
        return "-" if seconds is None else str(timedelta(seconds=round(seconds)))

    @admin.display(description="workers")
    def workers(self, job: Job) -> int:
        return getattr(job, "workers", None) or 0

    @admin.display(description="state")
    def state(self, job: Job) -> str:
        return job_state(job=job, activity=job_activity(job=job))

    @admin.display(description="workers holding batches")
    def lease_holders(self, job: Job) -> str:
        return ", ".join(sorted(job_lease_holders(job=job))) or "none"

    @admin.display(description="elapsed")
    def elapsed(self, job: Job) -> str:
        if job.started_at is None or job.finished_at is None:
            return "-"
        return str(job.finished_at - job.started_at).split(".")[0]

    @admin.display(description="last error")
    def error(self, job: Job) -> str:
        return job.last_error[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _done(job: Job) -> int:
    return getattr(job, "done", None) or 0


def _rate_text(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:,.0f}"
