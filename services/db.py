"""Database access: the declarative base, engine set-up and the unit of work."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from asyncpg.exceptions import ConnectionDoesNotExistError
from sqlalchemy import JSON, DateTime, MetaData, Table, event, text
from sqlalchemy.engine import CursorResult, Dialect, ExceptionContext, Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)
# aiosqlite logs every call it hands to its thread, parameters (citizens' words) included, at
# DEBUG: never, whatever the app's level.
logging.getLogger("aiosqlite").setLevel(logging.INFO)
T = TypeVar("T")

CONNECT_TIMEOUT_S = 3.0
"""PostgreSQL: giving up on a connection that is not ready within this (asyncpg waits 60 s)."""
STATEMENT_TIMEOUT_S = 3.0
"""PostgreSQL: a statement without an answer within this fails (on the client, so a server
that hangs counts too; the server cancels it as well, and a wait for a conversation's lock).
Serving statements take milliseconds; an update tried twice against a database that answers
nothing is refused within ~6 s (measured through a black-holing proxy), well before
Telegram's webhook call gives up."""

POOL_TIMEOUT_S = 10.0
"""A unit of work waits this long for a free connection: 50 updates at once on the loaded
bench machine waited up to 7 s (at 3 s, one in ten was refused); a longer wait means a
database overloaded or gone, and the update is better redelivered later."""

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
        list[list[str]]: JSON,
    }


def utcnow() -> datetime:
    return datetime.now(UTC)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Database:
    """One engine and its sessions; `transaction()` is the unit of work.

    On PostgreSQL, `transaction(lock=...)` takes a transaction-scoped advisory lock so that
    work on one conversation is serialised across replicas. SQLite allows one writer, so
    transactions of one process are serialised by an asyncio lock and the database file is
    opened in WAL mode with a busy timeout for other processes. `run(work)` is the unit of
    work of an update: tried once more when the connection failed.
    """

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # A failed statement's message names its parameters otherwise: a citizen's text.
        kwargs: dict[str, object] = {"echo": echo, "hide_parameters": True}
        if not self.is_sqlite:
            # A fixed pool: overflow connections would be opened and closed again under load.
            # No pre-ping (BEGIN, ping, ROLLBACK: three round trips per checkout): a dropped
            # connection fails its transaction, the pool drops the connections older than it,
            # and `run` tries the work once more on a new one.
            kwargs.update(
                pool_size=pool_size, max_overflow=0, pool_recycle=1800,
                pool_timeout=POOL_TIMEOUT_S,
                connect_args={
                    "timeout": CONNECT_TIMEOUT_S, "command_timeout": STATEMENT_TIMEOUT_S,
                    "server_settings": {"statement_timeout": f"{STATEMENT_TIMEOUT_S * 1000:.0f}"},
                })
        self.engine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            event.listen(self.engine.sync_engine, "handle_error", _unreachable_is_disconnect)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self._serial = SerialLock() if self.is_sqlite else None
        # The sender's own connections (`first=True`): behind a burst of updates, a
        # transaction waited up to 6 s for one of the pool's.
        self._first_engine = None if self.is_sqlite else create_async_engine(
            url, **{**kwargs, "pool_size": FIRST_POOL_SIZE})
        self._first_sessionmaker = async_sessionmaker(
            self._first_engine or self.engine, expire_on_commit=False)

    @contextlib.asynccontextmanager
    async def transaction(self, *, lock: str | None = None,
                          first: bool = False) -> AsyncIterator[AsyncSession]:
        """A transaction. `first`: ahead of the others waiting (the sender's, so that what it
        sent is recorded at once however many updates are being processed): first in line
        for SQLite's one writer, on connections of its own on PostgreSQL."""
        maker = self._first_sessionmaker if first else self.sessionmaker
        async with self._serial.held(first) if self._serial else contextlib.nullcontext():
            async with maker() as session, session.begin():
                if lock is not None and not self.is_sqlite:
                    await session.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(lock)}
                    )
                yield session

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]], *,
                  first: bool = False) -> T:
        """`work` as one unit of work, tried once more if the database connection failed
        (a restarted server leaves every pooled connection stale; the second try gets a new
        one). Raises `DatabaseUnavailable` when the second try fails the same way."""
        for last in (False, True):
            try:
                async with self.transaction(first=first) as session:
                    return await work(session)
            except Exception as error:
                if not is_disconnect(error):
                    raise
                # A pool with no connection free in time: another try would only wait again.
                if last or isinstance(error, PoolTimeout):
                    raise DatabaseUnavailable(type(error).__name__) from error
                log.warning("database connection failed (%s); trying once more",
                            type(error).__name__)
        raise AssertionError("unreachable")

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._first_engine is not None:
            await self._first_engine.dispose()


FIRST_POOL_SIZE = 2


class SerialLock:
    """One holder at a time; those asking `first` are handed it before the others waiting."""

    def __init__(self) -> None:
        self._held = False
        self._first: deque[asyncio.Future[None]] = deque()
        self._rest: deque[asyncio.Future[None]] = deque()

    @contextlib.asynccontextmanager
    async def held(self, first: bool = False) -> AsyncIterator[None]:
        await self._acquire(first)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, first: bool) -> None:
        if not (self._held or self._first or self._rest):
            self._held = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._first if first else self._rest).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():   # handed over as it was cancelled
                self._release()
            raise

    def _release(self) -> None:
        """Hand the lock to the next waiter still waiting, or free it."""
        for waiting in (self._first, self._rest):
            while waiting:
                turn = waiting.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._held = False


class DatabaseUnavailable(Exception):
    """The database could not be reached: the work was not done, and whoever asked for it
    should ask again later (a webhook answers 503 and Telegram redelivers the update)."""


_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "57014")
"""Connection exceptions, the server shutting down or not ready, a statement cancelled
(our statement timeout)."""


def is_disconnect(error: BaseException) -> bool:
    """True when `error` says the database could not be reached or did not answer, as
    opposed to a statement that failed on its own merits."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError | TimeoutError | PoolTimeout | ConnectionDoesNotExistError):
            return True
        if str(getattr(seen, "sqlstate", None) or "").startswith(_UNAVAILABLE_SQLSTATES):
            return True
        seen = seen.__cause__ or getattr(seen, "orig", None)
    return False


def _unreachable_is_disconnect(context: ExceptionContext) -> None:
    """A statement timed out or a socket failed: the pool replaces the connections older
    than this one (SQLAlchemy's PostgreSQL dialect only counts a connection already closed),
    and this one is closed at once, not politely: a polite close waits 2 s for a server that
    may not answer."""
    if not is_disconnect(context.original_exception):
        return
    context.is_disconnect = True
    driver = context.connection.connection.driver_connection if context.connection else None
    if driver is not None:
        driver.terminate()


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL with NORMAL sync: durable across process crashes, one fsync per checkpoint rather
    # than per commit (an OS crash may lose the last commits; production runs PostgreSQL).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def insert_for(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT (with ON CONFLICT support) for this session's database."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def table_of(model: type[Base]) -> Table:
    """The table a model maps (SQLAlchemy types `__table__` as any FROM clause, since a class
    may map to a join; each model here maps one table)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} maps no single table")
    return table


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (`execute` returns a CursorResult for those,
    typed as the plain Result)."""
    if not isinstance(result, CursorResult):
        raise TypeError("not the result of an UPDATE or DELETE")
    return result.rowcount
