"""The app's one scheduler: every periodic pass (notices, feedback, surveys, filing reminders)
is a `Job` on a single APScheduler instance, with one way of stopping.

A pass is the unit of work: it does what is due in the database and commits it, so any
number of replicas may run the same jobs (each feature keys its work in the database). Stop
lets a pass that is under way finish and starts no new one: a pass cut short would only be
rolled back, and a cancellation inside a database call leaves a traceback in the log.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from services.db import utcnow

log = logging.getLogger(__name__)
STOP_WAIT_S = 20.0
"""How long stop waits for passes under way (a notice's speech may take seconds; the sender
gets 30 s after this and the container's stop period is the outer bound)."""


class Job(ABC):
    """A periodic pass: a name, how often, how long after start the first pass comes, and
    `run_once`, which returns how many outbox rows it queued (non-zero wakes the sender)."""

    name: str
    every: timedelta
    first_run_after: timedelta = timedelta(0)

    @abstractmethod
    async def run_once(self) -> int: ...


class PassJob(Job):
    """A job whose pass is a function given to it (a service's pass over a database, or one
    of the notices' two passes that share speech engines and a cache)."""

    def __init__(self, name: str, every: timedelta, run: Callable[[], Awaitable[int]], *,
                 first_run_after: timedelta = timedelta(0)) -> None:
        self.name, self.every, self.first_run_after = name, every, first_run_after
        self._run = run

    async def run_once(self) -> int:
        return await self._run()


class Scheduler:
    """Runs the jobs on one AsyncIOScheduler. A pass runs in its own task, never two of one
    job at once (a tick that finds its job still running is skipped, silently: with
    APScheduler's `max_instances` every overrun of the one-second notice jobs is a WARNING)."""

    def __init__(self, on_queued: Callable[[], None] | None = None) -> None:
        self.on_queued = on_queued
        self.jobs: dict[str, Job] = {}
        self._aps: AsyncIOScheduler | None = None
        self._running: dict[str, asyncio.Task[None]] = {}
        self._stopping = False

    def add(self, *jobs: Job) -> None:
        for job in jobs:
            if job.name in self.jobs:
                raise ValueError(f"two jobs named {job.name!r}")
            self.jobs[job.name] = job

    def start(self) -> None:
        self._stopping = False
        self._aps = AsyncIOScheduler(timezone="UTC")
        now = utcnow()
        for job in self.jobs.values():
            self._aps.add_job(self._tick, "interval", args=[job.name], id=job.name,
                              seconds=job.every.total_seconds(),
                              next_run_time=now + job.first_run_after,
                              coalesce=True, misfire_grace_time=None)
        self._aps.start()

    def next_run(self, name: str) -> datetime | None:
        """When the job runs next (None when the scheduler is not running)."""
        job = self._aps.get_job(name) if self._aps is not None else None
        return job.next_run_time if job is not None else None

    async def stop(self) -> None:
        """Start no new pass, let the passes under way finish (within `STOP_WAIT_S`), then
        shut the scheduler down."""
        self._stopping = True
        if self._aps is None:
            return
        if self._aps.running:
            self._aps.pause()
        await asyncio.sleep(0)  # a tick submitted just before the pause sees `_stopping`
        running = list(self._running.values())
        if running:
            _, late = await asyncio.wait(running, timeout=STOP_WAIT_S)
            for task in late:
                log.warning("job %s still running after %.0f s: stopped",
                            task.get_name(), STOP_WAIT_S)
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._aps.running:
            self._aps.shutdown(wait=False)
        self._aps = None

    async def _tick(self, name: str) -> None:
        """APScheduler's call: start the pass in a task of our own, which its shutdown
        cannot cancel."""
        if self._stopping or name in self._running:
            return
        task = asyncio.create_task(self._pass(self.jobs[name]), name=name)
        self._running[name] = task
        task.add_done_callback(lambda _: self._running.pop(name, None))

    async def _pass(self, job: Job) -> None:
        try:
            queued = await job.run_once()
        except Exception:
            log.exception("job %s failed", job.name)
            return
        if queued and self.on_queued is not None:
            self.on_queued()
