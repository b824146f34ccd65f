"""Reading which subjects a prompt asks for, how many of each, and which it names that cannot be drawn.

"Three birds over a lake and a cat on the shore" gives birds ×3 and a cat, drawn; "a submarine" gives
nothing drawn and "submarine" omitted, so the caller can say so. The scene's own words (mountains, a
forest, the night) are the landscape's business and are neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .subject_catalog import SUBJECTS, Subject

MAX_COPIES = 12  # "a hundred birds" draws a flock of this many, and says so

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "lone": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2, "pair": 2,
    "both": 2, "few": 3, "several": 4, "some": 3, "many": 6, "lots": 6, "dozen": 12, "dozens": 12,
    "hundred": 100, "hundreds": 100, "thousand": 1000, "thousands": 1000, "group": 4, "flock": 7, "herd": 5,
    "pack": 4, "school": 5, "swarm": 9, "crowd": 7, "family": 3, "bunch": 5, "row": 4, "fleet": 4, "pod": 3,
}
_SPELLED = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten",
            11: "eleven", 12: "twelve"}
_IRREGULAR_PLURALS = {
    "people", "men", "women", "children", "mice", "geese", "wolves", "elves", "fairies", "puppies", "kitties",
    "ponies", "calves", "oxen", "loaves", "cacti", "fungi", "octopi", "hippopotami", "daisies", "bunnies",
    "butterflies", "strawberries", "cherries", "lorries", "grizzlies", "gentlemen", "ladies", "wallabies",
    "policemen", "firemen", "spacemen", "snowmen", "mermen", "pixies", "sheep", "deer", "fish", "bison",
    "moose", "grapes", "fries", "chips", "pancakes", "noodles", "logs", "flames", "tomatoes", "potatoes",
}
_NEGATED = re.compile(r"\b(?:no|without|not|never|nor|minus|except)\s+(?:any\s+|a\s+|an\s+|the\s+)?(?:\w+\s+){0,2}$")
_MATERIAL = re.compile(r"\b(?:made\s+(?:out\s+)?of|out\s+of|carved\s+from|built\s+from|shaped\s+like)\s+$")

# Words the landscape paints itself (or that name the picture, not a thing in it): never "omitted".
_SCENE_WORDS = (
    r"mountains?|alps|peaks?|summits?|ridges?|cliffs?|hills?|hillside|valleys?|countryside|meadows?|fields?|"
    r"farms?|farmland|prairie|grassland|grass|lawn|gardens?|parks?|orchard|vineyard|sea|seas|ocean|lake|lakes|"
    r"beach(?:es)?|coast(?:line)?|bay|river|rivers|pond|harbou?r|shore|waves?|water|lagoon|waterfront|"
    r"forests?|trees|woods|woodland|jungle|grove|city|cities|cityscape|skyline|skyscrapers|downtown|metropolis|"
    r"buildings|streets?|towns?|village|desert|dunes?|sand|canyon|sky|skies|clouds?|sun|sunshine|moon|stars|"
    r"starlight|moonlight|sunlight|light|lights|sunset|sunrise|dawn|dusk|twilight|night|day|morning|evening|"
    r"afternoon|noon|midnight|snow|rain|fog|mist|storm|blizzard|winter|summer|spring|autumn|fall|weather|"
    r"aurora|horizon|landscape|seascape|scenery|scene|view|vista|panorama|background|foreground|distance|"
    r"image|picture|photo|photograph|painting|drawing|illustration|sketch|render|rendering|artwork|art|poster|"
    r"wallpaper|portrait|close-?up|shot|style|version|mood|atmosphere|vibe|colou?rs?|palette|tones?|glow|"
    r"neon|reflections?|shadows?|silhouettes?|top|bottom|left|right|middle|centre|center|side|front|back|"
    r"edge|corner|lot|bit|touch|hint|kind|sort|type|mix|same|rest|one|ones|thing|things|something|it|them|"
    r"oils?|ink|pencil|charcoal|graphite|watercolou?rs?|clay|paper|pastels?|acrylics?|gouache|"
    r"savann?ah?|plains?|tundra|glacier|island|wilderness|nature|outdoors|herd|flock|group|pack|swarm|crowd|bunch|"
    r"row|fleet|pod|pair|couple|bowl|plate|slice|piece|pile|stack|basket|dozen|number|"
    r"time|hour|season|ground|floor|land|earth|space|air|surface|shade|warmth|detail|details|texture|lighting"
)
_SCENE = re.compile(rf"(?:{_SCENE_WORDS})", re.I)
_DETERMINER = re.compile(
    r"\b(?:a|an|the|some|two|three|four|five|six|seven|eight|nine|ten|several|many|\d+|his|her|their|its|"
    r"my|our|your|this|that|these|those)\s+",
    re.I,
)
_BREAK = re.compile(
    r"^(?:and|or|but|with|in|on|at|under|over|by|near|beside|behind|above|below|into|onto|through|across|"
    r"around|among|between|during|for|from|to|of|like|as|while|next|inside|outside|against|along|atop|"
    r"is|are|was|were|that|which|who|has|have|having|wearing|holding|riding|made|called|named|under|then|"
    r"plus|very|so|too|no|not|without|\w+ing|\w+ed)$",
    re.I,
)


@dataclass(frozen=True)
class Wanted:
    subject: Subject
    count: int  # how many were asked for
    drawn: int  # how many will be drawn (at most MAX_COPIES)
    words: str  # the words that named it, as written


@dataclass(frozen=True)
class Cast:
    wanted: tuple[Wanted, ...] = ()
    omitted: tuple[str, ...] = ()  # things the prompt names that the painter has no figure for

    @property
    def drawn_names(self) -> list[str]:
        return [label(w) for w in self.wanted]

    def places(self) -> set[str]:
        return {w.subject.place for w in self.wanted}


def label(wanted: Wanted) -> str:
    """ "a cat", "three birds", "12 of 100 birds" — for metadata and sentences."""
    name = wanted.subject.name
    if wanted.count == 1:
        return f"{'an' if name[0] in 'aeio' or name.startswith(('umb', 'und')) else 'a'} {name}"
    plural = name if name.endswith(("s", "sheep", "deer", "fish")) else name + "s"
    count = _SPELLED.get(wanted.count, str(wanted.count))
    shown = f"{wanted.drawn} of {wanted.count}" if wanted.drawn < wanted.count else count
    return f"{shown} {plural}"


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    words = sorted({w.lower() for s in SUBJECTS for w in s.words}, key=len, reverse=True)
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in words)
    return re.compile(rf"\b(?P<w>{alternatives})(?P<pl>e?s)?\b", re.I)


@lru_cache(maxsize=1)
def _index() -> dict[str, Subject]:
    return {re.sub(r"[\s-]+", " ", w.lower()): s for s in SUBJECTS for w in s.words}


def _count_before(text: str, start: int, plural: bool) -> int:
    before = re.findall(r"[a-z0-9]+", text[max(0, start - 40) : start].lower())[-4:]
    for word in reversed(before):
        if word.isdigit():
            return max(1, int(word))
        if word in _NUMBERS:
            value = _NUMBERS[word]
            if value == 1 and plural:
                continue  # "a flock of birds": the collective word is further back
            return value if value > 1 or not plural else 3
        if word not in ("of", "little", "small", "big", "large", "tiny", "cute", "red", "white", "black", "brown",
                        "grey", "gray", "golden", "green", "blue", "yellow", "pink", "orange", "purple", "old",
                        "young", "baby", "happy", "fluffy", "wild", "majestic", "giant", "huge", "other", "more"):
            break
    return 3 if plural else 1


def _is_modifier(text: str, end: int) -> bool:
    """ "dog house", "cat food": a subject word right before another noun describes it."""
    following = re.match(r"[\s-]+([a-z]+)", text[end:].lower())
    if not following:
        return False
    word = following.group(1)
    return bool(_pattern().fullmatch(word)) or bool(re.fullmatch(rf"(?:{_SCENE_WORDS})", word))


def read_cast(prompt: str, negative: str | None = None) -> Cast:
    """The subjects a prompt asks for (in order, merged by subject) and the things it names but can't have."""
    text = prompt
    found: dict[str, Wanted] = {}
    spans: list[tuple[int, int]] = []
    materials: list[str] = []
    avoid = {w.subject for w in read_cast(negative).wanted} if negative else set()
    for match in _pattern().finditer(text):
        word = re.sub(r"[\s-]+", " ", match.group("w").lower())
        subject = _index()[word]
        spans.append(match.span())
        if _NEGATED.search(text[: match.start()].lower()) or subject in avoid:
            continue
        if _SCENE.fullmatch(match.group(0)) or _is_modifier(text, match.end()):
            continue
        if material := _MATERIAL.search(text[: match.start()].lower()):
            materials.append(f"{material.group(0).strip()} {match.group(0)}")
            continue
        plural = bool(match.group("pl")) or word in _IRREGULAR_PLURALS
        count = _count_before(text, match.start(), plural)
        previous = found.get(subject.name)
        total = count + (previous.count if previous else 0)
        found[subject.name] = Wanted(subject, total, min(total, MAX_COPIES), match.group(0))
    return Cast(tuple(found.values()), tuple(materials + _unknown_nouns(text, spans)))


def _unknown_nouns(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Heads of noun phrases ("a <adjectives> <noun>") that are neither subjects nor scene words."""
    omitted: list[str] = []
    starts = [m.end() for m in _DETERMINER.finditer(text)]
    for start in starts:
        if any(a <= start < b for a, b in spans):
            continue
        phrase: list[tuple[str, int, int]] = []
        for word in re.finditer(r"[A-Za-z][A-Za-z'-]*|[^\sA-Za-z]", text[start:]):
            token = word.group(0)
            if not token[0].isalpha() or _BREAK.match(token) or _DETERMINER.fullmatch(token + " "):
                break
            phrase.append((token, start + word.start(), start + word.end()))
            if len(phrase) == 4:
                break
        if not phrase:
            continue
        head, a, b = phrase[-1]
        if any(sa < b and a < sb for sa, sb in spans) or _SCENE.fullmatch(head.lower().rstrip("'s")):
            continue
        if _ignorable(head):
            continue
        noun = " ".join(t for t, _, _ in phrase if not _ignorable(t) or t == head)
        if noun.lower() not in (o.lower() for o in omitted):
            omitted.append(noun)
    return omitted


_ADJECTIVE = re.compile(
    r"\w{2,}(?:ful|ous|ive|less|ish)|red|blue|green|yellow|white|black|pink|purple|orange|brown|"
    r"grey|gray|gold|golden|silver|dark|light|bright|big|small|tiny|huge|giant|old|new|cute|calm|quiet|serene|"
    r"warm|cool|cold|hot|wild|vast|tall|short|long|wide|soft|bold|clean|simple|minimal|modern|retro|vintage|"
    r"lonely|lone|single|whole|full|same|other|own|next|first|last|second|third|great|good|nice|epic|"
    r"abstract|realistic|detailed|vivid|pastel|neon|misty|foggy|snowy|rainy|sunny|stormy|starry|rocky|sandy|"
    r"grassy|lush|dense|deep|distant|far|near|high|low|giant|little|mini|majestic|beautiful|lovely|pretty",
    re.I,
)


def _ignorable(word: str) -> bool:
    low = word.lower()
    return bool(_ADJECTIVE.fullmatch(low)) or bool(_SCENE.fullmatch(low)) or len(low) < 3
