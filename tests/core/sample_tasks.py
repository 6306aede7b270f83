"""A background task the process tests enqueue and run through `yiwang worker` (a real database queue)."""

from pathlib import Path

from django_tasks import task


@task()
def write_marker(path: str, text: str) -> str:
    """Writes a file, so the test can see that a separate worker process ran the task."""
    Path(path).write_text(text, encoding="utf-8")
    return text


@task()
def slow_marker(path: str, text: str, seconds: float) -> str:
    """Sleeps, then writes a file: a task long enough to kill its worker in the middle of it."""
    import time

    time.sleep(seconds)
    Path(path).write_text(text, encoding="utf-8")
    return text
