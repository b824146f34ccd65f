"""The distribution installs one import name, `easel`, with every package folder of the repository in it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"agent": "easel.agent", "tools": "easel.tools", "spaces": "easel.spaces"}


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_installed_under_easel() -> None:
    found = {
        ".".join([MAPPED[init.relative_to(ROOT).parts[0]], *init.relative_to(ROOT).parts[1:-1]])
        for top in MAPPED
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert sorted(_config()["packages"]) == sorted(found)


def test_the_only_top_level_name_is_easel() -> None:
    config = _config()
    assert {name.split(".")[0] for name in config["packages"]} == {"easel"}
    assert config["package-dir"] == {value: key for key, value in MAPPED.items()}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~;\s]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    """`make run` and `make test` install from requirements.lock alone (`--require-hashes`, then Easel with
    `--no-deps`): a dependency added to pyproject.toml without `make lock` would be missing there."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]}
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {_name(m) for m in re.findall(r"^([A-Za-z0-9_.\[\]-]+)==", lock, flags=re.M)}
    assert wanted <= pinned, f"not in requirements.lock (run `make lock`): {sorted(wanted - pinned)}"
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock.split("\n", 1)[1] if lock.startswith("#") else lock)
    assert all("--hash=sha256:" in b for b in blocks if "==" in b)
