from django.db import models

from utils.basemodel import TimeStampedModel


class Job(TimeStampedModel):
    """One run of a bulk command, split into chunks; it survives interruptions and resumes."""

    class Status(models.TextChoices):
        RUNNING = "running"
        INTERRUPTED = "interrupted"
        FAILED = "failed"
        COMPLETED = "completed"
        ABANDONED = "abandoned"

    UNFINISHED = (Status.RUNNING, Status.INTERRUPTED, Status.FAILED)

    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    # Equal to `kind` while the job is unfinished and NULL afterwards. Its unique index allows
    # one unfinished job per kind on every backend (MySQL has no partial unique index), and
    # answers "is there an unfinished job of this kind" with one index lookup.
    active_kind = models.CharField(max_length=64, null=True, blank=True, unique=True)
    params = models.JSONField(default=dict)
    # Frozen at the start: the half-open range [scope_lo, scope_hi) the job covers.
    scope_lo = models.BigIntegerField(default=0)
    scope_hi = models.BigIntegerField(default=0)
    # Rows in scope when the job started; progress is counted against it.
    total = models.PositiveBigIntegerField(default=0)
    chunk_size = models.PositiveIntegerField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "-created_at"], name="job_kind_created")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class Chunk(models.Model):
    """A slice [lo, hi) of a job. It is done exactly once: its work and its `done` mark
    commit in one transaction, guarded by the lease of the worker that claimed it."""

    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    rows = models.PositiveIntegerField(default=0)
    lease_owner = models.CharField(max_length=96, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="chunk_job_seq_uniq"),
        ]
        # Claiming walks (job, state='pending') in seq order; progress sums (job, state='done').
        indexes = [models.Index(fields=["job", "state", "seq"], name="chunk_job_state_seq")]

    def __str__(self) -> str:
        return f"chunk {self.seq} [{self.lo}, {self.hi}) of job {self.job_id}"
