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
    # Chunks are cut lazily, as workers claim them: [scope_lo, planned_to) is already cut.
    # Start-up costs the same whatever the size of the scope.
    planned_to = models.BigIntegerField(default=0)
    # Rows in scope when the job started; progress is counted against it.
    total = models.PositiveBigIntegerField(default=0)
    # Rows per chunk still to be cut; a resume may change it (chunks are re-cut on claim).
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
    commit in one transaction, which holds the chunk's row lock from its first statement."""

    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        # The job was abandoned before the chunk was done.
        CANCELLED = "cancelled"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
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


class Counter(models.Model):
    """Numbers handed out once per installation (seeded usernames, barcodes), and the key
    that scrambles them. A job reserves its whole range when it starts, so no two jobs, and
    no job that was abandoned halfway, ever get the same number."""

    name = models.CharField(max_length=32, primary_key=True)
    key = models.BigIntegerField()
    next = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name} counter at {self.next}"


class CacheGeneration(models.Model):
    """The generation of a family of cached answers (utils/cache.py), as the sum of its
    shards. Writers bump one shard in their own transaction, so the sum moves exactly when
    their write commits, Redis or not; the shards spare concurrent writers (gates, batch
    workers) a single hot row whose lock they would queue on until each other's commit."""

    pk = models.CompositePrimaryKey("family", "shard")
    family = models.CharField(max_length=32)
    shard = models.PositiveSmallIntegerField()
    generation = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.family} shard {self.shard} at generation {self.generation}"
