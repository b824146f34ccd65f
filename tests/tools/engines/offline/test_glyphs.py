"""The glyph library: every glyph draws, and words find the right one."""

from __future__ import annotations

import pytest

from easel.tools.engines.offline import glyphs


@pytest.mark.parametrize("name", glyphs.names())
def test_every_glyph_draws_something_inside_its_box(name: str) -> None:
    mask = glyphs.render_mask(name, 48)
    assert mask.shape == (48, 48)
    assert 0.03 < mask.mean() < 0.7
    assert mask[0].max() < 0.9 and mask[-1].max() < 0.9, "padding at top and bottom"


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("profile", "user"),
        ("Settings", "settings"),
        ("notifications", "bell"),
        ("shopping cart", "cart"),
        ("coffee shop", "coffee"),
        ("bakeries", "wheat"),
        ("e-mail", "mail"),
    ],
)
def test_lookup(word: str, name: str) -> None:
    assert glyphs.lookup(word) == name


def test_find_in_text_prefers_longer_phrases_and_keeps_order() -> None:
    assert glyphs.find_in_text("a coffee shop with music and books") == ["coffee", "music", "book"]
    assert glyphs.lookup("xyzzy") is None
    assert glyphs.letter_mask("Zed", 32).mean() > 0.05
