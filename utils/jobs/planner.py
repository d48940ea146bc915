"""Cutting a job's frozen range into chunks, lazily, as workers claim them.

A job of any size therefore starts at once, and a resume with another --batch-size re-cuts
what is still pending. Callers hold the job's row lock (see claims.py), so two claimers never
cut the same ids.

A Split says where the chunk that starts at `lo` ends: `split(lo, limit, size)` returns the
`hi` of [lo, hi), with lo < hi <= limit. `split_even` counts ids, for jobs whose ids are dense
(seeding numbers rows 0..count). A job over existing rows counts the rows instead, so that a
chunk never holds more than `size` rows however sparse the ids are.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Max

from utils.models import Chunk, Job

Split = Callable[[int, int, int], int]


def split_even(lo: int, limit: int, size: int) -> int:
    return min(lo + size, limit)


def chunks_cut(*, job: Job, count: int, split: Split, **fields: Any) -> list[Chunk]:
    """Cut up to `count` new chunks from the front of the part not yet cut, with `fields`
    (their lease) set."""
    if count <= 0 or job.planned_to >= job.scope_hi:
        return []
    seq = _next_seq(job)
    chunks: list[Chunk] = []
    lo = job.planned_to
    while len(chunks) < count and lo < job.scope_hi:
        hi = split(lo, job.scope_hi, job.chunk_size)
        chunks.append(Chunk(job=job, seq=seq + len(chunks), lo=lo, hi=hi, **fields))
        lo = hi
    Chunk.objects.bulk_create(chunks)
    Job.objects.filter(pk=job.pk).update(planned_to=lo)
    job.planned_to = lo
    return chunks


def chunk_recut(*, job: Job, seq: int, lo: int, hi: int, split: Split) -> int:
    """Shrink a pending chunk to the job's current chunk size and return its new end; what
    it no longer covers becomes a new pending chunk."""
    end = split(lo, hi, job.chunk_size)
    if end < hi:
        Chunk.objects.filter(job=job, seq=seq).update(hi=end)
        Chunk.objects.create(job=job, seq=_next_seq(job), lo=end, hi=hi)
    return end


def _next_seq(job: Job) -> int:
    # Index: chunk_job_seq_uniq, read from its end.
    highest = Chunk.objects.filter(job=job).aggregate(highest=Max("seq"))["highest"]
    return 0 if highest is None else highest + 1
