"""Versioned schema migrations (Alembic), shipped inside the package and run at start by spaces.migrate."""
