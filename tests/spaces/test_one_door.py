"""The Space is the only door to the store: nothing outside spaces/ reaches its SQL layer (the URL rules in
spaces/engine.py excepted, for checking configuration), so every read and
write goes through a method that owns the workspace checks."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REACHES_IN = re.compile(r"\.store\.\w|\bstore=.*\.store\b|easel\.spaces\.(db|db_conversations|tables|migrate)\b")


def test_nothing_outside_spaces_touches_the_sql_layer() -> None:
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for top in ("agent", "tools")
             for path in sorted((ROOT / top).rglob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if REACHES_IN.search(line) and "import now_iso" not in line]
    assert found == []


def test_the_check_sees_a_reach_in() -> None:
    assert REACHES_IN.search("    record = await rt.space.store.usage_by_id(token)")
    assert REACHES_IN.search("from easel.spaces.tables import files")
    assert not REACHES_IN.search("    record = await rt.ledger.generation(principal, token)")
