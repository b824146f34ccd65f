"""The offline stand-in ("builtin/router") through the real path: `LitellmChatModel` → litellm.acompletion →
the custom provider. Asserts the tool-call arguments a capable model would produce, and its words."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from easel.agent.brains.litellm_model import LitellmChatModel, load_litellm
from easel.agent.brains.model import ModelReply, ModelSettings, TextDelta
from easel.agent.brains.offline_model import OFFLINE_PROVIDER, register_offline_provider

pytestmark = pytest.mark.anyio

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "image_gen",
            "parameters": {
                "type": "object",
                "properties": {
                    key: {}
                    for key in (
                        "prompt",
                        "operation",
                        "source_file_ids",
                        "style",
                        "size",
                        "aspect_ratio",
                        "n",
                        "seed",
                        "negative_prompt",
                    )
                },
            },
        },
    }
]
SUNSET = "file-2b7c4e1a-6f0d-4c8e-9a51-3d2f1b0c7e64"
CITY = "file-9a1d3c5e-7b2f-4a6d-8c0e-1f3b5d7a9c2e"
CAT = "file-5e8f0a2c-4d6b-4f1a-b3c5-7e9d1f3a5b7c"
ATTACHED = [f"- {SUNSET} | sunset.png | 1024x768, 812 KB | attached to this message"]
MADE = [f"- {CITY} | neon-cityscape.png | 1024x576, 1.2 MB | made earlier in this conversation"]
SEVERAL = [
    f"- {SUNSET} | sunset.png | 1024x768, 812 KB | in folder Trips",
    MADE[0],
    f"- {CAT} | cat.png | 512x512, 96 KB | referenced earlier in this conversation",
]


@pytest.fixture(scope="module", autouse=True)
def _offline_provider() -> None:
    register_offline_provider()


def conversation(
    user: str, images: Sequence[str] = (), after: Sequence[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    system = "You are Easel, a conversational image studio."
    if images:
        system += (
            "\n\nImages you can use (id | name | size | origin):\n" + "\n".join(images) + "\n\nBe brief."
        )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}, *after]


async def ask(
    messages: list[dict[str, Any]], *, tools: list | None = None, tool_choice: Any = "auto"
) -> tuple[list[str], ModelReply]:
    deltas: list[str] = []
    reply = None
    async for event in LitellmChatModel().stream(
        settings=ModelSettings(model="builtin/router"),
        messages=messages,
        tools=TOOLS if tools is None else tools,
        tool_choice=tool_choice,
        temperature=0.7,
        max_tokens=1024,
    ):
        if isinstance(event, TextDelta):
            deltas.append(event.text)
        else:
            reply = event
    assert reply is not None
    return deltas, reply


async def call_arguments(user: str, images: Sequence[str] = ()) -> dict[str, Any]:
    deltas, reply = await ask(conversation(user, images))
    assert len(reply.tool_calls) == 1 and reply.tool_calls[0].name == "image_gen", reply
    assert reply.finish_reason == "tool_calls" and "".join(deltas) == reply.text and reply.text.endswith("…")
    return json.loads(reply.tool_calls[0].arguments)


@pytest.mark.parametrize(
    ("user", "prompt"),
    [
        (
            "Create an image of a futuristic cityscape at night with neon lights",
            "a futuristic cityscape at night with neon lights",
        ),
        (
            'Generate a minimalist logo for a coffee shop called "Brew"',
            'a minimalist logo for a coffee shop called "Brew"',
        ),
        (
            "Draw a technical diagram showing a load balancer architecture",
            "a technical diagram showing a load balancer architecture",
        ),
        (
            "Create an icon set for a mobile app — home, search, profile, settings",
            "an icon set for a mobile app — home, search, profile, settings",
        ),
    ],
)
async def test_descriptions_become_generate_calls_with_a_clean_prompt(user: str, prompt: str) -> None:
    assert await call_arguments(user) == {"prompt": prompt, "operation": "generate"}


async def test_the_sentence_before_the_call_says_what_is_being_made() -> None:
    deltas, reply = await ask(
        conversation("Create an image of a futuristic cityscape at night with neon lights")
    )
    assert reply.text == "Creating a futuristic cityscape at night with neon lights…"
    assert len(deltas) == len(reply.text.split())  # streamed word by word
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0 and reply.usage.cost_usd == 0.0


@pytest.mark.parametrize(
    ("user", "style"),
    [
        ("Render this photo as a pencil sketch", "pencil-sketch"),
        ("Apply a watercolor style to my uploaded photo", "watercolor"),
        ("Render this image as an oil painting in the style of impressionism", "impressionism"),
    ],
)
async def test_restyling_an_attached_photo_is_a_style_transfer(user: str, style: str) -> None:
    arguments = await call_arguments(user, ATTACHED)
    assert arguments["operation"] == "style_transfer" and arguments["style"] == style
    assert arguments["source_file_ids"] == [SUNSET]


async def test_the_oil_painting_stays_in_the_prompt_when_impressionism_is_the_style() -> None:
    arguments = await call_arguments(
        "Render this image as an oil painting in the style of impressionism", ATTACHED
    )
    assert "oil painting" in arguments["prompt"] and "this image" not in arguments["prompt"]


@pytest.mark.parametrize(
    ("user", "prompt"),
    [
        ("Edit this image to add rain", "add rain"),
        ("Add falling snow to this image", "Add falling snow"),
    ],
)
async def test_changes_to_an_attached_image_are_edits_of_it(user: str, prompt: str) -> None:
    assert await call_arguments(user, ATTACHED) == {
        "prompt": prompt,
        "operation": "edit",
        "source_file_ids": [SUNSET],
    }


async def test_make_it_darker_edits_the_image_made_earlier() -> None:
    arguments = await call_arguments("make it darker", MADE)
    assert arguments == {"prompt": "make it darker", "operation": "edit", "source_file_ids": [CITY]}


async def test_the_one_you_just_made_is_the_latest_made_image() -> None:
    arguments = await call_arguments("Now make the one you just made look like pop art", [*ATTACHED, *MADE])
    assert arguments["operation"] == "style_transfer" and arguments["style"] == "pop-art"
    assert arguments["source_file_ids"] == [CITY]


async def test_combining_the_first_and_second_images_composes_them_in_list_order() -> None:
    arguments = await call_arguments("combine the first and second images side by side", SEVERAL)
    assert arguments["operation"] == "compose" and arguments["source_file_ids"] == [SUNSET, CITY]


async def test_stated_options_become_arguments_and_leave_the_prompt() -> None:
    arguments = await call_arguments(
        "Please create three variations of a red fox in the snow, 16:9, seed 42, without people"
    )
    assert arguments == {
        "prompt": "a red fox in the snow",
        "operation": "generate",
        "aspect_ratio": "16:9",
        "n": 3,
        "seed": 42,
        "negative_prompt": "people",
    }
    sized = await call_arguments("Make a 1024x768 poster of a jazz festival in portrait orientation, no text")
    assert (sized["size"], sized["aspect_ratio"], sized["negative_prompt"]) == ("1024x768", "2:3", "text")


async def test_arguments_keep_to_the_properties_the_tool_declares() -> None:
    ratios = [
        {
            "type": "function",
            "function": {
                "name": "image_gen",
                "parameters": {
                    "type": "object",
                    "properties": {"prompt": {}, "aspect_ratio": {"enum": ["1:1", "16:9", "9:16"]}},
                },
            },
        }
    ]
    _, reply = await ask(conversation("Draw a desert road in 21:9"), tools=ratios)
    assert json.loads(reply.tool_calls[0].arguments) == {"prompt": "a desert road", "aspect_ratio": "16:9"}
    narrow = [
        {
            "type": "function",
            "function": {
                "name": "image_gen",
                "parameters": {
                    "type": "object",
                    "properties": {"prompt": {}, "operation": {}, "n": {"maximum": 2}},
                },
            },
        }
    ]
    _, reply = await ask(conversation("Draw 4 images of a kite, seed 9"), tools=narrow)
    assert json.loads(reply.tool_calls[0].arguments) == {"prompt": "a kite", "operation": "generate", "n": 2}


async def test_hello_gets_words_and_no_tool_call() -> None:
    deltas, reply = await ask(conversation("hello"))
    assert reply.tool_calls == () and reply.finish_reason == "stop" and reply.text.startswith("Hello")
    assert len(deltas) > 3


@pytest.mark.parametrize("question", ["what model are you?", "Who are you?", "What's the capital of France?"])
async def test_it_says_plainly_that_it_is_the_offline_stand_in(question: str) -> None:
    _, reply = await ask(conversation(question))
    assert reply.tool_calls == ()
    assert "offline stand-in router" in reply.text and "not a real language model" in reply.text
    assert "EASEL_CHAT_MODEL" in reply.text


async def test_tool_choice_is_respected() -> None:
    _, none = await ask(conversation("Draw a lighthouse"), tool_choice="none")
    assert none.tool_calls == () and "image tool isn't available" in none.text
    _, no_tools = await ask(conversation("Draw a lighthouse"), tools=[])
    assert no_tools.tool_calls == ()
    forced = {"type": "function", "function": {"name": "image_gen"}}
    for choice in ("required", forced):
        _, reply = await ask(conversation("hello there"), tool_choice=choice)
        assert json.loads(reply.tool_calls[0].arguments)["operation"] == "generate"


def tool_round(result: dict[str, Any]) -> list[dict[str, Any]]:
    call = {"id": "call_1", "type": "function", "function": {"name": "image_gen", "arguments": "{}"}}
    return [
        {"role": "assistant", "content": "Creating…", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": json.dumps(result)},
    ]


async def test_after_a_completed_tool_result_it_closes_by_naming_the_file() -> None:
    result = {
        "status": "completed",
        "operation": "generate",
        "engine": "builtin/painter-1",
        "files": [
            {
                "file_id": CITY,
                "name": "neon-cityscape.png",
                "width": 1024,
                "height": 576,
                "size_bytes": 123456,
            }
        ],
        "notes": ["The style 'vaporwave' was mapped to the nearest one, 'pop art'."],
    }
    _, reply = await ask(conversation("Create a neon city", after=tool_round(result)))
    assert reply.tool_calls == () and reply.finish_reason == "stop"
    assert "neon-cityscape.png (1024x576, 121 KB)" in reply.text and "'pop art'" in reply.text


async def test_after_a_failed_tool_result_it_explains_why() -> None:
    result = {"status": "failed", "error": "The source image is larger than 4096 pixels"}
    _, reply = await ask(conversation("Edit this image to add rain", ATTACHED, after=tool_round(result)))
    assert reply.tool_calls == ()
    assert "couldn't" in reply.text and "larger than 4096 pixels" in reply.text


async def test_it_is_deterministic() -> None:
    first = await ask(conversation("combine the first and second images side by side", SEVERAL))
    second = await ask(conversation("combine the first and second images side by side", SEVERAL))
    assert first == second


async def test_unknown_input_is_handled_gracefully() -> None:
    for messages in (
        [],
        [{"role": "user", "content": ""}],
        [{"role": "assistant", "content": "Hi"}],
        [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}],
        [{"role": "tool", "tool_call_id": "c", "content": "not json at all"}],
    ):
        _, reply = await ask(messages)
        assert reply.text and reply.tool_calls == ()


async def test_non_streamed_completion_works_too() -> None:
    litellm = load_litellm()
    response = await litellm.acompletion(
        model="builtin/router", messages=conversation("Draw a red kite"), tools=TOOLS
    )
    message = response.choices[0].message
    assert message.content == "Creating a red kite…"
    assert json.loads(message.tool_calls[0].function.arguments) == {
        "prompt": "a red kite",
        "operation": "generate",
    }
    assert response.usage.completion_tokens > 0


def test_registration_is_idempotent() -> None:
    register_offline_provider()
    register_offline_provider()
    providers = [item["provider"] for item in load_litellm().custom_provider_map]
    assert providers.count(OFFLINE_PROVIDER) == 1
