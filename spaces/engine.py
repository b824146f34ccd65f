"""Which database, and how to talk to it: `EASEL_DATABASE_URL` to an async SQLAlchemy engine.

`sqlite:///path` runs on aiosqlite for the store's longer transactions and on the standard library's driver,
called from the event loop, for its short reads and hot writes (make_sync_sqlite_engine). `postgresql://…`
runs on asyncpg: the fastest PostgreSQL driver for asyncio (binary protocol, prepared statements cached per
connection) and SQLAlchemy's best-trodden async one.

SQLite gets, on every new connection, busy_timeout BEFORE journal_mode=WAL (switching to WAL takes a lock, so
a process starting beside another must wait for it, not fail), and transactions begun by us: a write begins
IMMEDIATE, taking the write lock up front, so two writers queue on busy_timeout instead of one failing when it
upgrades a read lock.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_MS = 30_000
DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}
# Execution option naming how a transaction on SQLite begins: DEFERRED (reads), IMMEDIATE (writes), EXCLUSIVE.
BEGIN = "easel_sqlite_begin"


class DatabaseUrlError(ValueError):
    pass


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'easel.db').resolve()}"


def check_url(url: str) -> URL:
    """The URL with its async driver; a clear error for anything but sqlite:// and postgresql://."""
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - sqlalchemy raises ArgumentError or ValueError for garbage
        raise DatabaseUrlError("not a database URL; use sqlite:///path or postgresql://user@host/db") from None
    base = parsed.drivername.split("+", 1)[0]
    if base not in DRIVERS:
        raise DatabaseUrlError(f"unsupported database {base!r}; use sqlite:///path or postgresql://user@host/db")
    if base == "sqlite" and not parsed.database:
        raise DatabaseUrlError("sqlite needs a file: sqlite:///path/to/easel.db")
    return parsed.set(drivername=DRIVERS[base])


def redacted(url: str) -> str:
    """For logs and errors: never the password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "<unparsable database URL>"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we say BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")  # first: the next line may wait on a lock
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode is durable across application crashes; only an OS crash may lose the last
    # transactions, never corrupt the database.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get(BEGIN, "DEFERRED")
    if mode is not None:  # None: each statement on its own (a one-statement read needs no transaction)
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_sync_sqlite_engine(url: str, busy_ms: int = SQLITE_BUSY_MS, autocheckpoint: bool = True) -> Engine:
    """The same SQLite file through the standard library's driver, called directly: no worker-thread trip per
    call. aiosqlite pays one such trip for each cursor, execute, fetch and close (five or six per statement):
    a one-row read cost 0.66 ms of CPU through it against 0.09 ms here (bench/sqlite_calls.py). The Store
    runs short reads and writes on it from the event loop (busy_ms short, so that a lock held by another
    process sends the call to a worker thread instead of stalling the loop), and checkpoints the WAL itself
    where autocheckpoint is off."""
    parsed = check_url(url).set(drivername="sqlite+pysqlite")
    engine = create_engine(parsed, pool_size=8, max_overflow=8, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_connect)

    def tune(dbapi_connection: Any, _record: Any) -> None:
        if busy_ms != SQLITE_BUSY_MS:
            dbapi_connection.execute(f"PRAGMA busy_timeout={busy_ms}")
        if not autocheckpoint:
            dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    event.listen(engine, "connect", tune)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def make_engine(url: str) -> AsyncEngine:
    parsed = check_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(parsed, pool_size=8, max_overflow=8)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(parsed, pool_size=10, max_overflow=10, pool_recycle=1800)


# -- for tests and benchmarks: a PostgreSQL database of their own, made and dropped -------------------------
async def create_database(server_url: str, prefix: str = "easel") -> str:
    """Creates a database with a unique name on the server of `server_url`; returns the URL to it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    return check_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    parsed = check_url(url)
    await _admin(url, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(check_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT",
                                 pool_size=1)
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(statement)
    finally:
        await engine.dispose()
