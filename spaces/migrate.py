"""Moves a store to the newest schema at start, once, however many processes start at the same moment.

Every process runs this; the first to take the lock migrates and the others, waiting on it, then find the
store at head and do nothing. PostgreSQL: a transaction-scoped advisory lock, with the migration in that
transaction (PostgreSQL's DDL is transactional). SQLite: one EXCLUSIVE transaction around it all.

A store written by release 0.1 (its tables, no alembic_version) is stamped with revision 0001, the schema
0.1 made, and then upgraded like any other.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from easel.spaces.engine import BEGIN

log = logging.getLogger("easel.migrate")
# Any fixed 64-bit number, the same in every Easel process: "easel-migrate" as bytes.
ADVISORY_LOCK = 0x656173656C6D6967
RELEASE_0_1 = "0001"
# Stores written between 0.1 and versioned migrations may already have later revisions' columns (added then by
# checks at open, in this order): such a store is stamped with the newest revision whose column it has.
ADDED_BEFORE_VERSIONING = [("0003", "workspaces", "link_secret"), ("0002", "conversations", "title")]


def _unversioned_revision(connection: sa.Connection) -> str:
    inspector = sa.inspect(connection)
    for revision, table, column in ADDED_BEFORE_VERSIONING:
        if column in {c["name"] for c in inspector.get_columns(table)}:
            return revision
    return RELEASE_0_1


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("easel.spaces") / "migrations"))
    return cfg


def head() -> str | None:
    return ScriptDirectory.from_config(config()).get_current_head()


def current(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: sa.Connection) -> tuple[str | None, str | None]:
    cfg = config()
    cfg.attributes["connection"] = connection
    before = current(connection)
    tables = set(sa.inspect(connection).get_table_names())
    if before is None and "accounts" in tables:
        before = _unversioned_revision(connection)
        log.warning("an unversioned store (release 0.1): stamping it %s before upgrading", before)
        command.stamp(cfg, before)
    if before != head():
        command.upgrade(cfg, "head")
    return before, current(connection)


async def migrate(engine: AsyncEngine) -> tuple[str | None, str | None]:
    """Returns the revision found and the revision left (equal when there was nothing to do)."""
    options: dict[str, Any] = {BEGIN: "EXCLUSIVE"} if engine.dialect.name == "sqlite" else {}
    async with engine.connect() as conn:
        await conn.execution_options(**options)
        async with conn.begin():
            if engine.dialect.name == "postgresql":
                await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK)))
            found, left = await conn.run_sync(_upgrade)
    if found != left:
        log.info("store migrated from %s to %s", found, left)
    return found, left
