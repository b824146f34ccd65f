"""OfflineEngine end to end: determinism, seeds, sizes, formats, failures, concurrency."""

from __future__ import annotations

import asyncio
import io
import struct

import pytest
from PIL import Image

from easel.spaces.errors import EaselError
from easel.tools.engines.base import ImageEngine, ImageJob, SourceImage
from easel.tools.engines.offline import OfflineEngine

from .conftest import make_photo, png_bytes

SCENE = "a mountain lake at sunset"


def run(coro):  # noqa: ANN001, ANN201 - a tiny shim: no pytest-asyncio needed
    return asyncio.run(coro)


def gen(prompt: str = SCENE, **kw: object) -> ImageJob:
    kw.setdefault("width", 192)
    kw.setdefault("height", 192)
    return ImageJob("generate", prompt, **kw)  # type: ignore[arg-type]


def png_chunks(data: bytes) -> list[bytes]:
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return chunks


def test_satisfies_the_protocol() -> None:
    engine = OfflineEngine()
    assert isinstance(engine.model, str) and engine.model == "builtin/painter-1"
    assert engine.capabilities.operations == {"generate", "edit", "style_transfer", "compose"}
    assert engine.capabilities.mask is False and engine.capabilities.max_sources == 4
    _: ImageEngine = engine  # type-checks as the protocol


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    engine = OfflineEngine()
    a = run(engine.generate(gen(seed=11))).images[0]
    b = run(engine.generate(gen(seed=11))).images[0]
    c = run(engine.generate(gen(seed=12))).images[0]
    assert a.data == b.data
    assert a.data != c.data
    assert b"tIME" not in png_chunks(a.data) and b"tEXt" not in png_chunks(a.data)


@pytest.mark.parametrize("prompt", ['logo for a bakery called "Crumb"', "icon set: home, search", "diagram of a cache"])
def test_every_generator_varies_with_the_seed(prompt: str) -> None:
    engine = OfflineEngine()
    a = run(engine.generate(gen(prompt, seed=1))).images[0].data
    b = run(engine.generate(gen(prompt, seed=2))).images[0].data
    assert a != b and a == run(engine.generate(gen(prompt, seed=1))).images[0].data


def test_random_seed_is_reported_and_reproduces() -> None:
    engine = OfflineEngine()
    first = run(engine.generate(gen(seed=None))).images[0]
    assert isinstance(first.seed, int)
    again = run(engine.generate(gen(seed=first.seed))).images[0]
    assert again.data == first.data


def test_variants_use_consecutive_seeds() -> None:
    res = run(OfflineEngine().generate(gen(seed=40, n=3)))
    assert [im.seed for im in res.images] == [40, 41, 42]
    assert len({im.data for im in res.images}) == 3
    assert all(im.revised_prompt for im in res.images)


@pytest.mark.parametrize(
    ("fmt", "magic", "mime"),
    [("png", b"\x89PNG", "image/png"), ("jpeg", b"\xff\xd8", "image/jpeg"), ("webp", b"RIFF", "image/webp")],
)
def test_output_formats(fmt: str, magic: bytes, mime: str) -> None:
    im = run(OfflineEngine().generate(gen(seed=1, output_format=fmt))).images[0]
    assert im.data.startswith(magic) and im.mime_type == mime
    assert Image.open(io.BytesIO(im.data)).size == (192, 192)


def test_default_generation_size_is_1024() -> None:
    im = run(OfflineEngine().generate(ImageJob("generate", "icon set: home", seed=1))).images[0]
    assert (im.width, im.height) == (1024, 1024)
    assert Image.open(io.BytesIO(im.data)).size == (1024, 1024)


def test_transparent_background_where_it_makes_sense() -> None:
    engine = OfflineEngine()
    logo = run(engine.generate(gen('logo for a café called "Brew"', seed=1, background="transparent"))).images[0]
    img = Image.open(io.BytesIO(logo.data))
    assert img.mode == "RGBA" and img.getextrema()[3][0] == 0
    scene = run(engine.generate(gen(seed=1, background="transparent")))
    assert Image.open(io.BytesIO(scene.images[0].data)).mode == "RGB" and scene.notes
    jpeg = run(engine.generate(gen('logo called "Brew"', seed=1, background="transparent", output_format="jpeg")))
    assert jpeg.notes and "JPEG" in jpeg.notes[0]


def test_edit_keeps_source_size_unless_asked(photo_source: SourceImage) -> None:
    engine = OfflineEngine()
    same = run(engine.edit(ImageJob("edit", "make it darker", sources=(photo_source,), seed=1))).images[0]
    assert (same.width, same.height) == (192, 128)
    sized = run(engine.edit(ImageJob("edit", "make it darker", sources=(photo_source,), seed=1, width=64, height=64)))
    assert (sized.images[0].width, sized.images[0].height) == (64, 64)


def test_undecodable_source_is_invalid_image() -> None:
    bad = SourceImage("f", b"not an image at all", "image/png", "x.png")
    with pytest.raises(EaselError) as err:
        run(OfflineEngine().edit(ImageJob("edit", "make it darker", sources=(bad,))))
    assert err.value.status == 400 and err.value.code == "invalid_image"


def test_unknown_edit_is_refused_by_name(photo_source: SourceImage) -> None:
    with pytest.raises(EaselError) as err:
        run(OfflineEngine().edit(ImageJob("edit", "remove the house", sources=(photo_source,))))
    assert err.value.status == 422 and err.value.code == "generation_failed"
    assert "remove objects" in err.value.message and "configure an image model" in err.value.message


def test_mask_and_missing_sources_are_refused(photo_source: SourceImage) -> None:
    engine = OfflineEngine()
    with pytest.raises(EaselError, match="masked"):
        run(engine.edit(ImageJob("edit", "make it darker", sources=(photo_source,), mask=b"x")))
    with pytest.raises(EaselError, match="at least two"):
        run(engine.compose(ImageJob("compose", "side by side", sources=(photo_source,))))


def test_style_transfer_maps_unknown_style_with_a_note(photo_source: SourceImage) -> None:
    res = run(OfflineEngine().edit(ImageJob("style_transfer", "", style="cubist", sources=(photo_source,), seed=2)))
    assert res.style == "pop-art"
    assert res.notes and "cubist" in res.notes[0] and "nearest" in res.notes[0]
    known = run(OfflineEngine().edit(ImageJob("style_transfer", "", style="Watercolour", sources=(photo_source,))))
    assert known.style == "watercolor" and known.notes == ()


def test_compose_side_by_side_width(photo_source: SourceImage) -> None:
    other = SourceImage("f2", png_bytes(make_photo(96, 64)), "image/png")
    res = run(OfflineEngine().compose(ImageJob("compose", "put them side by side", sources=(photo_source, other))))
    assert (res.images[0].width, res.images[0].height) == (384, 128)


def test_rendering_does_not_block_the_event_loop() -> None:
    engine = OfflineEngine(max_workers=1)

    async def scenario() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        task = asyncio.create_task(ticker())
        await engine.generate(gen(seed=1, width=512, height=512))
        task.cancel()
        return ticks

    assert run(scenario()) >= 5


def test_concurrent_variants_match_single_renders() -> None:
    engine = OfflineEngine(max_workers=2)
    prompt = 'vintage logo for a bakery called "Crumb"'
    pair = run(engine.generate(gen(prompt, seed=5, n=2)))
    single = run(engine.generate(gen(prompt, seed=6)))
    assert pair.images[1].data == single.images[0].data


def test_a_subject_it_cannot_draw_is_said_plainly() -> None:
    res = run(OfflineEngine().generate(gen("a portrait of a purple submarine", seed=1)))
    assert res.notes[0].startswith("The offline engine paints landscapes")
    assert "could not draw the subject" in res.notes[0]
    assert "'submarine'" in res.notes[0] and "not in the picture" in res.notes[0]
    assert res.images[0].metadata["drawn"] == [] and res.images[0].metadata["omitted"] == ["submarine"]
    assert not run(OfflineEngine().generate(gen(seed=1))).notes
