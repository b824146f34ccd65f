"""The distribution installs one import name, `easel`, with every package folder of the repository in it."""

from __future__ import annotations

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
