"""The Jobs pages: read-only, with progress, rate, ETA and lease holders."""

import pytest
from django.test import Client

from tests.admin_pages import full_counts, queries_at_page_sizes
from utils.admin import JobAdmin
from utils.jobs import run
from utils.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_completed_job_shows_progress_and_timings_and_does_not_refresh(
    admin_client: Client, make_job
) -> None:
    job = make_job(rows=4)
    run(job, work=lambda chunk: chunk.hi - chunk.lo)
    listing = admin_client.get("/admin/utils/job/").content.decode()
    assert "4 / 4 (100.0%)" in listing
    page = admin_client.get(f"/admin/utils/job/{job.pk}/change/").content.decode()
    assert "completed" in page
    assert "4 / 4" in page
    assert 'http-equiv="refresh"' not in page
    assert 'name="_save"' not in page


def test_running_job_page_refreshes_itself_and_shows_its_eta(
    admin_client: Client, make_job
) -> None:
    job = make_job(rows=4)
    page = admin_client.get(f"/admin/utils/job/{job.pk}/change/").content.decode()
    assert 'http-equiv="refresh"' in page
    assert "0 / 4 (0.0%)" in page


def test_jobs_cannot_be_changed_or_deleted(admin_client: Client, make_job) -> None:
    job = make_job(rows=4)
    assert admin_client.post(f"/admin/utils/job/{job.pk}/change/", {}).status_code == 403
    assert admin_client.post(f"/admin/utils/job/{job.pk}/delete/", {}).status_code == 403
    assert Job.objects.filter(pk=job.pk).exists()


def test_list_queries_do_not_grow_with_the_page(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, make_job
) -> None:
    for n in range(25):
        run(make_job(rows=2, kind=f"demo{n}"), work=lambda chunk: chunk.hi - chunk.lo)
    few, many = queries_at_page_sizes(
        monkeypatch, JobAdmin, lambda: admin_client.get("/admin/utils/job/"), (5, 20)
    )
    assert len(few) == len(many)
    assert full_counts(few + many) == []
