"""Typographic logos: the name is really drawn, and the emblem fits the business."""

from __future__ import annotations

import numpy as np

from easel.tools.engines.offline.intent import parse_logo
from easel.tools.engines.offline.logo import choose_emblem, paint_logo

PROMPT = 'minimalist logo for a coffee shop called "Brew"'


def test_coffee_shop_gets_a_coffee_emblem() -> None:
    assert choose_emblem(parse_logo(PROMPT), PROMPT) == "coffee"
    bakery = "logo for a bakery named Crumb"
    assert choose_emblem(parse_logo(bakery), bakery) == "wheat"
    unknown = 'logo for a consultancy called "Zed"'
    assert choose_emblem(parse_logo(unknown), unknown) is None  # no emblem rather than a wrong one


def test_the_name_is_drawn() -> None:
    spec = parse_logo(PROMPT)
    with_name, desc = paint_logo(spec, PROMPT, 256, 256, False, seed=1)
    other, _ = paint_logo(parse_logo(PROMPT.replace("Brew", "Zest")), PROMPT, 256, 256, False, seed=1)
    assert "Brew" in desc
    diff = np.abs(with_name.astype(int) - other.astype(int)).sum(axis=2) > 40
    rows = np.nonzero(diff.any(axis=1))[0]
    assert diff.sum() > 150, "a different name changes the pixels"
    assert rows.min() > 256 * 0.45, "and only in the wordmark, below the emblem"


def test_text_region_has_ink_on_the_ground() -> None:
    img, _ = paint_logo(parse_logo(PROMPT), PROMPT, 256, 256, False, seed=1)
    ground = img[2, 2, :3].astype(int)
    band = img[int(256 * 0.6) : int(256 * 0.75), :, :3].astype(int)
    ink = (np.abs(band - ground).sum(axis=2) > 120).mean()
    assert ink > 0.02


def test_transparent_ground_and_layout_variants() -> None:
    img, _ = paint_logo(parse_logo('logo for a bakery called "Crumb"'), "logo", 128, 128, True, seed=0)
    assert img.shape == (128, 128, 4) and img[0, 0, 3] == 0 and img[..., 3].max() == 255
    layouts = {paint_logo(parse_logo('logo for "Kite"'), "logo", 96, 96, False, seed=s)[1].split()[1] for s in range(3)}
    assert layouts == {"stacked", "badge", "horizontal"}
