"""Long polling, for a channel without a webhook: fetch updates and handle each, until
cancelled. Telegram and Zalo share it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

log = logging.getLogger(__name__)
U = TypeVar("U")

FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 60.0


async def poll_updates(
    name: str,
    fetch: Callable[[], Awaitable[Sequence[U]]],
    handle: Callable[[U], Awaitable[None]],
    *,
    retry: tuple[type[Exception], ...],
    asked_wait: Callable[[Exception], float | None] = lambda error: None,
    skip: tuple[type[Exception], ...] = (),
    redo: tuple[type[Exception], ...] = (),
) -> None:
    """A failed fetch (`retry`) waits what the server asked (`asked_wait`, at least a second)
    or 1 s, doubling up to 60 s. An update that fails is logged and polling goes on (after the
    same wait): `skip` names the errors of a malformed update, logged without a traceback;
    `redo` those after which the same updates must come again (the database is down, and
    `handle` left the offset where it was): polling waits, then fetches again."""
    backoff = FIRST_BACKOFF_S
    while True:
        try:
            updates = await fetch()
            backoff = FIRST_BACKOFF_S
        except retry as error:
            asked = asked_wait(error)
            wait = max(asked, FIRST_BACKOFF_S) if asked is not None else backoff
            log.warning("%s getUpdates failed: %s; retrying in %.0fs", name, error, wait)
            await asyncio.sleep(wait)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            continue
        for update in updates:
            try:
                await handle(update)
            except redo as error:
                log.warning("%s update not handled (%s); fetching again in %.0fs", name,
                            type(error).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                break
            except skip as error:
                log.warning("%s update skipped: %s", name, error)
            except Exception:
                log.exception("%s update failed", name)
                await asyncio.sleep(backoff)
