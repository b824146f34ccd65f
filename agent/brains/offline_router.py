"""The offline stand-in's brain: reads what the user said and decides, by rules over words, what a capable
chat model would do: answer briefly, call `image_gen` with arguments, or close a turn after tool results.

It is deterministic and knows nothing of litellm or message formats: `agent/brains/offline_model.py` reads the
conversation for it, puts its decision into words and streams them through litellm as a custom provider.
What a user may say is read by small named parsers (style, size, count, seed, negatives, which images
are meant), each readable on its own. Vocabulary lives in the regex tables next to the parser using it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from easel.agent.brains.offline_types import Conversation, Decision, ImageRequest, ListedImage, VideoPlan
from easel.tools.engines.offline.subjects import read_cast

# -- does the user want an image? --------------------------------------------------------------------------

_POLITE = re.compile(  # courtesy and wishes around the request: "please", "could you", "I'd like"
    r"^(?:is\s+it\s+possible\s+to\s+|(?:please|pls|kindly|ok(?:ay)?|now|so|and|also|then|hey|alright|great|cool|next)\b[,!.\s]*"
    r"|(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?|i(?:'d|\s+would)\s+(?:like|love)\s+(?:you\s+)?(?:to\s+)?"
    r"|i\s+(?:want|need)\s+(?:you\s+)?(?:to\s+)?|let'?s\s+|go\s+ahead\s+and\s+|try\s+to\s+|help\s+me\s+"
    r"|(?:give|show|get)\s+me\s+|would\s+you\s+mind\s+|i\s+was\s+hoping\s+(?:you\s+could\s+|to\s+)?"
    r"|if\s+it'?s\s+not\s+too\s+much\s+trouble,?\s*|when\s+you\s+have\s+a\s+moment,?\s*)+",
    re.I,
)
_CREATE = (
    r"create|generate|make|draw|paint|sketch|render|design|illustrate|produce|imagine|visuali[sz]e|depict|doodle"
    r"|picture|do"
)
_EDIT = (
    r"edit|add|remove|erase|delete|change|replace|turn|transform|convert|apply|recolou?r|colou?ri[sz]e|brighten"
    r"|darken|lighten|blur|sharpen|restyle|modify|adjust|retouch|swap|enhance|crop|extend|redo|stylize|put|fix"
    r"|flip|mirror|rotate|resize|scale|shrink|enlarge|invert|desaturate|tint|overlay|caption|write|label"
    r"|take|place|move|insert|paste|give|redo|sketch"
)
_COMPOSE = r"combine|merge|blend|compose|collage|stitch|fuse|juxtapose"
_NOUNS = (
    r"images?|imgs?|pictures?|pics?|photos?|photographs?|illustrations?|drawings?|paintings?|logos?|icons?|diagrams?"
    r"|posters?|wallpapers?|banners?|sketch(?:es)?|portraits?|artworks?|renders?|graphics?|infographics?"
    r"|stickers?|avatars?|thumbnails?|mockups?|comics?|memes?|flyers?|mascots?|variations?|versions?|scenes?"
)
_QUESTION = re.compile(r"^(?:what|why|how|who|when|where|which|is|are|do|does|did|should|what'?s)\b", re.I)
_NEW_THING = re.compile(
    rf"(?:{_CREATE})\s+(?:me\s+|us\s+)?(?:an?|some|another|new|\d+|two|three)\b(?!\s+version)", re.I
)
# "a cat astronaut": in an image app, a bare description asks for that picture.
_BARE_SUBJECT = re.compile(r"^(?:an?|some|\d+(?::\d+)?|two|three|four)\s+[a-z]", re.I)
_CHAT_VERB = re.compile(
    r"^(?:tell|explain|describe|recommend|suggest|write|help|translate|summari[sz]e|list|define|compare|say|"
    r"answer|show\s+me\s+how|teach)\b",
    re.I,
)
# "don't make a picture, just …", "no image please", "hold off on generating": the user declines an image.
_DECLINE = re.compile(
    r"\b(?:don'?t|do\s+not|no\s+need\s+to|hold\s+off\s+on|without|not|never|no)\s+(?:\w+\s+){0,3}?"
    r"(?:make|making|create|creating|draw|drawing|generat\w*|paint|painting|render|change|changing|redo|edit|"
    r"images?|pictures?|drawings?|anything)\b",
    re.I,
)
_CLAUSE = re.compile(r"[.;:!?]+\s+|[.;:!?]+$|\s+-\s+|,\s*|\s+but\s+", re.I)
_JUST = re.compile(r"^(?:just|only|first|instead|then|rather|please|now)\s+", re.I)
_TYPOS = {"imgae": "image", "imge": "image", "img": "image", "imgs": "images", "pictur": "picture",
          "foto": "photo", "fotos": "photos", "pixle": "pixel", "ad": "add", "u": "you", "plz": "please",
          "pls": "please", "teh": "the", "wiht": "with", "watercolour": "watercolour"}
_STEMS = {"creat": "create", "generat": "generate", "mak": "make", "illustrat": "illustrate"}
_VERBS = ("draw", "create", "make", "paint", "generate", "render", "sketch", "illustrate", "design", "produce",
          "imagine", "visualize", "depict", "add", "combine", "merge", "blend", "apply", "turn", "convert",
          "transform", "restyle", "remove", "change", "flip", "rotate", "crop", "blur", "brighten", "darken",
          "insert", "stitch")


def normalise(text: str) -> str:
    """Mend the typos that hide a request: a misspelt verb starting a clause ("drwa", "genrate"), and
    shorthand for image words ("img", "foto")."""
    text = re.sub(r"\b[a-z]+\b", lambda m: _TYPOS.get(m.group(0).lower(), m.group(0)), text, flags=re.I)
    text = re.sub(r"\b(mind\s+)(creat|generat|mak|render|illustrat|draw|paint|sketch|design)ing\b",
                  lambda m: m.group(1) + _STEMS.get(m.group(2).lower(), m.group(2)), text, flags=re.I)

    def mend(match: re.Match[str]) -> str:
        word = match.group(2)
        low = word.lower()
        if low in _VERBS or len(low) < 3 or _known_word(low):
            return match.group(0)
        close = difflib.get_close_matches(low, _VERBS, n=1, cutoff=0.75)
        return match.group(1) + (close[0] if close else word)

    lead = r"(^|[.;:!?,]\s*|\b(?:you|please|can|could|to)\s+)"
    return re.sub(lead + r"([A-Za-z]+)\b", mend, text)


def _known_word(word: str) -> bool:
    return word in {"can", "could", "would", "will", "please", "the", "and", "you", "not", "don't", "use", "seed",
                    "hey", "hi", "hello", "how", "what", "who", "why", "when", "where", "which", "now", "one",
                    "another", "again", "same", "try", "more", "give", "show", "let's", "its", "it's", "this",
                    "that", "these", "for", "with", "kindly", "thanks", "thank", "great", "nice", "cool", "okay",
                    "into", "there", "then", "also", "just", "tell", "plant", "paint", "print", "dance",
                    "pan", "tilt", "zoom", "dolly", "orbit"}  # a camera's moves, not a misspelt "paint"


def without_politeness(text: str) -> str:
    return _POLITE.sub("", text.strip()).strip()


def _starts_with(pattern: str, text: str) -> bool:
    return re.match(rf"(?:{pattern})\b", text, re.I) is not None


def _search_word(pattern: str, text: str) -> re.Match[str] | None:
    return re.search(rf"\b(?:{pattern})\b", text, re.I)


def makes_new_image(core: str) -> bool:
    """ "Create a …", "draw an …", "make 3 …": a creation verb aimed at something new, not at "it"."""
    return _NEW_THING.match(core) is not None


def declines_image(core: str) -> bool:
    """ "Don't make a picture, just tell me …" — but not "don't make it black and white, make it sepia"."""
    match = _DECLINE.search(core)
    if not match:
        return False
    later = _CLAUSE.split(core[match.end() :])[1:]
    asks = [_JUST.sub("", without_politeness(c)) for c in later if c.strip()]
    return not any(_starts_with(f"{_CREATE}|{_EDIT}|{_COMPOSE}", c) and not _CHAT_VERB.match(c) for c in asks)


def _clause_wants(clause: str, images: list[ListedImage]) -> bool:
    core = _JUST.sub("", without_politeness(clause))
    if not core or core.endswith("?") and _QUESTION.match(core) or _CHAT_VERB.match(core):
        return False
    if re.match(r"make\s+(?:sure|sense)\b", core, re.I):
        return False
    if _starts_with(f"{_CREATE}|{_COMPOSE}", core) and not re.match(r"do\s+(?:you|i|we|they)\b", core, re.I):
        return True
    if _BARE_SUBJECT.match(core) and not core.endswith("?") or names_something(core):
        return True
    if images and (_starts_with(_EDIT, core) or find_style(core) is not None or _VERSION.search(core)):
        return True
    return False


def names_something(core: str) -> bool:
    """A terse description ("fox in snow", "sunset beach pic"): a few words naming drawable things."""
    if len(core.split()) > 10 or _QUESTION.match(core):
        return False
    return bool(read_cast(core).wanted) or bool(_SCENE_NOUNS.search(core)) or bool(_search_word(_NOUNS, core))


_SCENE_NOUNS = re.compile(
    r"\b(?:mountains?|hills?|lake|sea|ocean|beach|forest|city|skyline|desert|sunset|sunrise|dawn|dusk|valley|"
    r"river|island|garden|waterfall|landscape|snow|castle|galaxy|space)\b",
    re.I,
)
_VERSION = re.compile(r"\b(?:an?|the)\s+(?:[\w-]+\s+){0,2}?version\b", re.I)


def wants_image(text: str, images: list[ListedImage], earlier: tuple[str, ...] = ()) -> bool:
    core = without_politeness(text)
    clauses = [c for c in _CLAUSE.split(core) if c.strip()]
    # "Could you draw…" and "is it possible to draw…" lose their courtesy; "what is a GAN?" stays a question,
    # but "when you have a moment, could you draw…" and "do three more" do not.
    requested = any(_starts_with(_CREATE, without_politeness(c)) for c in clauses) or (
        bool(earlier) and follow_up(core) is not None)
    if _QUESTION.match(core) and not re.match(r"^(?:can|could|would|will)\s", text.strip(), re.I):
        if not (images and _VERSION.search(core)) and not requested:
            return False
    if declines_image(core) or _CHAT_VERB.match(core):
        return False
    asks = _search_word(f"{_CREATE}|{_EDIT}|{_COMPOSE}|want|need|show me|give me", core)
    if asks and _search_word(_NOUNS, core) and not core.endswith("?"):
        return True
    if any(_clause_wants(c, images) for c in clauses):
        return True
    # "again" repeats an earlier request for a picture, not an earlier "say hello".
    return follow_up(core) is not None and any(wants_image(t, []) for t in earlier)


# "another one, but at night", "same again but square", "do three more", "try again with seed 5"
_FOLLOW_UP = re.compile(
    r"^(?:(?:and\s+|now\s+)?(?:another(?:\s+one)?|one\s+more|(?:do\s+(?:it|that|this)\s+)?again|"
    r"same\s+(?:again|thing|one|but)|try\s+again|(?:do|make|give\s+me)\s+(?:\d+|two|three|four|five|a\s+few|"
    r"some)\s+more|(?:\d+|two|three|four|five)\s+more|more\s+of\s+(?:those|these|them)|"
    r"(?:now\s+)?make\s+an?\s+(?:tall|wide|square|vertical|horizontal|bigger|larger)\s+version))\b",
    re.I,
)


def follow_up(core: str) -> str | None:
    """What a follow-up adds to the previous request ("at night"), or None when it isn't one."""
    core = re.sub(r"^(?:do|give\s+me|make)\s+(?=(?:\d+|two|three|four|five|a\s+few|some)\s+more\b)", "", core,
                  flags=re.I)
    match = _FOLLOW_UP.match(core)
    if not match:
        return None
    rest = core[match.end() :]
    rest = re.sub(r"^\W*(?:but|with|please|like\s+(?:that|this)|of\s+(?:those|these|them)|in\s+the\s+same\s+style)\b"
                  r"(?:\s*(?:but|please|,))*", "", rest, flags=re.I)
    return rest.strip(" ,.!?")


# -- options the user states -------------------------------------------------------------------------------

# The painter's canonical style names first (the image_gen schema lists them), then movements it has no
# name for, which are passed on as described.
_KNOWN_STYLES: dict[str, str] = {
    "oil-painting": r"oil[- ]?paint(?:ing|ed)?s?|in\s+oils?|oils",
    "watercolor": r"water[- ]?colou?r(?:s|ed)?|aquarelle",
    "pencil-sketch": r"pencil(?:[- ](?:sketch|drawing|drawn|art))?|(?:sketched|drawn)\s+in\s+pencil|graphite|charcoal",
    "line-art": r"pen\s+and\s+ink|ink\s+(?:drawing|sketch|illustration)|line[- ]?art|line\s+drawing",
    "pop-art": r"pop[- ]art|warhol\w*|lichtenstein",
    "anime": r"anime|manga|ghibli",
    "pixel-art": r"pixel[- ]?art|pixelated|8[- ]bit|16[- ]bit",
    "impressionism": r"impressionis[mt]\w*|monet|renoir|van\s+gogh",
    "comic-book": r"comic[- ]book|comic\s+style",
    "low-poly": r"low[- ]poly(?:gon)?",
    "3d-model": r"3d[- ]render(?:ing)?|3d\s+(?:style|model)|cgi",
    "photographic": r"photo[- ]?realistic|hyper[- ]?realistic",
    "modeling-compound": r"clay(?:mation)?|plasticine|play[- ]?doh",
    "origami": r"origami|papercraft|paper[- ]craft",
    "isometric": r"isometric",
    "fantasy-art": r"fantasy[- ]art",
    "analog-film": r"35\s?mm|analog(?:ue)?\s+film|(?:old\s+)?film\s+(?:photo(?:graph)?|look|still)|polaroid",
    "tile-texture": r"(?:seamless\s+)?tile\s+texture|seamless\s+(?:texture|pattern)",
    "digital-art": r"digital\s+(?:art|painting|illustration)",
    "cinematic": r"cinematic",
    "neon-punk": r"neon[- ]?punk",
    "cubism": r"cubis[mt]|picasso",
    "surrealism": r"surreal(?:ism|ist)?|dali|magritte",
    "art deco": r"art[- ]deco",
    "art nouveau": r"art[- ]nouveau",
    "ukiyo-e": r"ukiyo[- ]?e",
    "cartoon": r"cartoon(?:ish|y)?",
    "stained glass": r"stained[- ]glass",
}
# A medium named beside a movement ("an impressionist oil painting") is what the user asked to get.
_MEDIUMS = ("oil-painting", "watercolor", "pencil-sketch", "line-art")
_ART_NOUNS = r"painting|drawing|sketch|illustration|artwork|art|print|poster|mosaic|cartoon|comic|engraving"
_STYLE_OF = re.compile(
    r"in\s+the\s+(?:art\s+)?style\s+of\s+(?:an?\s+|the\s+)?(?P<s>[^,.;!?]+?)"
    r"(?=\s*(?:[,.;!?]|$|\b(?:with|and|but|at|on|for|in|as|without|using|featuring)\b))",
    re.I,
)
_STYLE_PHRASES = [  # weaker hints, tried in order when no known style is named
    re.compile(r"\b(?:in|with)\s+(?:an?\s+|the\s+)?(?P<s>[a-z][\w -]{1,30}?)[- ]style\b", re.I),
    re.compile(rf"\b(?:as|into)\s+(?:an?\s+)?(?P<s>[a-z][\w -]{{0,30}}?\b(?:{_ART_NOUNS}))\b", re.I),
    re.compile(r"\b(?P<s>[a-z][\w-]{2,20})[- ](?:style|look|effect|filter)\b", re.I),
]
_NOT_STYLES = {"the", "this", "that", "same", "new", "image", "photo", "a", "an", "picture", "it", "one", "pic",
               "winter", "summer", "autumn", "fall", "spring", "night", "sunset", "snowy", "rainy", "wide", "tall",
               "square", "vertical", "version", "my", "your", "different", "similar", "fresh"}


def canonical_style(phrase: str) -> str:
    for name, pattern in _KNOWN_STYLES.items():
        if re.search(rf"\b(?:{pattern})\b", phrase, re.I):
            return name
    return re.sub(r"^(?:an?|the)\s+", "", phrase.strip(), flags=re.I)


def find_style(text: str) -> str | None:
    """ "in the style of X" wins; then the first known style named; then "as a X painting"-like phrases."""
    if match := _STYLE_OF.search(text):
        return canonical_style(match.group("s"))
    known = [(m.start(), name) for name, p in _KNOWN_STYLES.items() if (m := _search_word(p, text))]
    if mediums := [k for k in known if k[1] in _MEDIUMS]:
        return min(mediums)[1]
    if known:
        return min(known)[1]
    for pattern in _STYLE_PHRASES:
        if (match := pattern.search(text)) and match.group("s").lower() not in _NOT_STYLES:
            return canonical_style(match.group("s"))
    return None


_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_NUMBERS |= {"ten": 10, "a couple of": 2, "a pair of": 2, "a few": 3, "several": 3}
_COUNT = re.compile(  # "three variations", "4 images" — but not "these two images" (those exist already)
    r"(?<!\bthese )(?<!\bthose )(?<!\bthe )(?<!\bmy )(?<!\bboth )(?<!\bof )(?<![:x×\d])"
    r"\b(?P<n>\d+|" + "|".join(_NUMBERS) + r")\s+"
    r"(?:different\s+|more\s+|unique\s+|distinct\s+|alternative\s+)?"
    r"(?:variations?|versions?|options?|variants?|takes|alternatives|designs?|concepts?|" + _NOUNS + r")\b",
    re.I,
)
_SIZE = re.compile(r"\b(\d{2,5})\s*[x×]\s*(\d{2,5})\b", re.I)
_RATIO = re.compile(r"\b(\d{1,2}(?:\.\d+)?)\s*:\s*(\d{1,2}(?:\.\d+)?)\b")
_LAYOUT = r"\s+(?:orientation|mode|format|aspect|layout)|-oriented"
_FRAME = (  # "wide" or "tall" shapes the picture when it describes the picture: "a wide shot", "a tall poster"
    r"\s*(?:\w+\s+|,\s*){0,2}?(?:image|picture|pic|photo|shot|scene|view|poster|banner|wallpaper|version|format"
    r"|painting|watercolou?r|drawing|sketch|illustration|render|one|print)s?\b"
)
_ORIENTATIONS = (  # words for shapes; "a portrait of" or "a landscape painting" are subjects, not shapes
    (rf"\bsquare(?:{_LAYOUT}|\s+(?:image|picture|photo|crop|logo|icon|format|version))"
     r"|\b(?:in|as a|but|make it)\s+square\b|\bsquare\s*$", "1:1"),
    (rf"\bportrait(?:{_LAYOUT})|\bin\s+portrait\b|\b(?:tall|vertical|narrow)\b{_FRAME}"
     r"|\b(?:tall|vertical)\s+version", "2:3"),
    (rf"\blandscape(?:{_LAYOUT})|\bin\s+landscape\b|\blandscape\s+format", "3:2"),
    (rf"\b(?:widescreen|panoramic|panorama|desktop\s+wallpaper)\b|\b(?:wide|wider|horizontal)\b(?:{_FRAME}|\s*(?:[,.!?]|$))",
     "16:9"),
    (r"\bphone\s+wallpaper\b|\bphone\s+background\b", "9:16"),
)
_SEED = re.compile(r"\bseed\s*(?:=|:|of|number|#)?\s*(\d+)\b", re.I)
_NEGATIVE = re.compile(
    r"(?:\b(?:without|with\s+no|but\s+no|and\s+no|avoid(?:ing)?|exclud(?:e|ing)|do\s+not\s+include|don'?t\s+include)"
    r"|(?:^|[,;(])\s*no)\s+(?:any\s+)?(?P<what>[^,.;!?()]+?)(?=\s*(?:[,.;!?()]|$|\b(?:and|but|with|in|at|on)\b))",
    re.I,
)


_MORE = re.compile(r"\b(?P<n>\d+|" + "|".join(_NUMBERS) + r")\s+(?:more\b|of\s+(?:them|those|these)\b)", re.I)


def find_count(text: str) -> int | None:
    if not (match := _COUNT.search(text) or _MORE.search(text)):
        return None
    raw = match.group("n").lower()
    count = int(raw) if raw.isdigit() else _NUMBERS[raw]
    return count if count > 1 else None


def find_size(text: str) -> str | None:
    return "x".join(match.groups()) if (match := _SIZE.search(text)) else None


def find_aspect_ratio(text: str) -> str | None:
    if match := _RATIO.search(text):
        return f"{match.group(1)}:{match.group(2)}"
    return next((ratio for pattern, ratio in _ORIENTATIONS if re.search(pattern, text, re.I)), None)


def find_seed(text: str) -> int | None:
    return int(match.group(1)) if (match := _SEED.search(text)) else None


def find_negative(text: str) -> str | None:
    """ "without people", "no text": what to keep out. "without changing X" is an instruction, not a thing."""
    found = [m.group("what").strip() for m in _NEGATIVE.finditer(text)]
    return ", ".join(w for w in found if w and not w.split()[0].lower().endswith("ing")) or None


def stated_options(text: str, operation: str) -> dict[str, Any]:
    options = {
        "style": find_style(text),
        "size": find_size(text),
        "aspect_ratio": find_aspect_ratio(text),
        "n": find_count(text) if operation != "compose" else None,
        "seed": find_seed(text),
        "negative_prompt": find_negative(text),
    }
    return {key: value for key, value in options.items() if value is not None}


# -- which images are meant --------------------------------------------------------------------------------

_ORDINAL = re.compile(
    r"\b(?:(first|second|third|fourth|fifth)|([1-5])(?:st|nd|rd|th)|(last))\b|\b(?:image|picture|photo|#)\s*([1-9])\b",
    re.I,
)
_ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth")
_JUST_MADE = re.compile(
    r"\byou\s+(?:just\s+)?(?:made|created|generated|drew|painted|rendered|did)\b"
    r"|\b(?:last|previous|latest|recent)\s+(?:one|image|picture|result|version)\b|\bthe\s+result\b",
    re.I,
)
_ATTACHED = re.compile(
    r"\b(?:this|these|my|attached|uploaded|the\s+attached|the\s+uploaded)\s+(?:uploaded\s+|attached\s+|own\s+)?"
    r"(?:image|photo|photograph|picture|pic|selfie|drawing|sketch|file|shot|screenshot)s?\b|\b(?:attached|uploaded)\b",
    re.I,
)
# "like this one", "versions of it": a new picture derived from an existing one is an edit of that one.
_DERIVED = re.compile(
    r"\b(?:like|based\s+on|similar\s+to|inspired\s+by|(?:versions?|variations?|variants?|copies)\s+of)"
    r"\s+(?:this|that|these|it|them)\b",
    re.I,
)
_PRONOUN = re.compile(
    r"\b(?:it|them|that\s+one|this\s+one|the\s+(?:image|picture|photo))\b"
    r"|\b(?:this|these)\b(?!\s+(?:is|are|was|were)\b)",
    re.I,
)
_IMAGE_WORDS = re.compile(rf"\b(?:images?|pictures?|photos?|ones?|pics?|files?|{_COMPOSE})\b", re.I)
_GENERIC_STEMS = {"image", "photo", "picture", "file", "untitled", "the", "and", "new", "edit"}


def named_images(text: str, images: list[ListedImage]) -> list[ListedImage]:
    """Images the text names by id, file name, or file-name stem ("make the sunset warmer")."""
    low = text.lower()

    def named(image: ListedImage) -> bool:
        stem = re.sub(r"[-_]+", " ", image.name.rsplit(".", 1)[0]).strip().lower()
        by_stem = len(stem) >= 3 and stem not in _GENERIC_STEMS and re.search(rf"\b{re.escape(stem)}\b", low)
        return image.file_id.lower() in low or image.name.lower() in low or bool(by_stem)

    return [image for image in images if named(image)]


def ordinal_images(text: str, images: list[ListedImage]) -> list[ListedImage]:
    """ "the first and second images", "image 2", "the last one": positions in the listed order."""
    if not images or not _IMAGE_WORDS.search(text):
        return []
    chosen: list[ListedImage] = []
    for match in _ORDINAL.finditer(text):
        word, digit, last, number = match.groups()
        index = len(images) - 1 if last else int(digit or number or 0) - 1
        index = _ORDINAL_WORDS.index(word.lower()) if word else index
        if 0 <= index < len(images) and images[index] not in chosen:
            chosen.append(images[index])
    return chosen


def referenced_images(text: str, images: list[ListedImage], allow_pronouns: bool) -> list[ListedImage]:
    """The images the user points at, or [] when they point at none."""
    made = [i for i in images if i.made]
    attached = [i for i in images if i.attached]
    for finder in (named_images, ordinal_images):
        if found := finder(text, images):
            return found
    if _JUST_MADE.search(text) and made:
        return made[-1:]
    if _ATTACHED.search(text) or _DERIVED.search(text):
        return attached or [i for i in images if not i.made][-1:] or made[-1:]
    if allow_pronouns and _PRONOUN.search(text):
        return made[-1:] or attached or images[-1:]
    return []


def default_sources(images: list[ListedImage], operation: str) -> list[ListedImage]:
    """No image pointed at: edits take the attached images, else the latest made; compose takes all."""
    attached = [i for i in images if i.attached]
    if operation == "compose":
        return attached if len(attached) >= 2 else images
    return attached or [i for i in images if i.made][-1:] or images[-1:]


_STRONG_COMPOSE = re.compile(rf"\b(?:{_COMPOSE})\b|\bside\s+by\s+side\b", re.I)
_WEAK_COMPOSE = re.compile(r"\b(?:next\s+to|alongside|beside|together|in\s+one\s+(?:image|picture))\b", re.I)
_PLURAL_REF = re.compile(r"\b(?:them|these|those|both|all)\b", re.I)


# "put the dog from the first image into the second", "take the cat from cat.png and put it on …"
_TRANSFER = re.compile(r"\bfrom\b.+\b(?:into|onto|in|on|to|with)\b", re.I)


def compose_sources(core: str, images: list[ListedImage], refs: list[ListedImage]) -> list[ListedImage]:
    """The images to compose, or [] when the words don't ask to put several images together. "Combine"
    alone means the attached images (or all); "next to"/"together" need two named images or "them";
    moving something from one image into another needs two images to hand."""
    strong, weak = _STRONG_COMPOSE.search(core), _WEAK_COMPOSE.search(core)
    transfer = _TRANSFER.search(core) and len(images) >= 2
    if len(refs) >= 2 and (strong or weak or transfer):
        return refs
    attached, made = [i for i in images if i.attached], [i for i in images if i.made]
    if transfer:
        return attached if len(attached) >= 2 else images
    if weak and attached and made and _PRONOUN.search(core):  # "put my photo next to it"
        return [made[-1], *attached]
    if strong or (weak and _PLURAL_REF.search(core)):
        return default_sources(images, "compose")
    return []


# -- building the request ----------------------------------------------------------------------------------

# "create an image of", "show me a picture of", "draw": words to us, not part of the picture.
_PREAMBLE = re.compile(
    rf"^(?:(?:{_CREATE})\s+(?:me\s+|us\s+)?)?"
    r"(?:(?:an?|the|some)\s+(?:new\s+)?(?:image|picture|photo|illustration|drawing|painting|render(?:ing)?|artwork"
    r"|graphic|visual(?:ization)?)s?\s+(?:of|showing|depicting|featuring|that\s+shows)\s+)?",
    re.I,
)
# "to this image", "my uploaded photo": the source is an argument of its own. As an object ("make this photo
# look old") it becomes "it"; after a preposition ("add snow to this image") or before "to" it goes.
_REF_PHRASE = re.compile(
    r"\s*\b(?P<prep>(?:to|in|on|into|of|from|for)\s+)?(?:this|these|my|the\s+attached|the\s+uploaded|the)\s+"
    r"(?:uploaded\s+|attached\s+)?(?:image|photo|photograph|picture|pic|selfie|screenshot)s?\b"
    r"(?P<link>\s+(?:to|so\s+that|so\s+it|and)\b)?",
    re.I,
)
# "Edit this image to add rain" loses its reference to "Edit add rain"; the instruction is "add rain".
_BARE_EDIT = re.compile(rf"^(?:edit|modify|update|alter)\s+(?=(?:{_EDIT}|make)\b)", re.I)
_SHAPE_WORDS = re.compile(
    rf"\b(?:in\s+)?(?:portrait|landscape|square)(?:{_LAYOUT})\b|\bin\s+(?:portrait|landscape)\b"
    r"|\blandscape\s+format\b", re.I
)
_RATIO_PHRASE = re.compile(
    r"\b(?:in|at|with)?\s*(?:an?\s+)?\d{1,2}\s*:\s*\d{1,2}(?:\s+(?:aspect\s+)?ratio)?", re.I
)
_DANGLING = re.compile(r"(?:\s+(?:of|with|in|at|using|and|but|or))+\s*(?=[,.;!?]|$)", re.I)


def strip_options(text: str) -> str:
    """The description without the parameter phrases that become arguments of their own."""
    for pattern in (_SEED, _SIZE, _NEGATIVE, _SHAPE_WORDS, _RATIO_PHRASE):
        text = pattern.sub("", text)
    text = _DANGLING.sub("", re.sub(_COUNT.pattern + r"(?:\s+of\b)?", "", text, flags=re.I).strip())
    return re.sub(r"\s{2,}", " ", re.sub(r"\s+([,.;!?])", r"\1", text)).strip(" ,;:-—")


def clean_prompt(text: str, operation: str) -> str:
    core = without_politeness(text)
    if operation == "generate":
        core = _PREAMBLE.sub("", core, count=1)
    elif operation != "compose":
        core = _REF_PHRASE.sub(lambda m: "" if m.group("prep") or m.group("link") else " it", core).strip()
        core = _BARE_EDIT.sub("", core)
    return strip_options(core).rstrip(".!?… ").strip() or text.strip().rstrip(".!?")


def plan_image(text: str, images: list[ListedImage]) -> ImageRequest:
    """Pick the operation and sources the way a careful model would, then the stated options."""
    core = without_politeness(text)
    new_thing = makes_new_image(core)
    refs = referenced_images(core, images, allow_pronouns=not new_thing)
    if len(sources := compose_sources(core, images, refs)) >= 2:
        return _request("compose", text, sources)
    style = find_style(core)
    reshapes = find_aspect_ratio(core) is not None and _VERSION.search(core)
    changes_existing = not new_thing and bool(images) and not reshapes and (
        _starts_with(f"{_EDIT}|make", core) or style is not None or _VERSION.search(core) is not None)
    if changes_existing and not refs:
        made = [i for i in images if i.made]
        refs = [] if any(i.attached for i in images) else made[-1:]
    if not refs and not changes_existing or reshapes:
        return _request("generate", text, [])
    operation = "style_transfer" if style is not None else "edit"
    return _request(operation, text, refs or default_sources(images, operation))


def _request(operation: str, text: str, sources: list[ListedImage]) -> ImageRequest:
    return ImageRequest(operation, clean_prompt(text, operation), sources, stated_options(text, operation))


# -- does the user want a video? ---------------------------------------------------------------------------

# "video" but not "video game", "clip" but not "clip art", "animation" but not "animation style".
_VIDEO_NOUN = (
    r"videos?(?![\s-]*(?:games?|cameras?|calls?|chats?|recorders?|tapes?|cards?|editors?|players?|consoles?"
    r"|stores?|shops?|codecs?|formats?|thumbnails?))"
    r"|clips?(?![\s-]*(?:art|board|boards))|animations?(?![\s-]*(?:style|studio|studios|cel|frames?))"
    r"|mp4s?|cinemagraphs?|time[- ]?lapses?"
)
_ANIMATE = re.compile(
    r"\banimat(?:e|ing)\b|\banimated\s+(?:gif|version|clip|video|loop)\b"
    r"|\bmake\s+(?:it|this|that|them|these|those)\s+animated\b"
    r"|\b(?:make|let|have)\s+(?:it|this|that|them|these|those|the\s+\w+(?:\s+\w+)?)\s+"
    r"(?:move|moving|come\s+alive|come\s+to\s+life)\b(?!\s+(?:to|into|onto|over|closer|further|away|behind|next)\b)"
    r"|\bbring\s+(?:it|this|that|them|these|the\s+\w+(?:\s+\w+)?)\s+to\s+life\b|\bset\s+(?:it|this|that)\s+in\s+motion\b"
    r"|\bmoving\s+(?:picture|image|photo|version|scene|wallpaper)s?\b|\bin\s+motion\b",
    re.I,
)
# "a thumbnail for my video", "a poster for the clip": a picture about a video is a picture.
_FOR_A_VIDEO = re.compile(
    rf"\b(?:thumbnails?|posters?|covers?|banners?|stills?|frames?|screenshots?|title\s+cards?|logos?|icons?|"
    rf"storyboards?|images?|pictures?|photos?)\s+(?:for|of|from)\s+(?:\w+\s+){{0,4}}?(?:{_VIDEO_NOUN})\b",
    re.I,
)
_NOT_VIDEO = re.compile(
    rf"\b(?:don'?t|do\s+not|no|not|never|without|instead\s+of)\s+(?:\w+\s+){{0,3}}?(?:{_VIDEO_NOUN}|animate|"
    r"animating|animated|move|moving)\b",
    re.I,
)


def wants_video(text: str) -> bool:
    """ "Animate this photo", "make a 5-second video of waves at sunset", "make it move": a moving picture.
    Questions about videos, chat about them, and pictures for a video are not."""
    core = without_politeness(text)
    if not core or _CHAT_VERB.match(core) or _NOT_VIDEO.search(core) or _FOR_A_VIDEO.search(core):
        return False
    if _QUESTION.match(core) and not re.match(r"^(?:can|could|would|will)\s", text.strip(), re.I):
        return False
    return bool(_ANIMATE.search(core) or _search_word(_VIDEO_NOUN, core))


_NUMBER_WORDS = _NUMBERS | {"one": 1, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
                            "thirty": 30, "sixty": 60}
_DURATION = re.compile(
    r"(?<!\bthe\s)(?<!')\b(?P<n>\d{1,3}(?:\.\d+)?|" + "|".join(w for w in _NUMBER_WORDS if " " not in w)
    + r")\s*-?\s*(?P<unit>seconds?|secs?|s|minutes?|mins?)\b(?![\s-]*(?:style|music|vibe|aesthetic|fashion|look))"
    r"(?:[\s-]+long)?",
    re.I,
)
_DURATION_PHRASE = re.compile(r"\b(?:for|lasting|of|about|around)\s+(?=" + _DURATION.pattern + ")", re.I)
VIDEO_SECONDS = (2, 8)  # what video_gen takes


def find_seconds(text: str) -> float | None:
    """ "a 5-second video", "for 6 seconds", "5s", "a one-minute clip": the length asked, in seconds."""
    for match in _DURATION.finditer(text):
        raw, unit = match.group("n").lower(), match.group("unit").lower()
        if unit == "s" and not raw.isdigit():
            continue  # "a s" is no length
        value = float(raw) if raw[0].isdigit() else float(_NUMBER_WORDS[raw])
        return value * (60 if unit.startswith("m") else 1)
    return None


_VIDEO_PREAMBLE = re.compile(
    rf"^(?:(?:{_CREATE}|turn\s+(?:this|it)\s+into|give\s+me)\s+(?:me\s+|us\s+)?)?(?:an?\s+|the\s+|some\s+)?"
    r"(?:(?:short|quick|little|brief|small|looping|animated|slow|smooth|cinematic)\s+)*"
    rf"(?:{_VIDEO_NOUN})\s+(?:of|showing|with|where|featuring|about|that\s+shows|depicting)\s+"
    r"|^animat(?:e|ing)\s+(?=(?:an?|some|the)\s)",
    re.I,
)
_GENTLE = re.compile(r"\b(?:subtle|subtly|gentle|gently|slight(?:ly)?|calm|barely|a\s+little|soft(?:ly)?)\b", re.I)
_LIVELY = re.compile(r"\b(?:dramatic|lots\s+of\s+(?:motion|movement)|a\s+lot\s+of\s+(?:motion|movement)|fast|"
                     r"energetic|strong|wild|intense|lively)\b", re.I)
_VIDEO_SHAPES = (
    (r"\b(?:vertical|portrait|tall|phone|tiktok|reels?|shorts|story|stories)\b", "9:16"),
    (r"\bsquare\b", "1:1"),
    (r"\b(?:wide|widescreen|landscape|horizontal|cinematic)\b", "16:9"),
)


def video_prompt(text: str, source: ListedImage | None) -> str:
    """What the video shows (to paint first) or how the picture moves: the words without courtesy, the length,
    and, for a new video, the "make a video of" around its subject."""
    core = without_politeness(text)
    core = _DURATION_PHRASE.sub("", core)
    core = _DURATION.sub("", core)
    core = re.sub(r"\s{2,}", " ", _SEED.sub("", core)).strip(" ,;:-—")
    if source is None:
        core = _VIDEO_PREAMBLE.sub("", core, count=1)
    core = _DANGLING.sub("", re.sub(r"\s+([,.;!?])", r"\1", core).rstrip(".,;:!?… "))
    return core.strip() or text.strip().rstrip(".!?")


def plan_video(text: str, images: list[ListedImage]) -> VideoPlan:
    """Which image moves (one pointed at; for "animate"/"make it move" the attached or latest one), or none
    when a new scene is asked for; the length within 2-8 s (and what was asked, when outside); the motion."""
    core = without_politeness(text)
    refs = referenced_images(core, images, allow_pronouns=True)
    source = refs[0] if refs else None
    if source is None and images and not makes_new_image(core) and _ANIMATE.search(core):
        source = default_sources(images, "edit")[0]
    asked = find_seconds(core)
    seconds = None
    if asked is not None:
        seconds = int(min(max(round(asked), VIDEO_SECONDS[0]), VIDEO_SECONDS[1]))
    options: dict[str, Any] = {}
    if (seed := find_seed(core)) is not None:
        options["seed"] = seed
    if _GENTLE.search(core):
        options["motion_bucket_id"] = 60
    elif _LIVELY.search(core):
        options["motion_bucket_id"] = 200
    ratio = _RATIO.search(core)
    shape = f"{ratio.group(1)}:{ratio.group(2)}" if ratio else next(
        (r for pattern, r in _VIDEO_SHAPES if re.search(pattern, core, re.I)), None)
    if shape is not None and (source is None or ratio or shape != "16:9"):
        options["aspect_ratio"] = shape
    return VideoPlan(prompt=video_prompt(text, source), source=source, seconds=seconds,
                     asked_seconds=asked if asked is not None and seconds != asked else None, options=options)


# -- the decision ------------------------------------------------------------------------------------------


def route(conversation: Conversation, *, may_call: bool = True, must_call: bool = False, may_video: bool = False,
          must_video: bool = False) -> Decision:
    """Decide the turn. `may_call`/`must_call` say whether image_gen is offered and whether tool_choice
    forces it; a forced call is made even for words that don't ask for an image. `may_video`/`must_video` say
    the same of video_gen: words that ask for a moving picture call it (when image_gen alone is forced, they
    do not)."""
    if conversation.results and not (must_call or must_video):
        return Decision("close", results=conversation.results, result_tools=conversation.result_tools)
    text = conversation.user_text
    # Only a forced call makes the stand-in act again without a new user message.
    if not conversation.user_spoke_last and not ((must_call or must_video) and text):
        return Decision("nothing_to_do")
    images = list(conversation.images)
    text = normalise(text)
    earlier = [normalise(t) for t in conversation.earlier]
    video_forced = must_video and not must_call
    if video_forced or (wants_video(text) and not (must_call and not must_video)):
        plan = plan_video(text, images)
        if not may_video:
            return Decision("tool_unavailable", text=text, video=plan)
        return Decision("call_tool", text=text, video=plan)
    if must_call or wants_image(text, images, tuple(earlier)):
        if not may_call:
            return Decision("tool_unavailable", text=text)
        return Decision("call_tool", text=text, request=plan_with_history(text, images, earlier))
    return Decision("chat", text=text, images=conversation.images)


def plan_with_history(text: str, images: list[ListedImage], earlier: list[str]) -> ImageRequest:
    """A follow-up ("another one, but at night") repeats the last request the user made, with the
    change; its style and shape carry over unless restated, its seed and count do not."""
    core = without_politeness(text)
    change = follow_up(core)
    previous = next((t for t in reversed(earlier) if wants_image(t, [])), None)
    if change is None or previous is None:
        return plan_image(text, images)
    if find_style(change) and any(i.made for i in images) and not find_aspect_ratio(change):
        return plan_image(text, images)  # "same thing in pixel art": restyle the picture just made
    before = plan_image(previous, [])
    options = {k: v for k, v in before.options.items() if k in ("style", "size", "aspect_ratio", "negative_prompt")}
    now = stated_options(change, "generate") | stated_options(core, "generate")
    if "size" in now or "aspect_ratio" in now:
        options.pop("size", None), options.pop("aspect_ratio", None)
    prompt = before.prompt + (f", {strip_options(change)}" if strip_options(change) else "")
    return ImageRequest("generate", prompt, [], options | now)
