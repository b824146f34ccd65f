"""Pricing a chat model's tokens: an unknown model is unpriced (never free), said once and remembered; any
other trouble is said once, and never makes usage free for the rest of the process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from easel.agent.brains import litellm_usage
from easel.agent.brains.litellm_model import load_litellm
from easel.agent.brains.litellm_usage import is_priced, usage_of

USAGE = {"prompt_tokens": 1000, "completion_tokens": 500}


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    litellm_usage._unpriced_models.clear()
    litellm_usage._priced_models.clear()
    litellm_usage._said.clear()
    yield
    litellm_usage._unpriced_models.clear()
    litellm_usage._priced_models.clear()
    litellm_usage._said.clear()


class FlakyPricer:
    """litellm's cost_per_token, failing as told: `failures` is what each call raises in turn (None: answer)."""

    def __init__(self, *failures: BaseException | None) -> None:
        self.failures = list(failures)
        self.calls: list[dict[str, Any]] = []
        self.exceptions = load_litellm().exceptions

    def cost_per_token(self, **kwargs: Any) -> tuple[float, float]:
        self.calls.append(kwargs)
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            raise failure
        return kwargs["prompt_tokens"] * 1e-6, kwargs["completion_tokens"] * 2e-6


def test_a_model_litellm_knows_is_priced_by_it() -> None:
    litellm = load_litellm()
    usage = usage_of(litellm, "openai/gpt-4o-mini", litellm.Usage(**USAGE))
    assert usage.priced and usage.cost_usd == pytest.approx(1000 * 0.15e-6 + 500 * 0.6e-6)
    assert is_priced(litellm, "openai/gpt-4o-mini")


def test_an_unknown_model_is_unpriced_said_once_and_remembered(caplog: pytest.LogCaptureFixture) -> None:
    litellm = load_litellm()
    with caplog.at_level(logging.WARNING, logger="easel.agent.brains.litellm_usage"):
        first = usage_of(litellm, "openai/no-such-model", litellm.Usage(**USAGE))
        second = usage_of(litellm, "openai/no-such-model", litellm.Usage(**USAGE))
    assert (first.prompt_tokens, first.completion_tokens, first.cost_usd, first.priced) == (1000, 500, 0.0, False)
    assert second == first
    said = [r.getMessage() for r in caplog.records]
    assert said == ["litellm has no price for the chat model openai/no-such-model and EASEL_PRICES names none: "
                    "its usage is recorded as unpriced, and accounts with a budget cannot use it"]
    assert not is_priced(litellm, "openai/no-such-model")
    assert is_priced(litellm, "openai/no-such-model", token_price=(1.0, 2.0))  # the operator priced it


def test_an_unmapped_answer_is_remembered_so_litellm_is_not_asked_again() -> None:
    pricer = FlakyPricer(load_litellm().exceptions.ModelNotMappedError("not mapped"))
    assert not usage_of(pricer, "x/unmapped", USAGE).priced
    assert not usage_of(pricer, "x/unmapped", USAGE).priced
    assert len(pricer.calls) == 1


def test_any_other_failure_is_said_and_the_plain_counts_are_priced_instead(caplog: pytest.LogCaptureFixture) -> None:
    pricer = FlakyPricer(TypeError("odd usage object"), None, TypeError("odd usage object"), None)
    with caplog.at_level(logging.WARNING, logger="easel.agent.brains.litellm_usage"):
        first = usage_of(pricer, "x/model", USAGE)
        second = usage_of(pricer, "x/model", USAGE)
    assert first == second and first.priced and first.cost_usd == pytest.approx(1000e-6 + 1000e-6)
    # Tried with the usage object, then without it; nothing was remembered, so the second usage asked again.
    assert [("usage_object" in c) for c in pricer.calls] == [True, False, True, False]
    assert [r.getMessage() for r in caplog.records] == [
        "litellm could not price a usage of x/model (TypeError: odd usage object); pricing its plain token "
        "counts instead"]


def test_a_failure_that_stays_leaves_that_usage_unpriced_and_the_next_is_priced_afresh(
        caplog: pytest.LogCaptureFixture) -> None:
    pricer = FlakyPricer(RuntimeError("price service down"), RuntimeError("price service down"), None)
    with caplog.at_level(logging.WARNING, logger="easel.agent.brains.litellm_usage"):
        failed = usage_of(pricer, "x/model", USAGE)
        later = usage_of(pricer, "x/model", USAGE)
    assert (failed.cost_usd, failed.priced) == (0.0, False)
    assert later.priced and later.cost_usd == pytest.approx(2000e-6)
    assert len(caplog.records) == 2  # the usage failure and the plain-count failure, each said once


def test_the_probe_before_a_turn_does_not_remember_a_passing_failure() -> None:
    pricer = FlakyPricer(RuntimeError("price service down"))
    assert not is_priced(pricer, "x/model")
    assert is_priced(pricer, "x/model")


def test_no_usage_at_all_is_unpriced_and_no_tokens_cost_nothing() -> None:
    litellm = load_litellm()
    assert usage_of(litellm, "openai/gpt-4o-mini", None).priced is False
    zero = usage_of(litellm, "openai/no-such-model", SimpleNamespace(prompt_tokens=0, completion_tokens=0))
    assert (zero.cost_usd, zero.priced) == (0.0, True)


def test_counting_that_fails_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    def broken_counter(**_: Any) -> int:
        raise ValueError("no tokenizer")

    fake = SimpleNamespace(token_counter=broken_counter)
    with caplog.at_level(logging.WARNING, logger="easel.agent.brains.litellm_usage"):
        assert litellm_usage.estimated_usage(fake, "x/model", [{"role": "user", "content": "hi"}], "hello") is None
        assert litellm_usage.estimated_usage(fake, "x/model", [{"role": "user", "content": "hi"}], "hello") is None
    assert [r.getMessage() for r in caplog.records] == [
        "cannot count the tokens of x/model (ValueError: no tokenizer); its usage is recorded as unpriced"]
