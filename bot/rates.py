"""The sender's rate limits: how soon the next message may start, per bot and per chat.

Every limit answers `delay()` (seconds before a send may start; `inf` while it must wait for
a send in progress), is told `start()` when a send starts and `done()` when it is over (its
answer came; for the bot's window, its record too).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Protocol

Rank = tuple[int, ...]
"""Who goes first at a `Gate`: the lowest."""


class Limit(Protocol):
    def delay(self, now: float) -> float: ...

    def start(self, now: float) -> None: ...

    def done(self, now: float) -> None: ...

    def idle(self, now: float) -> bool:
        """Forgetting it now would change nothing."""
        ...


class TokenBucket:
    """`rate` starts a second after a burst of `burst` (a private chat's limit)."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def _refill(self, now: float) -> float:
        return min(self.burst, self.tokens + (now - self.stamp) * self.rate)

    def delay(self, now: float) -> float:
        return max(0.0, (1 - self._refill(now)) / self.rate)

    def start(self, now: float) -> None:
        self.tokens, self.stamp = self._refill(now) - 1, now

    def done(self, now: float) -> None:
        pass

    def idle(self, now: float) -> bool:
        return self._refill(now) >= self.burst


class SlidingWindow:
    """At most `limit` sends start in any `period` seconds, spread `spacing` apart, at most
    `in_flight` at a time.

    A send holds its place in the window from its start until `period` after it is over,
    not after its start: the platform counts the request when it arrives, somewhere between
    the two, so counting from the answer keeps the platform's count under `limit` however
    long the request took to get there. That costs a period a latency of throughput (1.0 s
    + ~5 ms against the fake Bot API: 99 % of the limit).

    The spacing keeps a schedule (a start is due `spacing` after the previous one was due)
    and lets a start come up to one spacing early: a send that started late because the
    event loop was busy is made up by the next, instead of every such delay being lost
    (spaced from the actual starts, a sender writing 30 a second managed 24).
    """

    def __init__(self, limit: int, period: float, *, spacing: float = 0.0,
                 in_flight: int | None = None) -> None:
        self.limit, self.period, self.spacing = limit, period, spacing
        self.in_flight = limit if in_flight is None else in_flight
        """Sends started and not yet done, at most."""
        self.open = 0
        self.frees: deque[float] = deque()
        """When each answered send leaves the window, oldest first."""
        self.due = -math.inf
        """When the next start is due on the spacing's schedule."""

    def delay(self, now: float) -> float:
        while self.frees and self.frees[0] <= now:
            self.frees.popleft()
        on_schedule = self.due - self.spacing - now
        if self.open >= self.in_flight:
            return math.inf
        if self.open + len(self.frees) < self.limit:
            return max(0.0, on_schedule)
        if not self.frees:
            return math.inf
        return max(0.0, on_schedule, self.frees[0] - now)

    def start(self, now: float) -> None:
        self.open += 1
        self.due = max(self.due, now) + self.spacing

    def done(self, now: float) -> None:
        self.open -= 1
        self.frees.append(now + self.period)

    def idle(self, now: float) -> bool:
        return not self.open and all(free <= now for free in self.frees)


class Gate:
    """Sends through one limit, the lowest rank first (then the first come).

    The gate itself starts the sends it lets through, as many as the limit allows at that
    moment, rather than waking one waiter that then checks the limit and wakes the next:
    that chain would cost a turn of the event loop per send, and a turn takes tens of
    milliseconds while a burst of updates is being processed.
    """

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._waiting: list[tuple[Rank, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    @contextlib.asynccontextmanager
    async def slot(self, rank: Rank = ()) -> AsyncIterator[None]:
        """Wait for the limit, hold a place for the send inside, free it on its answer."""
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (rank, next(self._arrivals), turn))
        self._let_through()
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():   # let through as it was cancelled
                self._answered()
            raise
        try:
            yield
        finally:
            self._answered()

    def _answered(self) -> None:
        self.limit.done(time.monotonic())
        self._let_through()

    def _let_through(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = time.monotonic()
        while self._waiting and (wait := self.limit.delay(now)) <= 0:
            turn = heapq.heappop(self._waiting)[2]
            if not turn.done():   # not cancelled while waiting
                self.limit.start(now)
                turn.set_result(None)
        if self._waiting and not math.isinf(wait):
            self._timer = asyncio.get_running_loop().call_later(wait, self._let_through)
