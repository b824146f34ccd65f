"""Rebuild the offline painter's vendored subject figures (tools/engines/offline/subjects/*.png).

Run by hand, never at run time: the PNGs it writes are committed. It reads Noto Emoji's SVGs from the npm
package `@iconify-json/noto` (Apache-2.0) and rasterises each figure the catalogue names at 160 px:

    npm pack @iconify-json/noto && tar xzf iconify-json-noto-*.tgz
    pip install cairosvg
    python scripts/vendor_subjects.py package/icons.json
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import cairosvg  # type: ignore[import-not-found]
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "tools" / "engines" / "offline" / "subjects"
SIDE = 160


def svg(icons: dict, name: str) -> str:
    icon = icons["icons"][name]
    w, h = icon.get("width", icons.get("width", 16)), icon.get("height", icons.get("height", 16))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'viewBox="0 0 {w} {h}" width="{SIDE}" height="{SIDE}">{icon["body"]}</svg>')


def rasterise(icons: dict, name: str) -> bytes:
    png = cairosvg.svg2png(bytestring=svg(icons, name).encode(), output_width=SIDE, output_height=SIDE)
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    # 256 colours with alpha keep the figures' gradients and cut the files to about a third.
    small = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("icons", type=Path, help="icons.json from the @iconify-json/noto package")
    icons = json.loads(parser.parse_args().icons.read_text())
    from tools.engines.offline.subject_catalog import FIGURES

    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.png"):
        if old.stem not in FIGURES:
            old.unlink()
    total = 0
    for name in sorted(FIGURES):
        data = rasterise(icons, name)
        (OUT / f"{name}.png").write_bytes(data)
        total += len(data)
    print(f"{len(FIGURES)} figures, {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
