"""`make gallery`: every seed 000 example, style and edit through `/v1/chat` on the offline defaults,
written as one labelled contact sheet to docs/gallery.png, so anyone can see what the offline engine makes;
and a strip of frames from each kind of motion the offline animator makes, to docs/motion.png.

It starts its own server on a free loopback port with a throw-away data directory, and talks to it only
over HTTP, as a client would.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.serverproc import EaselServer  # noqa: E402

KEY = "esk_gallery_key_0000000000000000000000"
GENERATE = [
    "Create an image of a futuristic cityscape at night with neon lights",
    'Generate a minimalist logo for a coffee shop called "Brew"',
    "Draw a technical diagram showing a load balancer architecture",
    "Create an icon set for a mobile app - home, search, profile, settings",
    "Create an image of a mountain landscape at sunrise",
    "Paint a quiet lake at sunset with a forest",
]
PHOTO_PROMPT = "A photo of mountains above a lake with a forest on a clear day"
STYLES = [
    "Render this photo as a pencil sketch", "Apply a watercolor style to my uploaded photo",
    "Render this image as an oil painting in the style of impressionism", "Make this photo pop art",
    "Turn this photo into anime", "Make this photo pixel art", "Render this photo as a cinematic still",
    "Render this photo in neon-punk style", "Render this photo as line art", "Make this photo low-poly",
    "Render this photo as origami", "Render this photo as an analog film photo",
]
EDITS = [
    "Edit this image to add rain", "Add falling snow to this image", "Make this image night",
    "Make this photo black and white", "Make it sepia", "Make it darker", "Add a rainbow to this image",
    'Add the text "Hello Easel" to this image', "Flip this image horizontally", "Blur this image",
]
SUBJECTS = [  # subjects in scenes, counts and styles: the offline painter's figures, through /v1/chat
    "A red fox sitting in a snowy forest", "A cute robot in a garden", "Draw a cat",
    "A cat and a dog on a beach", "Three birds flying over a lake at sunset", "A sailboat on the lake at dusk",
    "A castle on a hill at night", "An elephant and a giraffe in the desert, in watercolor",
    "A horse in a meadow at sunrise, as an oil painting", "A snowman in a snowy village",
    "An astronaut under a starry sky", "A dragon over the mountains, fantasy art", "A penguin on an icy shore",
    "A tractor in a field, pixel art", "A bus and a taxi in a city street at night",
    "A cup of coffee and a croissant, in watercolor", "Four cows on rolling hills", "A rocket launching at dawn",
    "A whale and a dolphin in the ocean", "A camel in the desert at sunset",
    "A wizard and a unicorn in an enchanted forest, anime style", "A farmer with a sheep and a pig on a farm",
    "A house with a tree and a dog, pencil sketch", "A hot dog, a pizza and a hamburger, pop art",
    "A cyclist on a country road, low poly", "A teddy bear and balloons, claymation",
    "A pirate ship on stormy seas", "Two kittens playing in a garden", "A kangaroo in the outback at sunset",
    "A polar bear on the ice at night", "An owl in a forest at midnight",
    "A fire engine and a firefighter in the rain", "A bicycle by a lake, impressionism",
    "A ghost in a foggy forest at night", "A princess and a castle, comic book style",
    "A car on a mountain road, cinematic", "A mermaid and a sailboat in the bay",
    "Sunflowers and a butterfly in a field, in watercolor", "A dinosaur in a jungle",
    "A herd of zebras on the savanna", "A cactus and a snake in the desert, line art",
    "A chef with a cake, origami", "A unicorn and a submarine under a starry sky",
    "Five sheep and a dog on the hills, seed 3",
]
TILE = 320
# Each kind of motion, asked for in chat as a user would: (label, request, animate the photo?). The photo is the
# painter's, re-encoded without its provenance, so it moves as a photo does (the camera only). Seeds keep the
# sheet the same from run to run.
MOTIONS = [
    ("Camera: slow zoom in (a photo)", "Animate this photo with a slow zoom in for 4 seconds, seed 7", True),
    ("Camera: pan left (a photo)", "Animate this photo, pan left, 4 seconds, seed 7", True),
    ("Parallax of the painter's layers",
     "Make a 4-second video of snowy mountains behind green hills, pan right, seed 7", False),
    ("Water shimmer and parallax", "Make a 4-second video of a quiet lake at sunset with a forest, seed 7", False),
    ("Drifting clouds", "Make a 4-second video of rolling hills under a cloudy sky, static camera, seed 7", False),
    ("Flickering city lights", "Make a 4-second video of a city skyline at night, slow zoom in, seed 7", False),
    ("Falling rain", "Make a 4-second video of a harbour in the rain, seed 7", False),
    ("Falling snow", "Make a 4-second video of a snowy village with falling snow, static camera, seed 7", False),
]
STRIP_FRAMES = 5
FRAME_W = 256


def chat(c: httpx.Client, workspace: str, text: str, file_ids: list[str] | None = None) -> tuple[bytes | None, str]:
    body = {"messages": [{"role": "user", "content": text}], "workspace_id": workspace, "tools": ["image_gen"],
            "file_ids": file_ids or []}
    reply = c.post("/v1/chat", json=body).json()
    if not reply.get("media"):
        return None, reply.get("response", reply.get("error", "?"))
    return c.get(reply["media"][0]["url"]).content, reply["media"][0]["metadata"].get("operation", "")


def tile(data: bytes | None, label: str) -> Image.Image:
    canvas = Image.new("RGB", (TILE, TILE + 54), (250, 250, 248))
    if data:
        img = Image.open(io.BytesIO(data)).convert("RGB")
        img.thumbnail((TILE, TILE))
        canvas.paste(img, ((TILE - img.width) // 2, (TILE - img.height) // 2))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=13)
    for i, line in enumerate(textwrap.wrap(label, 44)[:3]):
        draw.text((6, TILE + 4 + i * 16), line, fill=(30, 30, 30), font=font)
    return canvas


def sheet(tiles: list[Image.Image], columns: int, title: str) -> Image.Image:
    rows = -(-len(tiles) // columns)
    w, h = tiles[0].size
    out = Image.new("RGB", (columns * (w + 8) + 8, rows * (h + 8) + 48), (255, 255, 255))
    ImageDraw.Draw(out).text((10, 12), title, fill=(0, 0, 0), font=ImageFont.load_default(size=22))
    for i, t in enumerate(tiles):
        out.paste(t, (8 + (i % columns) * (w + 8), 40 + (i // columns) * (h + 8)))
    return out


def run(out: Path, subjects_out: Path, motion_out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp, EaselServer(Path(tmp), key=KEY,
                                                           env={"EASEL_RATE_LIMIT_RPM": "0"}) as server:
        c = httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY}, timeout=120)
        workspace = c.get("/v1/workspaces").json()["workspaces"][0]["id"]
        tiles, started = [], time.monotonic()
        for prompt in GENERATE:
            data, _ = chat(c, workspace, prompt)
            tiles.append(tile(data, prompt))
        photo, _ = chat(c, workspace, PHOTO_PROMPT)
        assert photo, "the painter made no photo to work on"
        uploaded = c.post("/v1/storage/files", files={"file": ("photo.png", photo, "image/png")}).json()["fileId"]
        tiles.append(tile(photo, "The uploaded photo (used below)"))
        for prompt in STYLES + EDITS:
            data, _ = chat(c, workspace, prompt, [uploaded])
            tiles.append(tile(data, prompt))
        other, _ = chat(c, workspace, "Create an image of a futuristic cityscape at night with neon lights")
        assert other
        second = c.post("/v1/storage/files", files={"file": ("city.png", other, "image/png")}).json()["fileId"]
        data, _ = chat(c, workspace, "Combine these two images side by side", [uploaded, second])
        tiles.append(tile(data, "Combine these two images side by side"))
        title = f"Easel offline engine gallery: {len(tiles)} images through /v1/chat"
        sheet(tiles, 6, title).save(out, optimize=True)
        print(f"wrote {out} ({len(tiles)} tiles in {time.monotonic() - started:.1f} s)")
        subjects(c, workspace, subjects_out)
        motion(c, workspace, photo, motion_out)


def subjects(c: httpx.Client, workspace: str, out: Path) -> None:
    """The subjects sheet: each tile is labelled with its prompt and what the painter says it drew (and left out)."""
    tiles, started = [], time.monotonic()
    for prompt in SUBJECTS:
        body = {"messages": [{"role": "user", "content": prompt}], "workspace_id": workspace,
                "tools": ["image_gen"]}
        reply = c.post("/v1/chat", json=body).json()
        media = (reply.get("media") or [{}])[0]
        meta = media.get("metadata") or {}
        data = c.get(media["url"]).content if media else None
        drawn = ", ".join(meta.get("drawn") or []) or "no subject"
        omitted = f"; not drawn: {', '.join(meta['omitted'])}" if meta.get("omitted") else ""
        tiles.append(tile(data, f"{prompt}  [drew: {drawn}{omitted}]"))
    title = f"Easel offline painter: {len(tiles)} prompts with subjects, through /v1/chat"
    sheet(tiles, 6, title).save(out, optimize=True)
    print(f"wrote {out} ({len(tiles)} tiles in {time.monotonic() - started:.1f} s)")


def frames_of(video: bytes, count: int) -> list[Image.Image]:
    """`count` frames spread evenly from the first to the last."""
    import av  # the animator's own decoder: PyAV

    with av.open(io.BytesIO(video)) as container:
        frames = [f.to_image() for f in container.decode(video=0)]
    picks = [round(i * (len(frames) - 1) / (count - 1)) for i in range(count)]
    return [frames[i] for i in picks]


def motion_strip(video: bytes, label: str, request: str, notes: str) -> Image.Image:
    """One row: what was asked and what the animator says it moved, then frames left to right in time, and
    the difference between the first and last frame (brighter where more moved)."""
    import numpy as np

    frames = frames_of(video, STRIP_FRAMES)
    fh = round(FRAME_W * frames[0].height / frames[0].width)
    shown = [f.resize((FRAME_W, fh), Image.Resampling.LANCZOS) for f in frames]
    first, last = (np.asarray(f, dtype=np.int16) for f in (shown[0], shown[-1]))
    moved = Image.fromarray(np.clip(np.abs(last - first).max(axis=2) * 4, 0, 255).astype(np.uint8)).convert("RGB")
    row = Image.new("RGB", ((FRAME_W + 6) * (STRIP_FRAMES + 1) + 6, fh + 62), (250, 250, 248))
    draw = ImageDraw.Draw(row)
    draw.text((6, 4), label, fill=(0, 0, 0), font=ImageFont.load_default(size=15))
    small = ImageFont.load_default(size=12)
    draw.text((6, 22), f"\u201c{request}\u201d", fill=(60, 60, 60), font=small)
    draw.text((6, 38), textwrap.shorten(notes, 190), fill=(90, 90, 90), font=small)
    for i, f in enumerate([*shown, moved]):
        row.paste(f, (6 + i * (FRAME_W + 6), 56))
    return row


def motion(c: httpx.Client, workspace: str, painted_photo: bytes, out: Path) -> None:
    """The motion sheet: each kind of motion as a chat asks for it, non-streamed, through video_gen."""
    started = time.monotonic()
    plain = io.BytesIO()
    Image.open(io.BytesIO(painted_photo)).convert("RGB").save(plain, "JPEG", quality=92)  # no provenance
    photo = c.post("/v1/storage/files", files={"file": ("photo.jpg", plain.getvalue(), "image/jpeg")}).json()
    rows = []
    for label, request, on_photo in MOTIONS:
        body = {"messages": [{"role": "user", "content": request}], "workspace_id": workspace,
                "tools": ["video_gen"], "file_ids": [photo["fileId"]] if on_photo else []}
        reply = c.post("/v1/chat", json=body).json()
        media = next(m for m in reply["media"] if m["mime_type"] == "video/mp4")
        notes = " ".join(media["metadata"].get("notes") or [])
        rows.append(motion_strip(c.get(media["url"]).content, label, request, notes))
    w = rows[0].width
    sheet_ = Image.new("RGB", (w, sum(r.height + 6 for r in rows) + 70), (255, 255, 255))
    draw = ImageDraw.Draw(sheet_)
    draw.text((10, 10), f"Easel offline animator: {len(rows)} kinds of motion through /v1/chat (video_gen)",
              fill=(0, 0, 0), font=ImageFont.load_default(size=22))
    draw.text((10, 40), f"{STRIP_FRAMES} frames from first to last of each 4 s clip (24 fps), then the difference "
              "between the first and the last frame", fill=(60, 60, 60), font=ImageFont.load_default(size=13))
    y = 64
    for r in rows:
        sheet_.paste(r, (0, y))
        y += r.height + 6
    sheet_.save(out, optimize=True)
    print(f"wrote {out} ({len(rows)} clips in {time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery.png")
    parser.add_argument("--subjects-out", type=Path, default=ROOT / "docs" / "subjects.png")
    parser.add_argument("--motion-out", type=Path, default=ROOT / "docs" / "motion.png")
    parser.add_argument("--motion-only", action="store_true", help="only the motion sheet (a minute, not ten)")
    args = parser.parse_args()
    if args.motion_only:
        with tempfile.TemporaryDirectory() as tmp, EaselServer(Path(tmp), key=KEY,
                                                               env={"EASEL_RATE_LIMIT_RPM": "0"}) as server:
            c = httpx.Client(base_url=server.base_url, headers={"x-api-key": KEY}, timeout=300)
            workspace = c.get("/v1/workspaces").json()["workspaces"][0]["id"]
            photo, _ = chat(c, workspace, PHOTO_PROMPT)
            assert photo, "the painter made no photo to work on"
            motion(c, workspace, photo, args.motion_out)
    else:
        run(args.out, args.subjects_out, args.motion_out)
