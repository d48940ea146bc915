import io

from utils.jobs.progress import Progress


def test_without_a_terminal_reports_the_first_batch_from_the_resumed_position() -> None:
    stream = io.StringIO()
    progress = Progress(label="seed", done=400, total=1000, stream=stream)
    for _ in range(6):
        progress.advance(100)
    progress.close()
    # One line at once, then none until JOB_PROGRESS_SECONDS (5) have passed.
    [line] = stream.getvalue().splitlines()
    assert line.startswith("seed: 500/1,000 (50%), ")
    assert " rows/s, ETA " in line
    assert progress.done == 1000
