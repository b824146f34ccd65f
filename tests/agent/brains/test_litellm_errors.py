"""How providers' own error bodies and waits reach Easel's errors (litellm_errors): the message inside a
quoted JSON body, Google's RetryInfo as a Retry-After, and litellm's chunk list emptied but for its usage."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from easel.agent.brains.litellm_errors import plain_reason, retry_after_seconds
from easel.agent.brains.litellm_usage import let_go
from easel.agent.brains.model import ModelSettings

SETTINGS = ModelSettings(model="gemini/gemini-2.5-flash", api_base="http://127.0.0.1:9/v1beta", api_key="AIza-secret")


@pytest.mark.parametrize(("raw", "words"), [
    # Anthropic, quoted by litellm as bytes
    ("litellm.InternalServerError: AnthropicException - b'{\"type\":\"error\",\"error\":"
     "{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}'", "Overloaded"),
    # Gemini, behind litellm's provider name with an underscore and a second class name
    ("litellm.BadRequestError: Vertex_ai_betaException BadRequestError - b'{\"error\":{\"code\":400,"
     "\"message\":\"contents is not specified\",\"status\":\"INVALID_ARGUMENT\"}}'",
     "contents is not specified"),
    # Ollama's bare string error
    ("litellm.APIConnectionError: Ollama_chatException - {\"error\":\"invalid message format\"}",
     "invalid message format"),
    # plain words stay as they are
    ("litellm.RateLimitError: RateLimitError: slow down please", "slow down please"),
    # a body that is not JSON after all stays whole
    ("OpenAIException - {not json}", "{not json}"),
])
def test_the_providers_own_words_come_out_of_its_error_body(raw: str, words: str) -> None:
    assert plain_reason(Exception(raw), SETTINGS) == words


def test_secrets_in_a_provider_message_are_redacted() -> None:
    raw = "GeminiException - b'{\"error\":{\"message\":\"key AIza-secret at http://127.0.0.1:9/v1beta refused\"}}'"
    reason = plain_reason(Exception(raw), SETTINGS)
    assert "AIza-secret" not in reason and "127.0.0.1:9" not in reason and "refused" in reason


def test_googles_retry_info_counts_as_retry_after() -> None:
    body = ('b\'{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED",'
            '"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}\'')
    exc = SimpleNamespace(message=f"litellm.RateLimitError: Vertex_ai_betaException - {body}", headers=None)
    assert retry_after_seconds(exc) == 37.0  # type: ignore[arg-type]
    wrapped = SimpleNamespace(message="MidStreamFallbackError", original_exception=exc)
    assert retry_after_seconds(wrapped) == 37.0  # type: ignore[arg-type]
    # A Retry-After header still wins over the body.
    headed = SimpleNamespace(message=exc.message, headers={"retry-after": "5"})
    assert retry_after_seconds(headed) == 5.0  # type: ignore[arg-type]
    quiet = SimpleNamespace(message="nothing to wait for", headers=None)
    assert retry_after_seconds(quiet) is None  # type: ignore[arg-type]


def test_letting_go_of_litellms_chunks_keeps_only_the_latest_with_usage() -> None:
    first_usage, text = SimpleNamespace(usage={"prompt_tokens": 9}), SimpleNamespace(usage=None)
    last_usage = SimpleNamespace(usage={"prompt_tokens": 9, "completion_tokens": 4})
    tail = SimpleNamespace(usage=None)
    held = [first_usage, text, last_usage, tail]
    let_go(held)
    assert held == [last_usage]
    held.append(SimpleNamespace(usage=None))
    let_go(held)
    assert held == [last_usage]
    plain = [SimpleNamespace(usage=None)] * 3
    let_go(plain)
    assert plain == []
