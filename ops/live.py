"""Live updates: a new report appears on every open desk within seconds, whichever replica
took it. On PostgreSQL the filing transaction sends `NOTIFY` (delivered at its commit to every
replica's listening connection); on SQLite, which has one process, the feed polls the
highest report id. Pages follow the feed through server-sent events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg
from aiohttp import web
from sqlalchemy import func, select

from services.db import Database
from services.feedback.live import CHANNEL
from services.feedback.models import FeedbackReport

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0


class LiveFeed:
    """Fans out "a report was filed in commune N" to the open pages of this process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._listeners: set[asyncio.Queue[int]] = set()
        self._task: asyncio.Task[None] | None = None
        self._connection: asyncpg.Connection | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None

    def publish(self, commune_id: int) -> None:
        for queue in list(self._listeners):
            queue.put_nowait(commune_id)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> Any:
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=100)
        self._listeners.add(queue)
        self.start()
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    async def _run(self) -> None:
        while True:
            try:
                if self.db.is_sqlite:
                    await self._poll()
                else:
                    await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live feed interrupted; reconnecting", exc_info=True)
                await asyncio.sleep(POLL_SECONDS)

    async def _poll(self) -> None:
        last = await self._highest()
        while True:
            await asyncio.sleep(POLL_SECONDS)
            if not self._listeners:
                continue
            async with self.db.transaction() as session:
                rows = await session.execute(
                    select(FeedbackReport.id, FeedbackReport.commune_id)
                    .where(FeedbackReport.id > last).order_by(FeedbackReport.id))
                for report_id, commune_id in rows:
                    last = report_id
                    self.publish(commune_id)

    async def _highest(self) -> int:
        async with self.db.transaction() as session:
            return await session.scalar(select(func.max(FeedbackReport.id))) or 0

    async def _listen(self) -> None:
        url = self.db.engine.url.set(drivername="postgresql")
        self._connection = await asyncpg.connect(url.render_as_string(hide_password=False),
                                                 timeout=10)

        def heard(_: Any, __: int, ___: str, payload: object) -> None:
            if isinstance(payload, str) and payload.isdigit():
                self.publish(int(payload))

        await self._connection.add_listener(CHANNEL, heard)
        while not self._connection.is_closed():
            await asyncio.sleep(KEEPALIVE_SECONDS)
            await self._connection.execute("SELECT 1")


async def events(request: web.Request, feed: LiveFeed, commune_id: int | None
                 ) -> web.StreamResponse:
    """Server-sent events: `report` when a report of the commune in view (any commune for
    the province view) is filed; a comment every 15 s keeps proxies from closing it."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    try:
        await response.write(b"retry: 3000\n\n")
        async with feed.subscribe() as queue:
            while True:
                try:
                    commune = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": keepalive\n\n")
                    continue
                if commune_id is None or commune == commune_id:
                    await response.write(b"event: report\ndata: new\n\n")
    except ConnectionError:  # the page was closed or left: the usual end of a stream
        pass
    return response
