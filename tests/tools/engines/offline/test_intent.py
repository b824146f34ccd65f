"""Prompt reading: routing, scene contents, names, icon lists."""

from __future__ import annotations

import pytest

from easel.tools.engines.offline import intent


@pytest.mark.parametrize(
    ("prompt", "kind"),
    [
        ("futuristic cityscape at night with neon lights", "scene"),
        ('minimalist logo for a coffee shop called "Brew"', "logo"),
        ("icon set for a mobile app — home, search, profile, settings", "icons"),
        ("technical diagram showing a load balancer architecture", "diagram"),
        ("microservices architecture with kafka and postgres", "diagram"),
        ("gothic architecture of an old cathedral at dusk", "scene"),
        ("an app icon of a camera", "icons"),
    ],
)
def test_classify(prompt: str, kind: str) -> None:
    assert intent.classify(prompt) == kind


def test_scene_reads_time_subjects_weather_and_colours() -> None:
    spec = intent.parse_scene("snowy pine forest by a lake at sunset under a purple sky")
    assert spec.time == "sunset"
    assert {"forest", "water"} <= spec.subjects
    assert spec.weather == {"snow"}
    assert spec.colors and spec.colors[0] == (128, 62, 180)


def test_neon_means_a_city_at_night() -> None:
    spec = intent.parse_scene("futuristic cityscape with neon lights")
    assert spec.neon and spec.time == "night" and "city" in spec.subjects


def test_negative_prompt_removes_a_subject() -> None:
    spec = intent.parse_scene("mountains and a lake", negative="no lake, no water")
    assert "water" not in spec.subjects and "mountains" in spec.subjects


def test_unknown_words_still_give_a_scene_that_depends_on_them() -> None:
    a, b = (
        intent.parse_scene("the feeling of a quiet sunday"),
        intent.parse_scene("a melody of forgotten trains"),
    )
    assert a.inferred and a.subjects and b.subjects
    assert a.variant != b.variant


@pytest.mark.parametrize(
    ("prompt", "name"),
    [
        ('logo for a coffee shop called "Brew"', "Brew"),
        ("logo for a coffee shop called “Brew Bros”", "Brew Bros"),
        ("logo for a bakery named Golden Crust with warm colours", "Golden Crust"),
        ("a badge for a gym called Iron Temple.", "Iron Temple"),
    ],
)
def test_brand_name(prompt: str, name: str) -> None:
    assert intent.brand_name(prompt) == name


def test_business_phrase_and_logo_spec() -> None:
    spec = intent.parse_logo("vintage logo for an AI startup called Nimbus in blue")
    assert spec.name == "Nimbus" and spec.business == "AI startup"
    assert "vintage" in spec.styles and spec.colors


def test_icon_requests_reads_the_list() -> None:
    assert intent.icon_requests("icon set for a mobile app — home, search, profile, settings") == [
        "home",
        "search",
        "profile",
        "settings",
    ]
    assert intent.icon_requests("icons: heart, star and bell") == ["heart", "star", "bell"]
    assert intent.icon_requests("icons for a music app") == []


def test_colour_words_go_to_the_subject_they_name() -> None:
    spec = intent.parse_scene("a purple sky over a red desert")
    assert spec.colors == ((128, 62, 180),)
    assert spec.land_colors == (("desert", (214, 48, 49)),)


def test_aurora_means_night_and_beach_means_water() -> None:
    assert intent.parse_scene("northern lights over the mountains").time == "night"
    assert {"beach", "water"} <= intent.parse_scene("a quiet beach at sunrise").subjects
