"""The services built once at start-up: the Space, the painter, the brain, the tools."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from easel.agent.brains.model import ChatModel, ModelEvent, ModelSettings
from easel.agent.settings import Settings
from easel.agent.turn.background import Background
from easel.spaces.errors import EaselError
from easel.spaces.ledger import Ledger
from easel.spaces.records import Principal
from easel.spaces.space import Space
from easel.tools.base import ToolRegistry
from easel.tools.engines.base import ImageEngine
from easel.tools.engines.video import VideoEngine
from easel.tools.image_gen import ImageGenTool, ImageService
from easel.tools.pricing import PriceTable
from easel.tools.video_gen import VideoGenTool, VideoService

log = logging.getLogger("easel.runtime")


def make_engine(settings: Settings) -> ImageEngine:
    if settings.image_model.startswith("fake/"):
        # The instant painter for tests and demos; "fake/solid:2.5" answers after 2.5 s.
        from easel.tools.engines.fake import FakeEngine

        _, _, delay = settings.image_model.partition(":")
        return FakeEngine(delay_s=float(delay or 0))
    if settings.image_model.startswith("builtin/"):
        from easel.tools.engines.offline import OfflineEngine
        from easel.tools.engines.pool import PaintPool

        workers = settings.paint_workers or None
        return OfflineEngine(max_workers=workers, pool=PaintPool(capacity=settings.max_pixels, workers=workers))
    from easel.tools.engines.litellm_engine import LitellmImageEngine

    return LitellmImageEngine(model=settings.image_model, api_base=settings.image_api_base,
                              api_key=settings.image_api_key.get_secret_value() if settings.image_api_key else None,
                              timeout_s=settings.image_timeout_s)


def make_video_engine(settings: Settings) -> VideoEngine:
    if settings.video_model.startswith("builtin/"):
        from easel.tools.engines.animator import OfflineAnimator

        return OfflineAnimator()
    from easel.tools.engines.litellm_video import LitellmVideoEngine

    return LitellmVideoEngine(model=settings.video_model, api_base=settings.video_api_base,
                              api_key=settings.video_api_key.get_secret_value() if settings.video_api_key else None,
                              poll_s=settings.video_poll_s, timeout_s=settings.video_timeout_s)


def _prepare_litellm() -> None:
    # litellm takes seconds to import; done once, off the event loop, never on /healthz's path. The chat
    # model's own module (and its HTTP stack) comes with it, so the first turn finds everything loaded.
    from easel.agent.brains import litellm_model  # noqa: F401
    from easel.agent.brains.offline_model import register_offline_provider

    register_offline_provider()


class DeferredChatModel:
    """The production chat model (`LitellmChatModel`), made at its first use: its module brings the fast
    lane's HTTP stack (httpx over aiohttp, a few tenths of a second to import), which a server's start need not
    wait for. The thread that imports litellm after start imports it too (`_prepare_litellm`)."""

    def __init__(self, *, fast_lane: bool) -> None:
        self.fast_lane = fast_lane
        self._model: ChatModel | None = None

    @property
    def model(self) -> ChatModel:
        if self._model is None:
            from easel.agent.brains.litellm_model import LitellmChatModel

            self._model = LitellmChatModel(fast_lane=self.fast_lane)
        return self._model

    def stream(self, **kwargs: Any) -> AsyncIterator[ModelEvent]:
        return self.model.stream(**kwargs)

    async def aclose(self) -> None:
        aclose = getattr(self._model, "aclose", None)
        if aclose is not None:
            await aclose()


@dataclass
class Runtime:
    settings: Settings
    space: Space
    images: ImageService
    tools: ToolRegistry
    chat_model: ChatModel
    ledger: Ledger
    videos: VideoService
    background: Background
    _warm: asyncio.Task[None] | None = None

    @classmethod
    def build(cls, settings: Settings, space: Space) -> Runtime:
        ledger = space.ledger
        prices = PriceTable.parse(settings.prices)
        images = ImageService(make_engine(settings), ledger=ledger, prices=prices, max_pixels=settings.max_pixels)
        background = Background()
        videos = VideoService(space=space, images=images, spawn=background.spawn, ledger=ledger, prices=prices,
                              concurrency=settings.video_concurrency, lease_s=settings.video_lease_s,
                              engine=make_video_engine(settings))
        tools = ToolRegistry([ImageGenTool(images), VideoGenTool(videos)])
        return cls(settings=settings, space=space, images=images, tools=tools,
                   chat_model=DeferredChatModel(fast_lane=settings.fast_lane), ledger=ledger, videos=videos,
                   background=background)

    async def aclose(self) -> None:
        aclose = getattr(self.chat_model, "aclose", None)
        if aclose is not None:
            await aclose()

    def start_warming(self) -> None:
        self._warm = asyncio.get_running_loop().create_task(asyncio.to_thread(_prepare_litellm))

    @property
    def warmed(self) -> bool:
        return self._warm is not None and self._warm.done()

    async def ready(self) -> None:
        if self._warm is None:
            self.start_warming()
        assert self._warm is not None
        await asyncio.shield(self._warm)

    def model_settings(self, requested: str | None) -> ModelSettings:
        s = self.settings
        if requested and requested != s.chat_model and requested not in s.allowed_models:
            allowed = ", ".join([s.chat_model, *s.allowed_models])
            raise EaselError(400, "invalid_model", f"Model {requested!r} is not available here; "
                             f"allowed: {allowed}", param="model")
        model = requested or s.chat_model
        # An allowed model of the configured model's provider goes to the same place with the same key
        # (a gateway serves many models); one of another provider gets neither, so the configured key is
        # never sent to a provider it was not made for: litellm reads that provider's own key (e.g.
        # ANTHROPIC_API_KEY) as usual.
        configured = model.split("/", 1)[0] == s.chat_model.split("/", 1)[0] and "/" in model
        configured = configured or model == s.chat_model
        return ModelSettings(
            model=model, api_base=s.chat_api_base if configured else None,
            api_key=s.chat_api_key.get_secret_value() if configured and s.chat_api_key else None,
            timeout_s=s.chat_timeout_s, token_price=self.images.prices.token_price(model))

    async def ensure_chat_affordable(self, principal: Principal, settings: ModelSettings) -> None:
        """Before a turn: a paid brain needs credit left (402), and an account with a budget cannot use a
        chat model whose tokens nobody can price (402 unpriced_model), or the budget would stop holding.
        Waits for litellm's import, which the price check needs."""
        if settings.model.startswith("builtin/"):
            await self.ready()
            return
        account = await self.ledger.account(principal)  # read once for both checks
        self.ledger.check_affordable(account, None)
        await self.ready()
        from easel.agent.brains.litellm_model import load_litellm
        from easel.agent.brains.litellm_usage import is_priced

        if not is_priced(load_litellm(), settings.model, settings.token_price):
            self.ledger.check_priced(account, settings.model)
