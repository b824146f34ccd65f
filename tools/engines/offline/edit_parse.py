"""Reading an edit instruction into a list of whole-image operations, in the order asked.

"Add falling snow and make it darker" gives [snow, brightness(-)]. A clause that is not one of the
operations below is refused by name: an edit the engine cannot do must never be replaced silently
by something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from easel.spaces.errors import EaselError

from . import style_names
from .subjects import read_cast

CONFIGURE = "configure an image model (EASEL_IMAGE_MODEL) for that."
CAPABLE = (
    "falling snow, rain, fog, night, black and white, sepia, brightness, contrast, saturation, warmth, "
    "blur, sharpen, invert, vignette, a rainbow, text captions, crop, rotate, flip, resize, autumn colours, "
    "sunset light, variations, and art styles"
)


@dataclass(frozen=True)
class EditOp:
    kind: str
    amount: float = 1.0
    text: str = ""
    where: str = ""
    size: tuple[int, int] | None = None


_AMOUNT = [
    (r"\b(much|a lot|lots|very|way|really|significantly|heavily|heavy|strong(ly)?|dramatic(ally)?)\b", 1.7),
    (r"\b(slightly|a bit|a little|a tad|somewhat|subtle|subtly|light(ly)?|gently|mildly)\b", 0.5),
]
_FILLER = re.compile(
    r"\b(please|thanks?|thank you|ok|okay|can|could|would|will|you|now|also|the|this|that|these|photo|photos|"
    r"image|"
    r"images|picture|pic|it|its|a|an|of|to|for|me|my|i|we|want|like|make|do|some|bit|little|just|keep|everything|"
    r"else|rest|same|as|is|be|so|look|looks|nice|good|great|here|there|version|result)\b"
)


def _amount(clause: str) -> float:
    return next((v for pat, v in _AMOUNT if re.search(pat, clause)), 1.0)


def _protect(prompt: str) -> tuple[str, list[str]]:
    """Pull quoted text out (it may contain 'and' or commas) and join phrases that contain 'and'."""
    quotes: list[str] = []

    def keep(m: re.Match[str]) -> str:
        quotes.append(next(g for g in m.groups() if g is not None))
        return f" QUOTE{len(quotes) - 1} "

    text = re.sub(r"\"([^\"]+)\"|“([^”]+)”|(?<![a-z])'([^']+)'(?![a-z])|‘([^’]+)’", keep, prompt, flags=re.I)
    text = re.sub(r"black\s*(?:and|&|n)\s*white|b\s*&\s*w", "monochrome", text, flags=re.I)
    text = re.sub(r"teal\s+and\s+orange", "teal-orange", text, flags=re.I)
    return text, quotes


def parse_edit(prompt: str) -> list[EditOp]:
    text, quotes = _protect(prompt)
    clauses = re.split(r",|;|\.\s|\.$|\bthen\b|\band\b|\balso\b|\bplus\b|&|\n", text, flags=re.I)
    ops: list[EditOp] = []
    for raw in clauses:
        clause = raw.strip().lower()
        if not clause or not _FILLER.sub(" ", clause).strip(" -!?"):
            continue
        op = _parse_clause(clause, quotes)
        if op is None:
            raise EaselError(422, "generation_failed", refusal(_unquote(raw.strip(), quotes)))
        ops.append(op)
    if not ops:
        raise EaselError(422, "generation_failed", f"No edit was described. The offline engine can apply: {CAPABLE}.")
    return ops


def _unquote(clause: str, quotes: list[str]) -> str:
    return re.sub(r"quote(\d+)", lambda m: f'"{quotes[int(m.group(1))]}"', clause, flags=re.I).strip()


def _parse_clause(c: str, quotes: list[str]) -> EditOp | None:
    for parser in (_subject_op, _text_op, _geometry_op, _weather_op, _tone_op, _colour_op, _filter_op, _style_op):
        op = parser(c, quotes)
        if op is not None:
            return op
    return None


_PLACE_VERB = re.compile(r"^(?:(?:please|also|now|then|and)\s+)*(?:add|put|place|insert|include|draw|paint|give)\b")
_WHERE = re.compile(r"\b(?:on(?:to)?|in(?:to)?|to|next\s+to|beside|near|by|above|over|under|at)\s+"
                    r"(?:the\s+|a\s+|an\s+|my\s+|this\s+|its\s+)?(?P<target>[a-z][a-z -]*)$")


def _subject_op(c: str, quotes: list[str]) -> EditOp | None:
    """ "add a cat", "put a hat on the snowman", "add a boat on the lake": a figure placed into the picture."""
    if not _PLACE_VERB.match(c) or re.search(r"quote\d+|\btext\b|\bcaption\b", c):
        return None
    what, target = c, ""
    if where := _WHERE.search(c):
        what, target = c[: where.start()], where.group("target").strip()
    wanted = read_cast(what).wanted
    if not wanted:
        return None
    first = wanted[0]
    return EditOp("subject", amount=float(first.drawn), text=first.subject.name, where=target)


def _text_op(c: str, quotes: list[str]) -> EditOp | None:
    q = re.search(r"quote(\d+)", c, re.I)
    cue = re.search(
        r"\b(text|caption|captioned|title|words?|label|headline|quote|write|writing|says|saying|"
        r"reads?|reading|lettering|slogan|tagline)\b",
        c,
    )
    if not cue and not (q and re.search(r"\b(add|put|overlay|with|insert)\b", c)):
        return None
    if q:
        content = quotes[int(q.group(1))]
    else:
        m = re.search(r"\b(?:says|saying|reads|reading|text|caption|write|title)\s*:?\s+(.+)$", c)
        if not m:
            return None
        content = re.sub(r"\s+(at|on|in|across)\s+the\s+\w+$", "", m.group(1)).strip()
    where = next((w for w in ("top", "bottom", "center", "middle") if re.search(rf"\b{w}\b", c)), "bottom")
    return EditOp("text", text=content[:120], where="center" if where == "middle" else where)


def _geometry_op(c: str, quotes: list[str]) -> EditOp | None:
    size = re.search(r"(\d{2,5})\s*[x×*by ]+\s*(\d{2,5})", c)
    if re.search(r"\bcrop\w*\b", c):
        ratio = re.search(r"(\d{1,2})\s*[:/x]\s*(\d{1,2})\b", c)
        if re.search(r"\bsquare\b|1\s*:\s*1", c):
            return EditOp("crop", size=(1, 1))
        if ratio:
            return EditOp("crop", size=(int(ratio.group(1)), int(ratio.group(2))))
        if re.search(r"\bportrait\b|\bvertical\b", c):
            return EditOp("crop", size=(4, 5))
        if re.search(r"\blandscape\b|\bwide\b|\bhorizontal\b|\bbanner\b", c):
            return EditOp("crop", size=(16, 9))
        return EditOp("crop", amount=0.8)  # "crop it a bit": trim the edges, keep the centre
    if re.search(r"\brotat\w*|\bturn\b.*\b(\d+|sideways)\b|\bupside[- ]down\b|\btilt\w*", c):
        deg = re.search(r"(-?\d+(?:\.\d+)?)\s*(?:°|deg|degrees?)?", c)
        angle = float(deg.group(1)) if deg else (180.0 if "upside" in c else 90.0)
        if re.search(r"counter[- ]?clockwise|anti[- ]?clockwise|\bleft\b|\bccw\b", c):
            angle = -angle
        return EditOp("rotate", amount=angle)  # positive = clockwise
    if re.search(r"\bflip\w*|\bmirror\w*", c):
        vertical = re.search(r"vertical\w*|upside|top to bottom|\bover\b", c) is not None
        return EditOp("flip", where="vertical" if vertical else "horizontal")
    if re.search(r"\b(resiz\w*|scale|rescale|shrink|enlarge|upscale|downscale|smaller|bigger|larger)\b", c):
        if size:
            return EditOp("resize", size=(int(size.group(1)), int(size.group(2))))
        pct = re.search(r"(\d{1,3})\s*%", c)
        if pct:
            return EditOp("resize", amount=int(pct.group(1)) / 100.0)
        factor = 0.5 if re.search(r"half|smaller|shrink|downscale", c) else 2.0
        return EditOp("resize", amount=factor)
    return None


def _weather_op(c: str, quotes: list[str]) -> EditOp | None:
    if re.search(r"\bvariation|\bvariant", c):  # reframed and recoloured a little, by the seed
        return EditOp("variation", _amount(c))
    if re.search(r"\bsnow\w*|\bblizzard|\bwint(er|ry)\b", c):
        return EditOp("snow", _amount(c))
    if re.search(r"\brainbow", c):
        return EditOp("rainbow", _amount(c))
    if re.search(r"\brain(y|ing|s|fall|storm)?\b|\bstorm\w*|\bdrizzl\w*|\bdownpour", c):
        return EditOp("rain", _amount(c))
    if re.search(r"\bfog\w*|\bmist\w*|\bhaz[ey]\b", c):
        return EditOp("fog", _amount(c))
    if re.search(r"\bnight\w*|\bmidnight|\bstar(s|ry|lit)\b|\bmoonlit\b|\bafter dark\b", c):
        return EditOp("night", _amount(c))
    if re.search(r"\bsunset\b|\bgolden hour\b|\bdusk\b", c):
        return EditOp("sunset", _amount(c))
    if re.search(r"\bautumn\w*|\bfall (colou?rs|foliage|leaves)\b", c):
        return EditOp("autumn", _amount(c))
    return None


def _tone_op(c: str, quotes: list[str]) -> EditOp | None:
    a = _amount(c)
    if re.search(r"\bcontrast\w*|\bpunch(y|ier)\b", c):
        less = re.search(r"\b(less|lower|reduce|decrease|soft\w*|flat\w*|down)\b", c)
        return EditOp("contrast", -a if less else a)
    if re.search(r"\b(bright\w*|lighter|lighten\w*|more light|exposure|overexpos\w*)\b", c):
        less = re.search(r"\b(less|reduce|decrease|lower|down|underexpos\w*)\b", c)
        return EditOp("brightness", -a if less else a)
    if re.search(r"\b(dark\w*|dimmer|dim|underexpos\w*|moodier|gloomier)\b", c):
        return EditOp("brightness", a if re.search(r"\bless\b", c) else -a)
    return None


def _colour_op(c: str, quotes: list[str]) -> EditOp | None:
    a = _amount(c)
    if re.search(
        r"\bmonochrome\b|\bgr[ae]y\s*scale\b|\bno colou?rs?\b|\bcolou?rless\b|"
        r"\bdesaturate\w* (fully|completely)",
        c,
    ):
        return EditOp("grayscale")
    if re.search(r"\bsepia\b|\bantique\b|\bold[- ]?(fashioned|photo|timey)\b|\blook old\b", c):
        return EditOp("sepia")
    if re.search(r"\b(less|de-?)\s*saturat\w*|\bmuted\b|\bwashed[- ]out\b|\bless colou?rful\b|\bdull(er)?\b", c):
        return EditOp("saturation", -a)
    if re.search(r"\bsaturat\w*|\bvivid\w*|\bvibrant\b|\bcolou?rful\b|\bmore colou?r\b|\bcolou?rs pop\b", c):
        return EditOp("saturation", a)
    if re.search(r"\bwarm\w*|\bcozier\b|\bcosier\b", c):
        return EditOp("warmth", a)
    if re.search(r"\bcool\w*|\bcold\w*|\bblue tint\b|\bbluish\b|\bicy\b", c):
        return EditOp("warmth", -a)
    if re.search(r"\binvert\w*|\bnegative\b", c):
        return EditOp("invert")
    return None


def _filter_op(c: str, quotes: list[str]) -> EditOp | None:
    if re.search(r"\bbackground\b|\bforeground\b|\bsubject\b|\bface\b", c):
        return None  # region-specific: refused by name rather than applied to the whole picture
    if re.search(r"\bblur\w*|\bout of focus\b|\bdefocus\w*|\bsoft(er|en)? focus\b", c):
        return EditOp("blur", _amount(c))
    if re.search(r"\bsharp\w*|\bcrisp\w*|\bmore detail\w*|\bclearer\b|\bdeblur\b", c):
        return EditOp("sharpen", _amount(c))
    if re.search(r"\bvignett\w*", c):
        return EditOp("vignette", _amount(c))
    return None


def _style_op(c: str, quotes: list[str]) -> EditOp | None:
    """ "Make it look like a watercolour", "turn it into pixel art", "oil painting style"."""
    bare = re.sub(r"\b(this|the|my|a|an)\s+(photo|image|picture|pic)\b", " ", c)
    name = style_names.find_in_text(bare)
    if name and re.search(
        r"\b(style|styled|look\w*|like|as|into|turn|convert|render|make|paint\w*|draw\w*|"
        r"effect|filter|version|give|apply)\b",
        bare,
    ):
        return EditOp("style", text=name)
    return None


def refusal(clause: str) -> str:
    """A plain reason naming what could not be done, and what to do about it."""
    c = clause.lower()
    m = re.search(r"\b(?:remove|erase|delete|get rid of|take out|take away|eliminate|clean up)\b\s*(.*)", c)
    if m:
        return f"The offline engine cannot remove objects from a photo; {CONFIGURE}"
    if re.search(r"\bbackground\b|\bforeground\b", c):
        return f"The offline engine cannot change the background separately from the subject; {CONFIGURE}"
    if re.search(r"\b(face|faces|smile|smiling|eyes|hair|person|people|man|woman|expression|older|younger|age)\b", c):
        return f"The offline engine cannot edit people or faces in a photo; {CONFIGURE}"
    m = re.search(r"\b(?:replace|swap|substitute|exchange)\s+(.+?)(?:\s+(?:with|for|by)\s+.+)?$", c)
    if m:
        return f"The offline engine cannot replace {m.group(1)} in a photo; {CONFIGURE}"
    m = re.search(r"\b(?:add|insert|put|place|include|draw|paint)\s+(.+?)(?:\s+(?:to|in|into|on|onto)\s+.+)?$", c)
    if m:
        return f"The offline engine cannot add {m.group(1)} to a photo; {CONFIGURE}"
    if re.search(
        r"\b(?:change|make|turn|recolou?r|colou?r)\b.+\b(red|blue|green|yellow|pink|purple|orange|black|"
        r"white|colou?r)\b",
        c,
    ):
        return f"The offline engine cannot recolour individual objects in a photo; {CONFIGURE}"
    if re.search(r"\b(extend|outpaint|uncrop|zoom out|expand)\b", c):
        return f"The offline engine cannot extend a photo beyond its edges; {CONFIGURE}"
    return f'The offline engine cannot do "{clause}"; {CONFIGURE} Offline it can apply whole-image edits: {CAPABLE}.'
