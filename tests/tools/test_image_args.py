from __future__ import annotations

import pytest

from easel.tools.image_args import SCHEMA, ArgumentError, parse_args, parse_size, ratio_size


@pytest.mark.parametrize(("text", "size"), [
    ("1024x768", (1024, 768)), ("64X2048", (64, 2048)), ("512 × 512", (512, 512)),
    ("square_hd", (1024, 1024)), ("portrait_16_9", (576, 1024)), ("landscape_4_3", (1024, 768)),
])
def test_sizes(text: str, size: tuple[int, int]) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(("text", "said"), [
    ("5000x10", "each side must be 64 to 2048 pixels"), ("64x4000", "each side must be 64 to 2048 pixels"),
    ("63x63", "each side must be 64 to 2048 pixels"), ("0x0", "each side must be 64 to 2048 pixels"),
    ("big", "size must be WIDTHxHEIGHT (e.g. 1024x768)"), ("1024", "size must be WIDTHxHEIGHT (e.g. 1024x768)"),
])
def test_bad_sizes_say_what_is_allowed(text: str, said: str) -> None:
    with pytest.raises(ArgumentError) as err:
        parse_size(text)
    assert said in str(err.value)


@pytest.mark.parametrize(("ratio", "size"), [("1:1", (1024, 1024)), ("16:9", (1024, 576)), ("9:16", (576, 1024)),
                                              ("4:3", (1024, 768)), ("3:2", (1024, 688)), ("landscape", (1024, 576))])
def test_ratios(ratio: str, size: tuple[int, int]) -> None:
    assert ratio_size(ratio) == size


def test_operation_is_inferred_from_sources() -> None:
    assert parse_args({"prompt": "a cat"}).resolved_operation() == "generate"
    assert parse_args({"prompt": "add rain", "source_file_ids": ["file-a"]}).resolved_operation() == "edit"
    assert parse_args({"prompt": "x", "source_file_ids": ["file-a"], "style": "anime"}).resolved_operation() \
        == "style_transfer"
    assert parse_args({"prompt": "x", "source_file_ids": ["file-a", "file-b"]}).resolved_operation() == "compose"


@pytest.mark.parametrize(("args", "said"), [
    ({}, "prompt is required"),
    ({"prompt": "   "}, "blank"),
    ({"prompt": "x", "n": 11}, "n:"),
    ({"prompt": "x", "n": 0}, "n:"),
    ({"prompt": "x", "strength": 1.5}, "strength"),
    ({"prompt": "x", "output_format": "bmp"}, "output_format"),
    ({"prompt": "x", "colour": "red"}, "colour is not an argument"),
    ({"prompt": "x", "source_file_ids": ["f"] * 17}, "at most 16"),
    ({"prompt": "x", "operation": "compose", "source_file_ids": ["f"]}, "at least two"),
    ({"prompt": "x", "operation": "generate", "source_file_ids": ["f"]}, "takes no source"),
    ({"prompt": "x", "aspect_ratio": "5:1"}, "aspect_ratio"),
])
def test_bad_arguments_become_one_readable_sentence(args: dict, said: str) -> None:
    with pytest.raises(ArgumentError) as err:
        parse_args(args)
    assert said in str(err.value)


def test_jpg_is_jpeg_and_the_schema_matches_the_model() -> None:
    assert parse_args({"prompt": "x", "output_format": "jpg"}).output_format == "jpeg"
    props = SCHEMA["function"]["parameters"]["properties"]
    from easel.tools.image_args import ImageGenArgs

    assert set(props) == set(ImageGenArgs.model_fields)


def test_the_schema_names_the_offline_painters_styles_as_the_canonical_ones() -> None:
    from easel.tools.engines.offline.style_names import STYLES
    from easel.tools.image_args import SCHEMA, STYLE_PRESETS

    assert STYLE_PRESETS == tuple(STYLES)
    described = SCHEMA["function"]["parameters"]["properties"]["style"]["description"]
    assert all(name in described for name in STYLES) and "any other style" in described
