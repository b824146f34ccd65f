"""Alembic's environment: always the connection spaces.migrate hands over, already locked and in a transaction."""

from __future__ import annotations

from alembic import context

from easel.spaces.tables import metadata

connection = context.config.attributes["connection"]
# Batch mode lets ALTERs that SQLite lacks run as copy-and-swap; PostgreSQL alters in place.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
