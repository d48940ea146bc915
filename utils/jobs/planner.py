from django.db import transaction

from utils.models import Chunk, Job

PLAN_BATCH = 2000


def chunks_plan(*, job: Job) -> None:
    """Split the job's frozen range [scope_lo, scope_hi) into chunks of job.chunk_size.

    Runs inside the job's creation transaction: a job never exists half planned.
    """
    assert transaction.get_connection().in_atomic_block
    starts = range(job.scope_lo, job.scope_hi, job.chunk_size)
    for offset in range(0, len(starts), PLAN_BATCH):
        Chunk.objects.bulk_create(
            Chunk(job=job, seq=seq, lo=lo, hi=min(lo + job.chunk_size, job.scope_hi))
            for seq, lo in enumerate(starts[offset : offset + PLAN_BATCH], start=offset)
        )
