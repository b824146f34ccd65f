"""The offline stand-in's brain: reads what the user said and decides, by rules over words, what a capable
chat model would do: answer briefly, call `image_gen` with arguments, or close a turn after tool results.

It is deterministic and knows nothing of litellm or message formats: `agent/brains/offline_model.py` reads the
conversation for it, puts its decision into words and streams them through litellm as a custom provider.
What a user may say is read by small named parsers (style, size, count, seed, negatives, which images
are meant), each readable on its own. Vocabulary lives in the regex tables next to the parser using it.
"""

from __future__ import annotations

import re
from typing import Any

from easel.agent.brains.offline_types import Conversation, Decision, ImageRequest, ListedImage

# -- does the user want an image? --------------------------------------------------------------------------

_POLITE = re.compile(  # courtesy and wishes around the request: "please", "could you", "I'd like"
    r"^(?:is\s+it\s+possible\s+to\s+|(?:please|pls|kindly|ok(?:ay)?|now|so|and|also|then|hey|alright|great|cool|next)\b[,!.\s]*"
    r"|(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?|i(?:'d|\s+would)\s+(?:like|love)\s+(?:you\s+)?(?:to\s+)?"
    r"|i\s+(?:want|need)\s+(?:you\s+)?(?:to\s+)?|let'?s\s+|go\s+ahead\s+and\s+|try\s+to\s+|help\s+me\s+"
    r"|(?:give|show|get)\s+me\s+)+",
    re.I,
)
_CREATE = (
    r"create|generate|make|draw|paint|sketch|render|design|illustrate|produce|imagine|visuali[sz]e|depict|doodle"
)
_EDIT = (
    r"edit|add|remove|erase|delete|change|replace|turn|transform|convert|apply|recolou?r|colou?ri[sz]e|brighten"
    r"|darken|lighten|blur|sharpen|restyle|modify|adjust|retouch|swap|enhance|crop|extend|redo|stylize|put|fix"
    r"|flip|mirror|rotate|resize|scale|shrink|enlarge|invert|desaturate|tint|overlay|caption|write|label"
)
_COMPOSE = r"combine|merge|blend|compose|collage|stitch|fuse|juxtapose"
_NOUNS = (
    r"images?|pictures?|pics?|photos?|photographs?|illustrations?|drawings?|paintings?|logos?|icons?|diagrams?"
    r"|posters?|wallpapers?|banners?|sketch(?:es)?|portraits?|artworks?|renders?|graphics?|infographics?"
    r"|stickers?|avatars?|thumbnails?|mockups?|comics?|memes?|flyers?|mascots?|variations?|versions?|scenes?"
)
_QUESTION = re.compile(r"^(?:what|why|how|who|when|where|which|is|are|do|does|did|should|what'?s)\b", re.I)
_NEW_THING = re.compile(rf"(?:{_CREATE})\s+(?:me\s+|us\s+)?(?:an?|some|another|new|\d+|two|three)\b", re.I)
# "a cat astronaut": in an image app, a bare description asks for that picture.
_BARE_SUBJECT = re.compile(r"^(?:an?|some|\d+|two|three|four)\s+[a-z]", re.I)


def without_politeness(text: str) -> str:
    return _POLITE.sub("", text.strip()).strip()


def _starts_with(pattern: str, text: str) -> bool:
    return re.match(rf"(?:{pattern})\b", text, re.I) is not None


def _search_word(pattern: str, text: str) -> re.Match[str] | None:
    return re.search(rf"\b(?:{pattern})\b", text, re.I)


def makes_new_image(core: str) -> bool:
    """ "Create a …", "draw an …", "make 3 …": a creation verb aimed at something new, not at "it"."""
    return _NEW_THING.match(core) is not None


def wants_image(text: str, images: list[ListedImage]) -> bool:
    core = without_politeness(text)
    # "Could you draw…" and "is it possible to draw…" lose their courtesy; "what is a GAN?" stays a question.
    if _QUESTION.match(core) and not re.match(r"^(?:can|could|would|will)\s", text.strip(), re.I):
        return False
    if re.match(r"make\s+(?:sure|sense)\b", core, re.I):
        return False
    if _starts_with(f"{_CREATE}|{_COMPOSE}", core) or (_BARE_SUBJECT.match(core) and not core.endswith("?")):
        return True
    asks = _search_word(f"{_CREATE}|{_EDIT}|{_COMPOSE}|want|need|show me|give me", core)
    if asks and _search_word(_NOUNS, core):
        return True
    return bool(images) and (_starts_with(_EDIT, core) or find_style(core) is not None)


# -- options the user states -------------------------------------------------------------------------------

_KNOWN_STYLES: dict[str, str] = {
    "oil painting": r"oil[- ]?paint(?:ing|ed)?|in\s+oils?",
    "watercolor": r"water[- ]?colou?r(?:s|ed)?",
    "pencil sketch": r"pencil[- ](?:sketch|drawing|drawn|art)|(?:sketched|drawn)\s+in\s+pencil|graphite",
    "charcoal drawing": r"charcoal",
    "ink drawing": r"pen\s+and\s+ink|ink\s+(?:drawing|sketch|illustration)",
    "pop art": r"pop[- ]art|warhol",
    "anime": r"anime|manga|ghibli",
    "pixel art": r"pixel[- ]?art|pixelated|8[- ]bit|16[- ]bit",
    "impressionism": r"impressionis[mt]\w*|monet|renoir",
    "cubism": r"cubis[mt]|picasso",
    "surrealism": r"surreal(?:ism|ist)?|dali|magritte",
    "art deco": r"art[- ]deco",
    "ukiyo-e": r"ukiyo[- ]?e",
    "cartoon": r"cartoon(?:ish|y)?",
    "comic book": r"comic[- ]book|comic\s+style",
    "line art": r"line[- ]art",
    "low poly": r"low[- ]poly",
    "3d render": r"3d[- ]render(?:ing)?|3d\s+style",
    "photorealistic": r"photo[- ]?realistic|hyper[- ]?realistic",
    "stained glass": r"stained[- ]glass",
}
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
_NOT_STYLES = {"the", "this", "that", "same", "new", "image", "photo", "a", "an"}


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
    if known:
        return min(known)[1]
    for pattern in _STYLE_PHRASES:
        if (match := pattern.search(text)) and match.group("s").lower() not in _NOT_STYLES:
            return canonical_style(match.group("s"))
    return None


_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_NUMBERS |= {"ten": 10, "a couple of": 2, "a pair of": 2, "a few": 3, "several": 3}
_COUNT = re.compile(  # "three variations", "4 images" — but not "these two images" (those exist already)
    r"(?<!\bthese )(?<!\bthose )(?<!\bthe )(?<!\bmy )(?<!\bboth )(?<!\bof )"
    r"\b(?P<n>\d+|" + "|".join(_NUMBERS) + r")\s+"
    r"(?:different\s+|more\s+|unique\s+|distinct\s+|alternative\s+)?"
    r"(?:variations?|versions?|options?|variants?|takes|alternatives|designs?|concepts?|" + _NOUNS + r")\b",
    re.I,
)
_SIZE = re.compile(r"\b(\d{2,5})\s*[x×]\s*(\d{2,5})\b", re.I)
_RATIO = re.compile(r"\b(\d{1,2}(?:\.\d+)?)\s*:\s*(\d{1,2}(?:\.\d+)?)\b")
_LAYOUT = r"\s+(?:orientation|mode|format|aspect|layout)|-oriented"
_ORIENTATIONS = (  # words for shapes; "a portrait of" or "a landscape painting" are subjects, not shapes
    (rf"\bsquare(?:{_LAYOUT}|\s+(?:image|picture|photo|crop|logo|icon))|\b(?:in|as a)\s+square\b", "1:1"),
    (rf"\bportrait(?:{_LAYOUT})|\bin\s+portrait\b", "2:3"),
    (rf"\blandscape(?:{_LAYOUT})|\bin\s+landscape\b", "3:2"),
    (r"\b(?:widescreen|cinematic|panoramic|panorama)\b", "16:9"),
    (r"\bvertical\b|\bphone\s+wallpaper\b", "9:16"),
)
_SEED = re.compile(r"\bseed\s*(?:=|:|of|number|#)?\s*(\d+)\b", re.I)
_NEGATIVE = re.compile(
    r"(?:\b(?:without|with\s+no|but\s+no|and\s+no|avoid(?:ing)?|exclud(?:e|ing)|do\s+not\s+include|don'?t\s+include)"
    r"|(?:^|[,;(])\s*no)\s+(?:any\s+)?(?P<what>[^,.;!?()]+?)(?=\s*(?:[,.;!?()]|$|\b(?:and|but|with|in|at|on)\b))",
    re.I,
)


def find_count(text: str) -> int | None:
    if not (match := _COUNT.search(text)):
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
_PRONOUN = re.compile(r"\b(?:it|them|that\s+one|this\s+one|the\s+(?:image|picture|photo))\b", re.I)
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


def compose_sources(core: str, images: list[ListedImage], refs: list[ListedImage]) -> list[ListedImage]:
    """The images to compose, or [] when the words don't ask to put several images together. "Combine"
    alone means the attached images (or all); "next to"/"together" need two named images or "them"."""
    strong, weak = _STRONG_COMPOSE.search(core), _WEAK_COMPOSE.search(core)
    if len(refs) >= 2 and (strong or weak):
        return refs
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
    rf"\b(?:in\s+)?(?:portrait|landscape|square)(?:{_LAYOUT})\b|\bin\s+(?:portrait|landscape)\b", re.I
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
    changes_existing = not new_thing and bool(images) and (_starts_with(_EDIT, core) or style is not None)
    if not refs and not changes_existing:
        return _request("generate", text, [])
    operation = "style_transfer" if style is not None else "edit"
    return _request(operation, text, refs or default_sources(images, operation))


def _request(operation: str, text: str, sources: list[ListedImage]) -> ImageRequest:
    return ImageRequest(operation, clean_prompt(text, operation), sources, stated_options(text, operation))


# -- the decision ------------------------------------------------------------------------------------------


def route(conversation: Conversation, *, may_call: bool = True, must_call: bool = False) -> Decision:
    """Decide the turn. `may_call`/`must_call` say whether image_gen is offered and whether tool_choice
    forces it; a forced call is made even for words that don't ask for an image."""
    if conversation.results and not must_call:
        return Decision("close", results=conversation.results)
    text = conversation.user_text
    # Only a forced call makes the stand-in act again without a new user message.
    if not conversation.user_spoke_last and not (must_call and text):
        return Decision("nothing_to_do")
    images = list(conversation.images)
    if must_call or wants_image(text, images):
        if not may_call:
            return Decision("tool_unavailable", text=text)
        return Decision("call_tool", text=text, request=plan_image(text, images))
    return Decision("chat", text=text, images=conversation.images)
