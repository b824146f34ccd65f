"""SQLite calls, the Store's two ways, in one process on uvloop: CPU (all threads) and wall time per call.

    read   one account row by its key: through aiosqlite (the async engine: a worker-thread trip for each
           cursor, execute, fetch and close) against the Store's read on the event loop (the standard
           library's driver, called directly)
    write  a usage record and the account's spend in one IMMEDIATE transaction, the same prepared statements:
           statement by statement through aiosqlite against the whole transaction on the event loop
           (Store._write)
    statements  the same write on the loop, its statements built for each call with `.values(**row)` (as
           before) against made once and given the row as parameters (as now)

Both sides run the same SQLAlchemy statements on the same database file and return the same rows; the blocks
alternate (A B A B ...) so the machine's drift falls on both. Run: `.venv/bin/python bench/sqlite_calls.py`.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from easel.spaces.db import Store  # noqa: E402
from easel.spaces.ledger import Ledger  # noqa: E402
from easel.spaces.records import Principal  # noqa: E402
from easel.spaces.tables import accounts, usage  # noqa: E402


async def _timed(n: int, call: Any) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        await call()
    return (time.process_time() - cpu) / n * 1e6, (time.perf_counter() - wall) / n * 1e6


async def measure(calls: int = 500, blocks: int = 6) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="easel-sqlite-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'easel.db'}")
        await store.open()
        try:
            account = await store.create_account("acct-bench", "bench")
            principal = Principal(account_id=account.id, key_id="key-bench", default_workspace_id="wks-bench")
            ledger = Ledger(store)
            stmt = sa.select(accounts).where(accounts.c.id == account.id)

            async def read_aiosqlite() -> None:
                async with store._reader.connect() as conn:
                    (await conn.execute(stmt)).all()

            async def read_loop() -> None:
                await store._rows(stmt)

            insert_usage = usage.insert()
            add_spend = (accounts.update().where(accounts.c.id == sa.bindparam("account"))
                         .values(spent_usd=accounts.c.spent_usd + sa.bindparam("cost")))
            spend = {"account": account.id, "cost": 0.0}

            async def write_aiosqlite() -> None:
                record = _record(ledger, principal)
                async with store._tx() as conn:
                    await conn.execute(insert_usage, record)
                    await conn.execute(add_spend, spend)

            async def write_loop_built() -> None:
                record = _record(ledger, principal)

                def body(conn: sa.Connection) -> None:  # as before: a statement built for each call
                    conn.execute(usage.insert().values(**record))
                    conn.execute(accounts.update().where(accounts.c.id == account.id)
                                 .values(spent_usd=accounts.c.spent_usd + 0.0))

                await store._write(body)

            async def write_loop() -> None:
                record = _record(ledger, principal)

                def body(conn: sa.Connection) -> None:
                    conn.execute(insert_usage, record)
                    conn.execute(add_spend, spend)

                await store._write(body)

            # Each pair changes one thing: the driver (read, write), or how the statement is made (statements).
            pairs = {"read": (read_aiosqlite, read_loop), "write": (write_aiosqlite, write_loop),
                     "statements": (write_loop_built, write_loop)}
            out: dict[str, Any] = {"calls_per_block": calls, "blocks": blocks}
            for name, (before, after) in pairs.items():
                for call in (before, after):  # warm both
                    await _timed(50, call)
                samples: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
                for _ in range(blocks):
                    samples["before"].append(await _timed(calls, before))
                    samples["after"].append(await _timed(calls, after))
                row: dict[str, Any] = {
                    side: {"cpu_us": statistics.median(c for c, _ in s), "wall_us": statistics.median(w for _, w in s)}
                    for side, s in samples.items()}
                row["cpu_ratio"] = row["after"]["cpu_us"] / row["before"]["cpu_us"]
                out[name] = row
            return out
        finally:
            await store.close()


def _record(ledger: Ledger, principal: Principal) -> dict[str, Any]:
    from easel.spaces import ids
    from easel.spaces.db import now_iso

    return {"id": ids.short_id("use"), "account_id": principal.account_id, "kind": "chat", "api": "bench",
            "status": "completed", "created_at": now_iso(), "workspace_id": None, "key_id": principal.key_id,
            "on_behalf_of": None, "operation": None, "model": None, "size": None, "n": 0, "prompt": None,
            "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0, "file_ids": "[]"}


if __name__ == "__main__":
    print(json.dumps(uvloop.run(measure()), indent=2))
