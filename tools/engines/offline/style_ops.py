"""Image-processing building blocks shared by the style pipelines.

Inputs and outputs are float32 RGB in 0..1 unless a name says otherwise. Expensive filters run at
reduced resolution where the eye cannot tell (smoothing, orientation fields, glows).
"""

from __future__ import annotations

import cv2
import numpy as np

FArray = np.ndarray


def f32(img: np.ndarray) -> FArray:
    out = img.astype(np.float32)
    out *= 1.0 / 255.0
    return out


def u8(img: FArray) -> np.ndarray:
    """Float 0..1 to uint8, rounding and saturating in one OpenCV pass (negatives clamped first)."""
    return cv2.convertScaleAbs(np.maximum(img, 0.0), alpha=255.0)


def luma(img: FArray) -> FArray:
    """Rec. 601 lightness of a float RGB image (OpenCV's weights, done in one fast pass)."""
    if img.ndim == 3 and img.shape[2] == 3:
        return cv2.cvtColor(np.ascontiguousarray(img, dtype=np.float32), cv2.COLOR_RGB2GRAY)
    return (img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114).astype(np.float32, copy=False)


def saturate(img: FArray, factor: float) -> FArray:
    g = luma(img)[..., None]
    out = img - g
    out *= factor
    out += g
    return np.clip(out, 0.0, 1.0, out=out)


def curve(img: FArray, contrast: float, pivot: float = 0.5) -> FArray:
    """A smooth S-curve (contrast > 1) or flattening (< 1) around `pivot`, applied through a
    1024-entry table (a lookup is several times cheaper than evaluating exp per pixel)."""
    x = np.linspace(0.0, 1.0, 1024)
    s = 1.0 / (1.0 + np.exp(-contrast * 4.0 * (x - pivot)))
    lo = 1.0 / (1.0 + np.exp(contrast * 4.0 * pivot))
    hi = 1.0 / (1.0 + np.exp(-contrast * 4.0 * (1 - pivot)))
    table = ((s - lo) / (hi - lo)).astype(np.float32)
    idx = np.clip(img * 1023.0 + 0.5, 0, 1023).astype(np.int32)
    return table[idx]


def resized(img: np.ndarray, factor: float, interp: int = cv2.INTER_AREA) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, int(w * factor)), max(1, int(h * factor))), interpolation=interp)


def upto(img: np.ndarray, like: np.ndarray, interp: int = cv2.INTER_LINEAR) -> np.ndarray:
    return cv2.resize(img, (like.shape[1], like.shape[0]), interpolation=interp)


def bilateral(img: FArray, passes: int, sigma_color: float, diameter: int = 7, scale: float = 0.5) -> FArray:
    """Edge-preserving smoothing, done at `scale` for speed and resized back. A fixed, small diameter
    with several passes smooths as much as one wide pass at a fraction of the cost."""
    small = resized(img, scale) if scale != 1.0 else img
    for _ in range(passes):
        small = cv2.bilateralFilter(small, diameter, sigma_color, diameter / 2)
    return upto(small, img) if scale != 1.0 else small


def blur(img: FArray, sigma: float) -> FArray:
    """Gaussian blur; wide ones run at reduced size (a wide blur has no fine detail to lose)."""
    if sigma < 4:
        return cv2.GaussianBlur(img, (0, 0), sigma)
    f = min(8, max(2, int(sigma // 2)))
    small = cv2.GaussianBlur(resized(img, 1.0 / f), (0, 0), sigma / f)
    return upto(small, img)


def equalized_luma(img: FArray) -> FArray:
    """Lightness with local contrast equalised (CLAHE), so edge finders work on flat, hazy pictures too."""
    g8 = (np.clip(luma(img), 0, 1) * 255).astype(np.uint8)
    return cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(g8).astype(np.float32) / 255.0


def kuwahara(img: FArray, radius: int) -> FArray:
    """Classic 4-quadrant Kuwahara: each pixel takes the mean of its least-varied quadrant. Flat
    patches with crisp borders between them are what reads as paint."""
    k = radius + 1
    lum = luma(img)
    best_var = None
    out = np.zeros_like(img)
    for ax, ay in ((0, 0), (radius, 0), (0, radius), (radius, radius)):
        mean = cv2.boxFilter(img, -1, (k, k), anchor=(ax, ay), borderType=cv2.BORDER_REFLECT)
        m1 = cv2.boxFilter(lum, -1, (k, k), anchor=(ax, ay), borderType=cv2.BORDER_REFLECT)
        m2 = cv2.boxFilter(lum * lum, -1, (k, k), anchor=(ax, ay), borderType=cv2.BORDER_REFLECT)
        var = m2 - m1 * m1
        if best_var is None:
            best_var, out = var, mean
        else:
            take = var < best_var
            best_var = np.where(take, var, best_var)
            out = np.where(take[..., None], mean, out)
    return out


def kmeans_palette(img: FArray, k: int, rng: np.random.Generator, samples: int = 4096, iters: int = 10) -> FArray:
    """k representative colours (k, 3) from a random sample of pixels; seeded, so reproducible."""
    px = img.reshape(-1, 3)
    pts = px[rng.integers(0, px.shape[0], min(samples, px.shape[0]))]
    k = max(1, min(k, pts.shape[0]))  # tiny images have fewer pixels than colours asked for
    centres = pts[rng.choice(pts.shape[0], k, replace=False)].astype(np.float64)
    for _ in range(iters):
        lab = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        counts = np.bincount(lab, minlength=k)
        sums = np.stack([np.bincount(lab, weights=pts[:, c], minlength=k) for c in range(3)], axis=1)
        filled = counts > 0  # an empty cluster keeps its old centre
        centres[filled] = sums[filled] / counts[filled, None]
    return centres.astype(np.float32)


def _nearest_table(palette: FArray) -> np.ndarray:
    grid = (np.arange(32, dtype=np.float32) + 0.5) / 32.0
    cube = np.stack(np.meshgrid(grid, grid, grid, indexing="ij"), axis=-1).reshape(-1, 3)
    return ((cube[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)


def quantize(img: FArray, palette: FArray) -> FArray:
    """Map every pixel to its nearest palette colour via a 32^3 lookup table (fast at any size)."""
    nearest = _nearest_table(palette).astype(np.uint8)
    q = np.right_shift(u8(img), 3).astype(np.uint16)
    idx = (q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]
    label = nearest[idx]
    # Palette colours by table lookup (OpenCV's LUT is one fast pass over a 3-channel uint8 image).
    lut = np.zeros((1, 256, 3), np.float32)
    lut[0, : len(palette)] = palette
    return cv2.LUT(cv2.merge([label, label, label]), lut)


def xdog(
    gray: FArray, sigma: float, k: float = 1.6, tau: float = 0.98, eps: float = -0.02, phi: float = 60.0
) -> FArray:
    """Extended difference of Gaussians: 1 = paper, 0 = ink. Gives clean, artistic line work."""
    g1 = cv2.GaussianBlur(gray, (0, 0), sigma)
    g2 = cv2.GaussianBlur(gray, (0, 0), sigma * k)
    d = g1 - tau * g2
    return np.where(d >= eps, 1.0, 1.0 + np.tanh(phi * (d - eps))).astype(np.float32)


def ink_edges(gray: FArray, block: int, c: float) -> FArray:
    """Dark outlines from an adaptive threshold of a median-filtered image: 1 = ink."""
    g8 = cv2.medianBlur((gray * 255).astype(np.uint8), 5)
    th = cv2.adaptiveThreshold(g8, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, max(3, block) | 1, c)
    return (255 - th).astype(np.float32) / 255.0


def halftone(tone: FArray, cell: float, angle_deg: float) -> FArray:
    """Coverage of printed dots (1 = ink) whose radius follows `tone` (0 light .. 1 dark)."""
    h, w = tone.shape
    # Distance to the nearest dot centre is continuous, so it is computed at half size and enlarged;
    # only the comparison with each pixel's radius (which makes the crisp dot edge) runs at full size.
    f = 2 if cell >= 6 else 1
    a = np.deg2rad(angle_deg)
    ys = (np.arange(0, h, f, dtype=np.float32) + (f - 1) / 2)[:, None]
    xs = (np.arange(0, w, f, dtype=np.float32) + (f - 1) / 2)[None, :]
    u = (xs * np.cos(a) + ys * np.sin(a)) / cell
    v = (-xs * np.sin(a) + ys * np.cos(a)) / cell
    du, dv = u - np.floor(u) - 0.5, v - np.floor(v) - 0.5
    dist = (np.sqrt(du * du + dv * dv) * cell).astype(np.float32)
    if f > 1:
        dist = cv2.resize(dist, (w, h), interpolation=cv2.INTER_LINEAR)
    radius = np.sqrt(np.clip(tone, 0.0, 1.0)) * (cell * 0.62)
    radius -= dist
    radius += 0.5
    return np.clip(radius, 0.0, 1.0, out=radius)


def paper(h: int, w: int, rng: np.random.Generator, fibre: float = 1.0) -> FArray:
    """Paper grain around 1.0: fine noise plus faint horizontal fibres, both from one noise field."""
    n = rng.random((h, w), dtype=np.float32)
    n -= 0.5
    out = cv2.GaussianBlur(n, (0, 0), 0.8)
    out *= 0.12
    out += cv2.blur(n, (9, 1)) * (0.08 * fibre)
    out += 1.0
    return out


def orientation_bins(gray: FArray, bins: int = 8, sigma: float = 3.0) -> np.ndarray:
    """Per-pixel stroke direction (along edges, across the gradient) quantised into `bins` bins."""
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), sigma)
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), sigma)
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), sigma)
    theta = 0.5 * np.arctan2(2 * jxy, jxx - jyy) + np.pi / 2  # tangent = gradient direction + 90 degrees
    return ((theta % np.pi) / np.pi * bins).astype(np.int32) % bins


def line_kernel(length: int, angle: float) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    c = (length - 1) / 2
    dx, dy = np.cos(angle) * c, np.sin(angle) * c
    cv2.line(k, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1.0, 1)
    return k / max(k.sum(), 1e-6)


def directional_texture(gray: FArray, rng: np.random.Generator, length: int, bins: int = 8) -> FArray:
    """Noise smeared along the local stroke direction: brush bristle marks that follow the forms."""
    noise = rng.random(gray.shape, dtype=np.float32)
    which = orientation_bins(gray, bins)
    out = np.zeros_like(gray)
    for b in range(bins):
        smeared = cv2.filter2D(noise, -1, line_kernel(length, np.pi * b / bins))
        out = np.where(which == b, smeared, out)
    return out


def relief(height: FArray, strength: float, light: tuple[float, float] = (-0.6, -0.8)) -> FArray:
    """Shading factor around 1.0 from a height map lit from the upper left."""
    gx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3)
    return 1.0 + strength * (gx * light[0] + gy * light[1])


def vignette(img: FArray, amount: float) -> FArray:
    """Darkened corners; the (perfectly smooth) mask is computed at 1/8 size and enlarged."""
    h, w = img.shape[:2]
    sh, sw = max(2, h // 8), max(2, w // 8)
    yy, xx = np.ogrid[:sh, :sw]
    d = np.sqrt(((xx - sw / 2) / (sw / 2)) ** 2 + ((yy - sh / 2) / (sh / 2)) ** 2) / 1.414
    mask = (1.0 - amount * np.clip(d - 0.35, 0.0, 1.0) ** 1.5 / 0.65**1.5).astype(np.float32)
    mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
    return img * (mask[..., None] if img.ndim == 3 else mask)


def grain(img: FArray, rng: np.random.Generator, amount: float, size: float = 0.8) -> FArray:
    n = rng.standard_normal(img.shape[:2]).astype(np.float32)
    if size > 0.5:
        n = cv2.GaussianBlur(n, (0, 0), size) * (1.0 + size)
    return img + n[..., None] * amount


def glow(img: FArray, threshold: float, sigma: float, strength: float) -> FArray:
    """Bloom: bright parts bleed light into their surroundings."""
    bright = np.clip(img - threshold, 0.0, 1.0) / (1.0 - threshold)
    small = resized(bright, 0.125)
    small = cv2.GaussianBlur(small, (0, 0), sigma / 8)
    return img + upto(small, img) * strength


def unsharp(img: FArray, sigma: float, amount: float) -> FArray:
    return img + (img - cv2.GaussianBlur(img, (0, 0), sigma)) * amount


def bayer(h: int, w: int) -> FArray:
    """A 4x4 ordered-dither threshold map in -0.5..0.5 tiled to (h, w)."""
    m = np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]], np.float32) / 16.0 - 0.47
    return np.tile(m, (h // 4 + 1, w // 4 + 1))[:h, :w]
