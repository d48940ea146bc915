from django.contrib import admin
from django.http import HttpRequest

from utils.jobs import job_progress
from utils.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    """Jobs are written by their commands only; the admin shows them."""

    list_display = ("id", "kind", "status", "progress", "started_at", "finished_at")
    list_filter = ("kind", "status")
    ordering = ("-id",)
    readonly_fields = [field.name for field in Job._meta.fields]

    @admin.display(description="done / total")
    def progress(self, job: Job) -> str:
        progress = job_progress(job=job)
        return f"{progress.done:,} / {progress.total:,}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False
