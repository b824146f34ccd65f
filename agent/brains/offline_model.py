"""The offline chat model: Easel's default brain when no EASEL_CHAT_MODEL is configured.

It is registered with litellm as the custom provider "builtin" (model "builtin/router"), so an offline
turn runs through exactly the same `LitellmChatModel` → `litellm.acompletion` path as a real model does.
This module is the glue around `agent/brains/offline_router.py` (which decides): it reads the OpenAI-format
conversation for the router, puts the decision into words (the stand-in's sentences live here), and
streams them in litellm's `GenericStreamingChunk` shape: word-sized text chunks, then the tool call with
its arguments split over a few fragments, then a finishing chunk carrying usage.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from easel.agent.brains.litellm_model import load_litellm
from easel.agent.brains.offline_router import route
from easel.agent.brains.offline_types import Conversation, Decision, ImageRequest, ListedImage, VideoPlan

OFFLINE_PROVIDER = "builtin"
OFFLINE_MODEL = "builtin/router"
TOOL_NAME = "image_gen"
VIDEO_TOOL = "video_gen"
_ARGUMENT_FRAGMENTS = 4  # real providers split arguments; doing it too keeps the assembly path honest
_IMAGES_HEADER = "images you can use (id | name | size | origin):"
_HANDLER_CLASS: type | None = None


def register_offline_provider() -> None:
    """Make "builtin/router" callable through litellm. Idempotent; imports litellm on first use."""
    litellm = load_litellm()
    if any(item.get("provider") == OFFLINE_PROVIDER for item in litellm.custom_provider_map):
        return
    entry = {"provider": OFFLINE_PROVIDER, "custom_handler": _handler_class()()}
    # A new list, as litellm's docs assign it, keeping any provider registered by someone else.
    litellm.custom_provider_map = [*litellm.custom_provider_map, entry]


def _handler_class() -> type:
    """The CustomLLM subclass, built on first use so importing this module doesn't import litellm."""
    global _HANDLER_CLASS
    if _HANDLER_CLASS is None:
        load_litellm()
        from litellm.llms.custom_llm import CustomLLM

        _HANDLER_CLASS = type("OfflineRouterLLM", (OfflineRouterMethods, CustomLLM), {})
    return _HANDLER_CLASS


# -- reading an OpenAI-format conversation -----------------------------------------------------------------


def message_text(message: dict[str, Any]) -> str:
    """A message's text, whether content is a string or a list of OpenAI content parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        return "\n".join(str(t) for t in texts)
    return ""


def listed_images(messages: list[dict[str, Any]]) -> tuple[ListedImage, ...]:
    """The "Images you can use (id | name | size | origin):" lines of the system prompt(s)."""
    images: list[ListedImage] = []
    for message in messages:
        if message.get("role") not in ("system", "developer"):
            continue
        in_list = False
        for line in message_text(message).splitlines():
            line = line.strip()
            if line.lower() == _IMAGES_HEADER:
                in_list = True
            elif in_list and line.startswith("- "):
                cells = [c.strip() for c in line[2:].split(" | ")]
                if len(cells) >= 4:  # a name may itself contain " | ": id first, size and origin last
                    images.append(ListedImage(cells[0], " | ".join(cells[1:-2]), cells[-2], cells[-1]))
            else:
                in_list = False
    return tuple(images)


def _tool_names(messages: list[dict[str, Any]]) -> dict[str, str]:
    """Tool call id -> the tool's name, from the assistant messages that made the calls."""
    names: dict[str, str] = {}
    for message in messages:
        for call in message.get("tool_calls") or [] if message.get("role") == "assistant" else []:
            if isinstance(call, dict) and isinstance(call.get("id"), str):
                names[call["id"]] = str(_function(call).get("name") or "")
    return names


def read_conversation(messages: list[dict[str, Any]]) -> Conversation:
    results: list[str] = []
    tools: list[str] = []
    names = _tool_names(messages)
    for message in reversed(messages):  # the tool results that end the conversation, if any
        if message.get("role") not in ("tool", "function"):
            break
        results.insert(0, message_text(message))
        tools.insert(0, names.get(str(message.get("tool_call_id")), message.get("name") or TOOL_NAME))
    users = [m for m in messages if m.get("role") == "user"]
    return Conversation(
        user_text=message_text(users[-1]).strip() if users else "",
        user_spoke_last=bool(messages) and messages[-1].get("role") == "user",
        earlier=tuple(re.sub(r"\n\[images: [^\]]*\]$", "", message_text(m)).strip() for m in users[:-1]),
        results=tuple(results),
        images=listed_images(messages),
        result_tools=tuple(tools),
    )


# -- the tool protocol: whether image_gen may be called, and with which arguments --------------------------


def _function(tool: dict[str, Any]) -> dict[str, Any]:
    return tool.get("function") or tool


def tool_permission(tools: list[dict[str, Any]] | None, tool_choice: Any,
                    name: str = TOOL_NAME) -> tuple[bool, bool]:
    """(may call the tool `name`, must call it), from the offered tools and OpenAI's tool_choice."""
    if name not in {_function(t).get("name") for t in tools or []} or tool_choice == "none":
        return False, False
    if tool_choice == "required":
        return True, True
    if isinstance(tool_choice, dict):
        forced = _function(tool_choice).get("name") == name
        return forced, forced
    return True, False


def tool_arguments(request: ImageRequest, tools: list[dict[str, Any]] | None) -> dict[str, Any]:
    """image_gen's arguments, fitted to the schema it declares (when it declares properties)."""
    arguments: dict[str, Any] = {"prompt": request.prompt, "operation": request.operation}
    if request.sources:
        arguments["source_file_ids"] = [image.file_id for image in request.sources]
    arguments.update(request.options)
    return _fitted(arguments, tools, TOOL_NAME)


def _fitted(arguments: dict[str, Any], tools: list[dict[str, Any]] | None, name: str) -> dict[str, Any]:
    function = next((_function(t) for t in tools or [] if _function(t).get("name") == name), {})
    properties = (function.get("parameters") or {}).get("properties")
    return fit_schema(arguments, properties) if isinstance(properties, dict) and properties else arguments


def video_arguments(plan: VideoPlan, tools: list[dict[str, Any]] | None) -> dict[str, Any]:
    """video_gen's arguments, fitted to its declared schema."""
    arguments: dict[str, Any] = {"prompt": plan.prompt}
    if plan.source is not None:
        arguments["source_file_id"] = plan.source.file_id
    if plan.seconds is not None:
        arguments["seconds"] = plan.seconds
    arguments.update(plan.options)
    return _fitted(arguments, tools, VIDEO_TOOL)


def fit_schema(arguments: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """What a schema-following model sends: only declared properties, numbers within their maximum,
    enum values from the enum (the nearest ratio for "21:9"-like ratios, else the argument is left out)."""
    fitted: dict[str, Any] = {}
    for key, value in arguments.items():
        spec = properties.get(key)
        if not isinstance(spec, dict):
            continue
        if isinstance(value, int) and isinstance(spec.get("maximum"), int):
            value = min(value, spec["maximum"])
        enum = spec.get("enum")
        if isinstance(enum, list) and value not in enum:
            value = _nearest_ratio(str(value), enum)
            if value is None:
                continue
        fitted[key] = value
    return fitted


def _nearest_ratio(value: str, choices: list[Any]) -> str | None:
    def ratio(text: str) -> float | None:
        parts = text.split(":")
        ok = len(parts) == 2 and all(p.replace(".", "", 1).isdigit() and float(p) > 0 for p in parts)
        return float(parts[0]) / float(parts[1]) if ok else None

    wanted = ratio(value)
    options = [(abs(math.log(r / wanted)), c) for c in choices if wanted and (r := ratio(str(c)))]
    return min(options)[1] if options else None


# -- what the stand-in says --------------------------------------------------------------------------------

_STAND_IN = "I'm Easel's offline stand-in router, not a real language model"
_CONNECT = "Setting EASEL_CHAT_MODEL connects a real one."
_IDENTITY = re.compile(
    r"\b(?:who|what)\s+(?:are|r)\s+(?:you|u)\b|\byour\s+(?:name|model)\b|\b(?:which|what)\s+(?:model|llm|ai)\b"
    r"|\bare\s+you\s+(?:an?\s+)?(?:real|human|ai|bot|robot|gpt|chatgpt|claude|llm|language\s+model|person|model)\b",
    re.I,
)
_CAPABILITIES = re.compile(
    r"\bwhat\s+(?:can|do)\s+you\s+do\b|^help\b|\bhow\s+(?:does|do)\s+(?:this|it|you)\s+work|\bhow\s+(?:do|can)\s+i\b",
    re.I,
)
_THANKS = re.compile(r"\b(?:thanks|thank\s+you|thx|cheers|love\s+it|perfect|great|nice|awesome|cool)\b", re.I)
_BYE = re.compile(r"^(?:bye|goodbye|see\s+you)\b", re.I)
_HELLO = re.compile(r"^(?:hi|hello|hey|hiya|howdy|greetings|good\s+(?:morning|afternoon|evening))\b", re.I)
_ASKS_IMAGES = re.compile(r"\b(?:what|which|list|show)\b.*\b(?:images|pictures|photos|files)\b", re.I)
_FIXED = {
    "tool_unavailable": "I would make that image, but the image tool isn't available for this message.",
    "nothing_to_do": "There's nothing new for me to answer; send a message when you're ready.",
}


def _shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?…" else text + "."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def chat_answer(text: str, images: tuple[ListedImage, ...]) -> str:
    """One or two sentences for a message that wants no image."""
    if not text:
        return "Tell me what image to create, or attach one and say how to change it."
    if _IDENTITY.search(text):
        return f"{_STAND_IN}: I follow simple rules to decide when to create or change images. {_CONNECT}"
    if _CAPABILITIES.search(text):
        return (
            "Describe an image and I'll create it, or attach images for me to edit, restyle or combine. "
            f"{_STAND_IN}; setting EASEL_CHAT_MODEL connects a real one."
        )
    short = len(text.split()) <= 6
    if short and _THANKS.search(text):
        return "You're welcome! Tell me whenever you'd like another image."
    if short and _BYE.match(text):
        return "Goodbye! Your images stay in this conversation."
    if short and _HELLO.match(text):
        return "Hello! Describe an image and I'll create it, or attach one and tell me how to change it."
    if _ASKS_IMAGES.search(text):
        if not images:
            return "There are no images in this conversation yet."
        listed = _join([f"{i.name} ({i.size}, {i.origin})" for i in images])
        return f"You have {len(images)} image{'s' if len(images) > 1 else ''}: {listed}."
    return f"I can't help with that: {_STAND_IN}, so I only create and change images. {_CONNECT}"


def preamble(request: ImageRequest, arguments: dict[str, Any]) -> str:
    """The sentence streamed before the tool call (with these `arguments`): what is about to happen."""
    prompt = _shorten(request.prompt)
    first = prompt.split(" ", 1)[0].lower()
    if first in ("a", "an", "the", "some", "my", "add", "make", "remove", "change", "turn", "put", "give"):
        prompt = prompt[0].lower() + prompt[1:]
    names = _join([image.name for image in request.sources]) if request.sources else "the image"
    if request.operation == "compose":
        return f"Combining {names}…"
    if request.operation == "style_transfer":
        style = str(arguments.get("style") or request.options.get("style", "new style"))
        return f"Restyling {names} ({style.replace('-', ' ')})…"  # the style's id, read as words
    if request.operation == "edit":
        return f"Editing {names}: {prompt}…"
    count = arguments.get("n")
    return f"Creating {count} versions of {prompt}…" if count else f"Creating {prompt}…"


def video_preamble(plan: VideoPlan) -> str:
    """The sentence before a video_gen call: which picture moves (or what is painted first), and how long."""
    length = f"a {plan.seconds}-second video" if plan.seconds else "a short video"
    if plan.source is not None:
        words = f"Animating {plan.source.name} into {length}"
    else:
        subject = _shorten(plan.prompt)
        if subject.split(" ", 1)[0].lower() in ("a", "an", "the", "some"):
            subject = subject[0].lower() + subject[1:]
        words = f"Painting {subject} first, then animating it into {length}"
    if plan.asked_seconds is not None:
        words += f" (videos here are {_VIDEO_RANGE} seconds long, not {plan.asked_seconds:g})"
    return words + "…"


_VIDEO_RANGE = "2 to 8"


def describe_video_result(raw: str) -> str:
    """Closing words for one video_gen result: what moved and for how long, honestly; where a job still
    running will appear; or why it failed."""
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict):
        return f"The video tool replied: {_sentence(_shorten(str(raw), 200))}"
    if data.get("status") == "failed" or (data.get("error") and not data.get("files")):
        reason = _sentence(_shorten(str(data.get("error") or "it gave no reason"), 300))
        return f"I couldn't make the video: {reason} You can adjust the request and try again."
    if data.get("status") == "in_progress":
        job = str(data.get("job_id") or "")
        where = str(data.get("status_url") or f"/v1/videos/{job}")
        return (f"The video is still being made ({data.get('progress', 0)}% done, job {job}). It will be saved "
                f"to your Space as an MP4 when it's ready; you can follow it at {where}.")
    files = [f for f in data.get("files") or [] if isinstance(f, dict)]
    if not files:
        return "The video tool finished but returned no video."
    clip = files[0]
    shape = f"{clip.get('width')}x{clip.get('height')}, " if clip.get("width") else ""
    seconds = clip.get("duration_s")
    length = f"{float(seconds):g} s at {clip.get('fps')} fps, {clip.get('frames')} frames" if seconds else ""
    made = f"{clip.get('name') or clip.get('file_id')} ({shape}{length})".replace(", )", ")")
    source = data.get("source") if isinstance(data.get("source"), dict) else None
    lead = (f"I animated {source.get('name') or source.get('file_id')} into {made}." if source
            else f"I painted a still and animated it into {made}.")
    notes = [_sentence(str(note)) for note in data.get("notes") or [] if str(note).strip()]
    return " ".join([lead, *notes])


def _describe_file(file: dict[str, Any]) -> str:
    """ "neon-cityscape.png (1024x576, 121 KB)", like the system prompt lists images."""
    details = [f"{file['width']}x{file['height']}"] if file.get("width") and file.get("height") else []
    size = file.get("size_bytes")
    if isinstance(size, int | float) and size > 0:
        details.append(f"{round(size / 1024)} KB" if size < 1024 * 1024 else f"{size / (1024 * 1024):.1f} MB")
    name = str(file.get("name") or file.get("file_id") or "an image")
    return f"{name} ({', '.join(details)})" if details else name


_LEADS = {
    "generate": "I created",
    "edit": "I edited the image and saved the result as",
    "style_transfer": "I restyled the image and saved the result as",
    "compose": "I combined the images into",
}


def describe_result(raw: str) -> str:
    """Closing words for one image_gen result: what was made and its notes, or why it failed."""
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict):
        return f"The image tool replied: {_sentence(_shorten(str(raw), 200))}"
    files = [f for f in data.get("files") or [] if isinstance(f, dict)]
    if data.get("status") == "failed" or (data.get("error") and not files):
        reason = _sentence(_shorten(str(data.get("error") or "it gave no reason"), 300))
        return f"I couldn't make the image: {reason} You can adjust the request and try again."
    if not files:
        return "The image tool finished but returned no image."
    lead = _LEADS.get(str(data.get("operation")), "I made")
    made = _describe_file(files[0])
    if len(files) > 1:
        made = f"{len(files)} images: " + _join([_describe_file(f) for f in files])
    notes = [_sentence(str(note)) for note in data.get("notes") or [] if str(note).strip()]
    drawn = [str(d) for d in data.get("drawn") or [] if str(d).strip()]
    shows = [f"It shows {_join(drawn)}."] if drawn else []
    omitted = [str(o) for o in data.get("omitted") or [] if str(o).strip()]
    if omitted and not any(o in " ".join(notes) for o in omitted):  # an engine that listed them without a note
        notes.append(f"It could not draw {_join(omitted)}, so {'it is' if len(omitted) == 1 else 'they are'} "
                     "not in the picture.")
    return " ".join([f"{lead} {made}.", *shows, *notes])


def speak(decision: Decision, arguments: dict[str, Any] | None = None) -> str:
    """The words for a decision; a tool call's words are its preamble (`arguments` are the call's)."""
    if decision.kind == "call_tool" and decision.video is not None:
        return video_preamble(decision.video)
    if decision.kind == "call_tool" and decision.request is not None:
        return preamble(decision.request, arguments or {})
    if decision.kind == "tool_unavailable" and decision.video is not None:
        return "I would make that video, but the video tool isn't available for this message."
    if decision.kind == "close":
        tools = decision.result_tools or (TOOL_NAME,) * len(decision.results)
        words = [describe_video_result(result) if tool == VIDEO_TOOL else describe_result(result)
                 for result, tool in zip(decision.results, tools, strict=False)]
        failed = any(w.startswith("I couldn't") for w in words)
        return " ".join(words if failed else [*words, "Tell me if you'd like any changes."])
    if decision.kind == "chat":
        return chat_answer(decision.text, decision.images)
    return _FIXED.get(decision.kind, _FIXED["nothing_to_do"])


# -- streaming in litellm's GenericStreamingChunk shape ----------------------------------------------------


def _tokens(text: str) -> int:
    return (len(text) + 3) // 4  # ~4 characters a token: rough, deterministic and cheap


def _chunk(text: str = "", tool_use: Any = None, finish: str = "", usage: Any = None) -> dict[str, Any]:
    # All of GenericStreamingChunk's keys, always: litellm recognises the shape by them.
    return {"text": text, "tool_use": tool_use, "is_finished": bool(finish), "finish_reason": finish,
            "usage": usage, "index": 0}


def _tool_call_chunks(arguments: str, call_id: str, name: str = TOOL_NAME) -> list[dict[str, Any]]:
    """The call as a provider streams it: id and name on the first fragment only, arguments in pieces."""
    size = max(1, -(-len(arguments) // _ARGUMENT_FRAGMENTS))
    chunks = []
    for n, start in enumerate(range(0, len(arguments) or 1, size)):
        function = {"name": name if n == 0 else None, "arguments": arguments[start : start + size]}
        tool_use = {"id": call_id if n == 0 else None, "type": "function", "function": function, "index": 0}
        chunks.append(_chunk(tool_use=tool_use))
    return chunks


def reply_chunks(messages: list[dict[str, Any]], optional_params: dict[str, Any]) -> list[dict[str, Any]]:
    """The whole reply to a conversation, as GenericStreamingChunk dicts (deterministic)."""
    tools = optional_params.get("tools") or []
    choice = optional_params.get("tool_choice")
    may_call, must_call = tool_permission(tools, choice)
    may_video, must_video = tool_permission(tools, choice, VIDEO_TOOL)
    decision = route(read_conversation(messages), may_call=may_call, must_call=must_call, may_video=may_video,
                     must_video=must_video)
    call, name = None, TOOL_NAME
    if decision.kind == "call_tool" and decision.video is not None:
        call, name = video_arguments(decision.video, tools), VIDEO_TOOL
    elif decision.request is not None:
        call = tool_arguments(decision.request, tools)
    text = speak(decision, call)
    chunks = [_chunk(piece) for piece in re.findall(r"\s*\S+", text)]
    arguments = json.dumps(call) if call is not None else ""
    if arguments:
        digest = hashlib.sha256(f"{len(messages)}:{arguments}".encode()).hexdigest()
        chunks += _tool_call_chunks(arguments, "call_" + digest[:24], name)
    prompt = sum(_tokens(message_text(m)) + 4 for m in messages) + _tokens(json.dumps(tools) if tools else "")
    completion = max(1, _tokens(text) + _tokens(arguments))
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    chunks.append(_chunk(finish="tool_calls" if arguments else "stop", usage=usage))
    return chunks


def _whole_response(model_response: Any, chunks: list[dict[str, Any]]) -> Any:
    """Fill litellm's ModelResponse from the chunks, for non-streamed calls."""
    from litellm.types.utils import Choices, Message, Usage

    fragments = [c["tool_use"] for c in chunks if c["tool_use"] is not None]
    tool_calls = None
    if fragments:
        arguments = "".join(f["function"]["arguments"] for f in fragments)
        function = {"name": fragments[0]["function"]["name"], "arguments": arguments}
        tool_calls = [{"id": fragments[0]["id"], "type": "function", "function": function}]
    text = "".join(c["text"] for c in chunks)
    message = Message(content=text or None, role="assistant", tool_calls=tool_calls)
    model_response.choices = [Choices(index=0, finish_reason=chunks[-1]["finish_reason"], message=message)]
    model_response.model = OFFLINE_MODEL
    model_response.usage = Usage(**chunks[-1]["usage"])
    return model_response


class OfflineRouterMethods:
    """The CustomLLM methods litellm calls for "builtin/…" models (mixed into a CustomLLM subclass).
    litellm passes everything by keyword: messages, optional_params (tools, tool_choice…), model_response."""

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
        for chunk in reply_chunks(kwargs.get("messages") or [], kwargs.get("optional_params") or {}):
            yield chunk

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        yield from reply_chunks(kwargs.get("messages") or [], kwargs.get("optional_params") or {})

    async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
        return self.completion(*args, **kwargs)

    def completion(self, *args: Any, **kwargs: Any) -> Any:
        chunks = reply_chunks(kwargs.get("messages") or [], kwargs.get("optional_params") or {})
        return _whole_response(kwargs["model_response"], chunks)
