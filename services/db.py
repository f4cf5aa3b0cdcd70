"""Database access: the declarative base, engine set-up and the unit of work."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy import (
    JSON,
    DateTime,
    MetaData,
    Table,
    bindparam,
    event,
    insert,
    inspect,
    select,
    text,
    true,
)
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached
from sqlalchemy.sql import FromClause
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")

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
    opened in WAL mode with a busy timeout for other processes. SQLite statements run on the
    event loop's own thread (`InlineSQLite`), not on aiosqlite's worker thread.
    """

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, object] = {"echo": echo}
        if self.is_sqlite:
            kwargs["async_creator"] = self._connect_sqlite
        else:
            # A fixed pool: overflow connections would be opened and closed again under load.
            # No pre-ping (BEGIN, ping, ROLLBACK: three round trips per checkout); a dropped
            # connection fails its one transaction and the pool reconnects, and Telegram
            # redelivers an update whose webhook call failed.
            kwargs.update(pool_size=pool_size, max_overflow=0, pool_recycle=1800)
        self.engine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
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

    async def _connect_sqlite(self) -> InlineSQLite:
        (database,), options = self.engine.dialect.create_connect_args(self.engine.url)
        return await InlineSQLite(lambda: sqlite3.connect(database, **options))

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


class InlineSQLite(aiosqlite.Connection):
    """aiosqlite's connection, running each call at once on the calling (event loop) thread.

    aiosqlite hands every call (cursor, execute, fetch, close: three or four a statement) to a
    worker thread and wakes the loop for its result; measured on the webhook bench, those
    hand-offs cost half the CPU of an update. SQLite's statements here are short, local and
    serialised by `Database`'s lock anyway, so they run in place: the loop is held for the
    statement's own time (microseconds for the serving path) instead of yielding to wait for
    it. SQLAlchemy's aiosqlite dialect drives it unchanged."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)

    def __await__(self) -> Generator[Any, None, InlineSQLite]:
        return self._connect().__await__()  # no worker thread to start

    async def _connect(self) -> InlineSQLite:
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return fn(*args, **kwargs)

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL with NORMAL sync: durable across process crashes, one fsync per checkpoint rather
    # than per commit (an OS crash may lose the last commits; production runs PostgreSQL).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


async def insert_loaded(session: AsyncSession, *objects: Any) -> None:
    """Write new objects with plain INSERT statements and hand them to the session as if just
    read: persistent, keyed, their later changes written by the session as usual. Several
    objects take one statement on PostgreSQL (a data-modifying WITH). The unit of work's
    flush of a new object costs several times its statement, and every new citizen comes
    this way. Attributes not set take their columns' (Python-side) defaults; each model has a
    single-column generated primary key."""
    rows = [_column_values(obj) for obj in objects]
    tables = tuple(type(obj).__table__ for obj in objects)
    connection = await session.connection()
    if len(objects) > 1 and connection.dialect.name == "postgresql":
        params = {f"r{i}_{key}": value for i, row in enumerate(rows) for key, value in row.items()}
        keys = list((await connection.execute(_inserted_together(tables), params)).one())
    else:
        keys = [(await connection.execute(_inserted(table), row)).scalar_one()
                for table, row in zip(tables, rows, strict=True)]
    for obj, table, key in zip(objects, tables, keys, strict=True):
        setattr(obj, _primary_key(table).key, key)
        make_transient_to_detached(obj)
        session.add(obj)


def _column_values(obj: Any) -> dict[str, Any]:
    """A new object's row; the defaults it takes are set on it too."""
    given = inspect(obj).dict
    row: dict[str, Any] = {}
    for column in type(obj).__table__.columns:
        if column.primary_key:
            continue
        if column.key in given:
            row[column.key] = given[column.key]
            continue
        if column.server_default is not None:  # the row written here would not carry it
            raise ValueError(f"insert_loaded: {column} has a server default")
        default = column.default
        value = None if default is None else \
            default.arg(None) if default.is_callable else default.arg
        setattr(obj, column.key, value)
        row[column.key] = value
    return row


def _primary_key(table: Any) -> Any:
    (column,) = table.primary_key.columns
    return column


def _inserted(table: Any) -> Any:
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = insert(table).returning(_primary_key(table))
    return statement


def _inserted_together(tables: tuple[Any, ...]) -> Any:
    statement = _INSERTS.get(tables)
    if statement is None:
        ctes = [
            insert(table).values({
                column.key: bindparam(f"r{i}_{column.key}", type_=column.type)
                for column in table.columns if not column.primary_key
            }).returning(_primary_key(table)).cte(f"r{i}")
            for i, table in enumerate(tables)
        ]
        joined: FromClause = ctes[0]
        for cte in ctes[1:]:  # one row each
            joined = joined.join(cte, true())
        statement = _INSERTS[tables] = select(*(cte.c[0] for cte in ctes)).select_from(joined)
    return statement


_INSERTS: dict[Any, Any] = {}
"""INSERT statements built once per table (or tuple of tables written together)."""


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
