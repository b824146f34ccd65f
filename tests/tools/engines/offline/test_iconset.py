"""Icon sets: the listed icons, in order, on a tidy grid."""

from __future__ import annotations

import numpy as np

from easel.tools.engines.offline.iconset import paint_icons, plan_icons

PROMPT = "icon set for a mobile app — home, search, profile, settings"


def test_plan_follows_the_list() -> None:
    assert plan_icons(PROMPT) == [
        ("Home", "home"),
        ("Search", "search"),
        ("Profile", "user"),
        ("Settings", "settings"),
    ]


def test_unknown_items_get_a_monogram_and_lists_default_by_app_kind() -> None:
    plan = plan_icons("icons: home, zorblax")
    assert plan[1] == ("Zorblax", None)
    music = [g for _, g in plan_icons("icons for a music app")]
    assert "play" in music and len(music) == 8
    shop = [g for _, g in plan_icons("six icons for a shopping app")]
    assert "cart" in shop and len(shop) == 6


def test_grid_has_one_tile_per_icon() -> None:
    img, desc = paint_icons(PROMPT, 256, 256, False, seed=1)
    assert "4" in desc
    bg = img[1, 1, :3].astype(int)
    busy = np.abs(img[..., :3].astype(int) - bg).sum(axis=2) > 60
    for qy in (slice(0, 128), slice(128, 256)):
        for qx in (slice(0, 128), slice(128, 256)):
            assert busy[qy, qx].mean() > 0.08, "each quadrant holds a tile"


def test_transparent_icon_set() -> None:
    img, _ = paint_icons(PROMPT, 128, 128, True)
    assert img[0, 0, 3] == 0 and img[..., 3].max() == 255
