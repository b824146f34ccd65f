"""What moves in a clip, read from the prompt and the AiArt-style knobs.

`motion_bucket_id` (1-255) sets how much moves; `cfg_scale` (0-10) how closely the clip keeps to the
still, as AiArt's img2video means it: at 10 the camera barely moves, at 0 it may travel a fifth of the
frame. The seed picks directions and the
positions of particles, so the same seed and arguments give the same clip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CAMERA_MOVES = ("zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down")


@dataclass(frozen=True)
class Plan:
    camera: str  # one of CAMERA_MOVES, or "still"
    travel: float  # 0..0.2: how far the camera moves over the whole clip, as a fraction of the frame
    amount: float  # 0..1: how much the effects move
    weather: str | None  # "rain", "snow" or None
    clouds: bool
    shimmer: bool
    lights: bool
    notes: tuple[str, ...] = ()
    parallax: bool = False  # the still's depth layers (Easel-painted) move apart as the camera moves


_CAMERA_WORDS = [
    (r"\bzoom(ing)?\s*out|\bpull(ing)?\s*(back|out)|\bwiden", "zoom_out"),
    (r"\bzoom|\bpush(ing)?\s*in|\bclose[- ]?up|\bdolly", "zoom_in"),
    (r"\bpan(ning)?\s*(to\s*the\s*)?left", "pan_left"),
    (r"\bpan(ning)?\s*(to\s*the\s*)?right|\bpan\b|\bpanning\b", "pan_right"),
    (r"\btilt(ing)?\s*up|\bpan(ning)?\s*up|\brise|\brising", "pan_up"),
    (r"\btilt(ing)?\s*down|\bpan(ning)?\s*down", "pan_down"),
    (r"\bstill\s*camera|\bstatic|\blocked[- ]off|\bno\s*camera", "still"),
]


_CAMERA_PHRASE = re.compile(
    r"(?:\b(?:with|and|then)\s+)?(?:\b(?:a|the)\s+)?(?:\b(?:very\s+)?(?:slow|slowly|gentle|gently|smooth|smoothly|"
    r"fast|quick|steady|subtle|static|still|locked[- ]off)\s+)*"
    r"(?:\bzoom(?:s|ing)?|\bpull(?:s|ing)?\s*(?:back|out)|\bpush(?:es|ing)?\s*in|\bdolly|\bpan(?:s|ning)?\b|"
    r"\btilt(?:s|ing)?|\b(?:static|still|locked[- ]off|no)\s+camera)"
    r"(?:\s+(?:camera|shot|move|movement|motion|in|out|left|right|up|down|to\s+the\s+(?:left|right)))*\b",
    re.I,
)


def scene_prompt(prompt: str) -> str:
    """What to paint for a video asked in words: the prompt without its camera directions ("slow pan", "static
    camera", "zoom in"), which say how to film the scene, not what is in it."""
    text = _CAMERA_PHRASE.sub(" ", prompt)
    text = re.sub(r"\s+([,.;!?])", r"\1", re.sub(r"\s{2,}", " ", text))
    text = re.sub(r"(?:[,;]\s*){2,}", ", ", text).strip(" ,;.-")
    return text or prompt


def plan_for(prompt: str, *, motion_bucket_id: int, cfg_scale: float, seed: int,
             scene: dict[str, bool]) -> Plan:
    """`scene` holds what the still is known to contain (`sky`, `water`, `city_lights`), from the painter's
    provenance or a look at the pixels, and `layers` whether its depth layers are known (parallax)."""
    import numpy as np  # here, not at the top: the video service reads `scene_prompt` at start, numpy is slow

    text = prompt.lower()
    rng = np.random.default_rng(seed)
    camera = next((move for pattern, move in _CAMERA_WORDS if re.search(pattern, text)), None)
    layered = bool(scene.get("layers"))
    if camera is None:
        # With layers, a sideways move shows the depth best.
        moves = ["pan_right", "pan_left", "zoom_in"] if layered else ["zoom_in", "zoom_in", "pan_right", "pan_left",
                                                                       "zoom_out"]
        camera = str(rng.choice(moves))
    amount = float(np.clip(motion_bucket_id, 1, 255)) / 255.0
    travel = 0.01 + 0.19 * (1.0 - float(np.clip(cfg_scale, 0.0, 10.0)) / 10.0) * (0.4 + 0.6 * amount)
    weather = "snow" if re.search(r"\bsnow|\bblizzard|\bwinter", text) else (
        "rain" if re.search(r"\brain|\bstorm|\bdrizzle|\bdownpour", text) else None)
    notes: list[str] = []
    wants_water = bool(re.search(r"\bwater|\bwave|\bsea\b|\bocean|\blake|\briver|\bshimmer", text))
    if wants_water and not scene.get("water"):
        notes.append("I found no water in the picture to make shimmer, so only the camera moves there.")
    if re.search(r"\b(walk|run|fly|flies|flying|jump|dance|talk|wave hello|turn(s)? (his|her|its) head)", text):
        notes.append("The offline animator moves the camera and the weather, not the subjects: for people or "
                     "animals that move, configure a video model (EASEL_VIDEO_MODEL).")
    return Plan(camera=camera, travel=travel, amount=amount, weather=weather,
                clouds=bool(scene.get("sky")) or bool(re.search(r"\bcloud", text)),
                shimmer=bool(scene.get("water")), lights=bool(scene.get("city_lights")),
                notes=tuple(notes), parallax=layered and camera != "still")
