"""Reading a generation prompt: what kind of picture is wanted, and what should be in it.

Plain keyword and regex matching. The point is to generalise from words (synonyms, plurals,
colour words, quoted names), not to recognise particular prompts.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Literal

from .colors import RGB, color_spans, find_colors

Kind = Literal["scene", "logo", "icons", "diagram"]

_DIAGRAM = re.compile(r"\b(diagram|flow ?chart|schematic|block chart|architecture chart|data ?flow)\b", re.I)
_ARCHITECTURE = re.compile(r"\b(architecture|topology|infrastructure|system design|deployment)\b", re.I)
_TECH = re.compile(
    r"\b(server|servers|load ?balancer|database|db|cache|api|gateway|queue|microservices?|cdn|cluster|"
    r"kubernetes|backend|frontend|cloud|network|service|broker|kafka|redis|nginx)\b",
    re.I,
)
_ICONS = re.compile(r"\b(icons\b|icon (set|pack|collection|sheet|grid|family|library)|iconography)", re.I)
_ICON = re.compile(r"\b(app )?icon\b", re.I)
_LOGO = re.compile(r"\b(logo|logos|logotype|wordmark|emblem|monogram|brand mark|brand identity|badge)\b", re.I)


def classify(prompt: str) -> Kind:
    """Route a prompt to one painter. Diagrams and icon sets are the most specific, scenes the default."""
    if _DIAGRAM.search(prompt) or (_ARCHITECTURE.search(prompt) and _TECH.search(prompt)):
        return "diagram"
    if _ICONS.search(prompt):
        return "icons"
    if _LOGO.search(prompt):
        return "logo"
    if _ICON.search(prompt):
        return "icons"
    return "scene"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z'-]*", text.lower())


def stable_hash(text: str) -> int:
    """A hash that is the same in every process (Python's `hash` of str is salted per run)."""
    return zlib.crc32(text.lower().encode("utf-8"))


# --------------------------------------------------------------------------------------- scenes

_TIME_WORDS: list[tuple[str, str]] = [
    (
        "night",
        r"night|midnight|starry|stars|starlit|moon|moonlit|moonlight|nocturnal|after dark|neon|cyberpunk",
    ),
    ("dusk", r"dusk|twilight|blue hour|evening"),
    ("sunset", r"sunset|sundown|golden hour|setting sun"),
    ("sunrise", r"sunrise|dawn|daybreak|morning|rising sun"),
    ("day", r"day|daytime|noon|midday|sunny|afternoon|bright"),
]

_SUBJECT_WORDS: dict[str, str] = {
    "mountains": r"mountains?|alps|alpine|peaks?|summits?|ridges?|volcano|himalaya\w*|cliffs?",
    "hills": r"hills?|hillside|valley|countryside|meadows?|fields?|farm\w*|prairie|grassland|rolling|gardens?|"
    r"parks?|lawns?|savann?ah?|plains|orchard|backyard|yard",
    "water": r"sea|ocean|lake|beach|coast\w*|bay|river|pond|harbou?r|shore|waves?|reflections?|lagoon|"
    r"waterfront",
    "forest": r"forest|trees?|woods|woodland|pines?|jungle|taiga|grove",
    "city": r"city|cityscape|skyline|skyscrapers?|downtown|metropolis|buildings?|urban|town|street|towers?",
    "desert": r"desert|dunes?|sand|sahara|canyon|arid",
    "beach": r"beach\w*|coast\w*|shore\w*|seaside|seashore",
}
_WEATHER_WORDS: dict[str, str] = {
    "snow": r"snow(?!m[ae]n)\w*|winter|blizzard|frost\w*|icy|wintry",
    "rain": r"rain\w*|storm\w*|drizzle|downpour|showers?|monsoon",
    "fog": r"fog\w*|mist\w*|haze|hazy|smog",
}
_NEON = r"neon|cyberpunk|futuristic|synthwave|sci-?fi|blade runner|retro-?futur\w*|vaporwave"
_CLOUDY = r"cloud\w*|overcast|stormy|dramatic sky"
_CLEAR = r"clear sky|cloudless|clear"
_AURORA = r"aurora|northern lights|southern lights"


def _has(pattern: str, text: str) -> bool:
    return re.search(rf"\b({pattern})\b", text, re.I) is not None


@dataclass(frozen=True)
class SceneSpec:
    time: str
    subjects: frozenset[str]
    weather: frozenset[str] = frozenset()
    neon: bool = False
    aurora: bool = False
    cloudiness: float = 0.35
    colors: tuple[RGB, ...] = ()  # colour words for the sky and light
    land_colors: tuple[tuple[str, RGB], ...] = ()  # colour words naming a subject: "red desert"
    variant: int = 0  # from the words, so unrecognised prompts still differ from one another
    inferred: bool = field(default=False)  # True when no subject was named and defaults were chosen


def parse_scene(prompt: str, negative: str | None = None) -> SceneSpec:
    text = prompt.lower()
    neg = (negative or "").lower()
    time = next((name for name, pat in _TIME_WORDS if _has(pat, text)), "day")
    subjects = {name for name, pat in _SUBJECT_WORDS.items() if _has(pat, text) and not _has(pat, neg)}
    weather = {name for name, pat in _WEATHER_WORDS.items() if _has(pat, text) and not _has(pat, neg)}
    neon = _has(_NEON, text) and not _has(_NEON, neg)
    if neon and not subjects:
        subjects.add("city")
    aurora = _has(_AURORA, text)
    explicit_day = any(_has(p, text) for n, p in _TIME_WORDS if n in ("day", "sunrise", "sunset"))
    if (neon or aurora) and not explicit_day:
        time = "night"
    cloud = 0.35
    if _has(_CLOUDY, text):
        cloud = 0.75
    if _has(_CLEAR, text) or time == "night":
        cloud = 0.12 if not _has(_CLOUDY, text) else 0.5
    if "rain" in weather or "snow" in weather:
        cloud = max(cloud, 0.8)
    variant = stable_hash(" ".join(sorted(set(words(prompt)))))
    inferred = not subjects
    if inferred:
        # Nothing recognisable: choose a pleasant landscape from the words themselves.
        options = [{"mountains", "water"}, {"hills", "forest"}, {"mountains", "forest"}, {"hills", "water"}]
        subjects = set(options[variant % len(options)])
    if "beach" in subjects:
        subjects.add("water")
    sky_colors, land_colors = _split_colors(text)
    return SceneSpec(
        time=time,
        subjects=frozenset(subjects),
        weather=frozenset(weather),
        neon=neon,
        aurora=aurora,
        cloudiness=cloud,
        colors=sky_colors,
        land_colors=land_colors,
        variant=variant,
        inferred=inferred,
    )


_LAND_NOUNS = {
    "rocks": "mountains",
    "cliffs": "mountains",
    "trees": "forest",
    "woods": "forest",
    "grass": "hills",
    "fields": "hills",
    "meadow": "hills",
    "valley": "hills",
    "sand": "desert",
    "buildings": "city",
    "towers": "city",
    "sea": "water",
    "lake": "water",
    "ocean": "water",
    "river": "water",
}


def _split_colors(text: str) -> tuple[tuple[RGB, ...], tuple[tuple[str, RGB], ...]]:
    """Colour words that name a subject ("red desert", "golden fields") colour that subject; the rest
    ("a purple sky", "pink") colour the sky."""
    sky: list[RGB] = []
    land: list[tuple[str, RGB]] = []
    for colour, end in color_spans(text):
        following = re.findall(r"[a-z]+", text[end : end + 30])[:2]
        subjects = [_LAND_NOUNS.get(w) or _subject_of(w) for w in following]
        subject = next((s for s in subjects if s), None)
        if subject:
            land.append((subject, colour))
        else:
            sky.append(colour)
    return tuple(sky), tuple(land)


def _subject_of(word: str) -> str | None:
    return next((name for name, pat in _SUBJECT_WORDS.items() if re.fullmatch(f"({pat})", word)), None)


def describe_scene(spec: SceneSpec) -> str:
    """A plain sentence of what was painted, returned to the caller as the revised prompt."""
    parts = sorted(spec.subjects)
    if spec.neon:
        parts.append("neon lights")
    for w in sorted(spec.weather):
        parts.append({"snow": "falling snow", "rain": "rain", "fog": "fog"}[w])
    if spec.aurora:
        parts.append("an aurora")
    when = {
        "day": "by day",
        "night": "at night",
        "dusk": "at dusk",
        "sunset": "at sunset",
        "sunrise": "at sunrise",
    }
    return f"A painted landscape ({', '.join(parts)}) {when[spec.time]}."


# --------------------------------------------------------------------------------------- names

_QUOTED = re.compile(r"[\"“”«]([^\"“”«»]{1,40})[\"“”»]|(?<![a-z])['‘]([^'‘’]{1,40})['’](?![a-z])", re.I)
_CALLED = re.compile(r"\b(?:called|named|titled|reading|that says|saying|brand(?:ed)?(?: as)?)\s+(.+)", re.I)
_STOP = re.compile(r"\s+(?:with|in|using|that|which|featuring|on|for|and|,|\.|;|:|-|—)\s*|[,.;:!?—]", re.I)


def quoted_text(prompt: str) -> str | None:
    """The first quoted phrase, with straight or curly quotes."""
    m = _QUOTED.search(prompt)
    if not m:
        return None
    return (m.group(1) or m.group(2) or "").strip() or None


def brand_name(prompt: str) -> str | None:
    """The name a logo should spell: a quoted phrase, else what follows "called"/"named"."""
    q = quoted_text(prompt)
    if q:
        return q
    m = _CALLED.search(prompt)
    if not m:
        return None
    name = _STOP.split(m.group(1), maxsplit=1)[0].strip(" '\"")
    toks = name.split()
    return " ".join(toks[:4]) or None


_BUSINESS = re.compile(
    r"\b(?:for|of)\s+(?:(?:an|a|the|my|our)\s+)?(.+?)(?=\s+(?:called|named|titled|brand(?:ed)?|with|that|which|"
    r"in|using)\b|[\"“',.;:]|$)",
    re.I,
)


def business_phrase(prompt: str) -> str | None:
    """What the logo is for: "a coffee shop called Brew" gives "coffee shop"."""
    m = _BUSINESS.search(prompt)
    if not m:
        return None
    phrase = re.sub(r"^(?:new|small|local|modern|minimalist|simple)\s+", "", m.group(1).strip(), flags=re.I)
    return phrase[:40] or None


@dataclass(frozen=True)
class LogoSpec:
    name: str
    business: str | None
    styles: frozenset[str]
    colors: tuple[RGB, ...]
    variant: int


_LOGO_STYLES = {
    "minimal": r"minimal\w*|simple|clean|flat",
    "vintage": r"vintage|retro|classic|badge|heritage|old[- ]school|rustic|hipster",
    "bold": r"bold|strong|loud|sport\w*|energetic",
    "playful": r"playful|fun|colou?rful|friendly|cute|kids?",
    "elegant": r"elegant|luxury|luxurious|premium|sophisticated|refined",
    "dark": r"dark|black background|night",
    "tech": r"tech|modern|futuristic|digital|startup|geometric",
}


def parse_logo(prompt: str) -> LogoSpec:
    business = business_phrase(prompt)
    name = brand_name(prompt)
    if not name:
        # No name given: use the business itself ("a logo for a bakery" spells "Bakery").
        name = (business or "Studio").split()[-1].title() if business else "Studio"
    styles = frozenset(k for k, pat in _LOGO_STYLES.items() if _has(pat, prompt))
    return LogoSpec(
        name=name,
        business=business,
        styles=styles,
        colors=tuple(find_colors(prompt)),
        variant=stable_hash(prompt),
    )


# --------------------------------------------------------------------------------------- icons

# Most specific first: a dash or colon almost always introduces the list itself.
_LIST_STARTS = [
    re.compile(p, re.I)
    for p in (
        r"(?:—|–|:|\s-\s)\s*(.+)$",
        r"\b(?:including|like|such as)\s+(.+)$",
        r"\b(?:with|for|of)\s+(.+)$",
    )
]


def icon_requests(prompt: str) -> list[str]:
    """The icons a prompt lists, in order ("— home, search, profile and settings"); [] if no list."""
    tail = None
    for pattern in _LIST_STARTS:
        for m in pattern.finditer(prompt):
            if "," in m.group(1) or " and " in m.group(1):
                tail = m.group(1)
                break
        if tail:
            break
    if not tail:
        return []
    out: list[str] = []
    for part in re.split(r",|;|/|\band\b|\bplus\b|&|\n", tail):
        item = re.sub(r"^\s*(?:a|an|the|icons?\s+for|icons?)\s+", "", part.strip(" .!?\"'"), flags=re.I)
        item = re.sub(r"\s+icons?$", "", item, flags=re.I).strip()
        if item and len(item) <= 30:
            out.append(item.lower())
    return out
