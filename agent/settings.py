"""Configuration: environment variables (EASEL_*) and an optional `.env`, validated at start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

OFFLINE_CHAT_MODEL = "builtin/router"
OFFLINE_IMAGE_MODEL = "builtin/painter-1"
OFFLINE_VIDEO_MODEL = "builtin/animator-1"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EASEL_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    data_dir: Path = Path("./.easel")
    # sqlite:///path (default: easel.db under data_dir) or postgresql://user:pass@host/db.
    database_url: str | None = None
    workers: int = Field(1, ge=1, le=64)
    bootstrap_key: SecretStr | None = None
    # Base of the URLs handed to clients; defaults to the address each request came in on.
    public_url: str | None = None
    # Signs file links. Several nodes must share one; when unset a random one is kept in the store.
    secret_key: SecretStr | None = None
    url_ttl_s: int = Field(3600, ge=10, le=7 * 24 * 3600)
    # Lasting links (chat completions' Markdown images): 0 means they never expire.
    link_ttl_s: int = Field(0, ge=0)
    max_upload_mb: int = Field(25, ge=1, le=1024)
    # A response to a request sent with an Idempotency-Key is kept (24 h) for replays up to this size; a bigger one
    # is not kept, and a retry gets 410 instead of running again.
    idempotency_max_response_mb: float = Field(16.0, gt=0, le=1024)
    # JSON bodies (chat, workspaces, folders, image options) past this are refused with 413 as they arrive.
    max_json_mb: float = Field(1.0, gt=0, le=1024)
    # Decoded pixels of any image accepted or painted (uploads, sources, masks). 2048x2048 by default: the
    # largest image Easel paints, and one whose edit fits in ~0.4 GB; bigger images are refused (415 invalid_image).
    max_pixels: int = Field(2048 * 2048, ge=64 * 64, le=100_000_000)
    # Images painted at once (default: the CPU cores); together they hold at most max_pixels.
    paint_workers: int = Field(0, ge=0, le=64)
    # Where file bytes live: file:///path (default: blobs/ under data_dir) or s3://bucket/prefix (AWS_* variables
    # for credentials and region; EASEL_S3_ENDPOINT_URL for MinIO, R2, Garage, Ceph). EASEL_BLOB_REDIRECT=1 answers
    # downloads from an object store with a redirect to a short-lived presigned URL instead of streaming them.
    blob_url: str | None = None
    s3_endpoint_url: str | None = None
    blob_redirect: bool = False

    chat_model: str = OFFLINE_CHAT_MODEL
    chat_api_base: str | None = None
    chat_api_key: SecretStr | None = None
    # Models a request may name in `model`; the configured chat model is always allowed.
    allowed_models: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Origins of browser apps that may call the API (comma list; `*` for any, warned about at start).
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_tool_rounds: int = Field(4, ge=1, le=16)
    chat_timeout_s: float = Field(120.0, gt=0)
    # OpenAI-wire providers' streams read by Easel itself (agent/brains/openai_wire.py); 0 sends them through
    # litellm's stream wrapper like every other provider.
    fast_lane: bool = True

    image_model: str = OFFLINE_IMAGE_MODEL
    image_api_base: str | None = None
    image_api_key: SecretStr | None = None
    image_timeout_s: float = Field(300.0, gt=0)
    # Prices for models litellm cannot price, as JSON: {"fal/*": {"per_megapixel": 0.01}, "hosted_vllm/*":
    # {"per_million_input_tokens": 0.2, "per_million_output_tokens": 0.6}}. Unpriced models are refused to budgets.
    prices: str | None = None

    rate_limit_rpm: int = Field(60, ge=0)
    max_concurrent: int = Field(5, ge=0)
    # Where limits are counted: "auto" is Redis when EASEL_REDIS_URL is set, else a small SQLite file beside the
    # store that every process on this machine shares; "memory" counts in each process (one process only).
    limits: Literal["auto", "memory", "embedded", "redis"] = "auto"
    redis_url: SecretStr | None = None
    redis_prefix: str = "easel"  # every Redis key starts with it, so deployments (or test runs) can share one
    slot_lease_s: float = Field(30.0, ge=1, le=3600)  # a killed process's concurrency slots free after this
    shutdown_grace_s: float = Field(30.0, ge=0)
    # Keyless requests to the seeds' image APIs act as this workspace (wks-…); unset, they are 401s. Their limits
    # are their own, shared by every keyless caller (0 = none). See agent/surfaces/anonymous.py.
    anonymous_workspace: str | None = None
    anonymous_rpm: int = Field(10, ge=0)
    anonymous_concurrent: int = Field(2, ge=0)
    # chuk.chat's API reports credits in euros; the ledger keeps dollars. A fixed rate an operator sets.
    eur_per_usd: float = Field(0.92, gt=0, le=100)
    # The video engine: the offline animator, or any video model litellm reaches (openai/sora-2, azure/sora-2,
    # gemini/veo-3.0-generate-preview, an OpenAI-compatible server's model with EASEL_VIDEO_API_BASE).
    video_model: str = OFFLINE_VIDEO_MODEL
    video_api_base: str | None = None
    video_api_key: SecretStr | None = None
    # A provider's job is polled this often, and abandoned (the job failed, with the reason) past the timeout.
    video_poll_s: float = Field(5.0, gt=0, le=600)
    video_timeout_s: float = Field(1800.0, gt=0)
    # Videos made at once by this process; more wait their turn, queued.
    video_concurrency: int = Field(2, ge=1, le=64)
    # A running video job's runner renews its lease; a job whose lease ran out is failed, with the reason.
    video_lease_s: float = Field(30.0, ge=2, le=3600)
    # A chat answered as one JSON reply waits this long for a video; then it answers with the job's id and where
    # the clip will appear (the job goes on). A streamed chat waits to the end, sending progress.
    video_wait_s: float = Field(60.0, ge=0, le=3600)
    log_level: str = "info"
    log_format: Literal["text", "json"] = "text"  # json: one object a line, with the request id
    log_prompts: bool = False  # prompts appear in access lines only when this is set
    # `/metrics` answers only `Authorization: Bearer <this>`; unset, it is not there (404).
    metrics_token: SecretStr | None = None

    @field_validator("chat_model", "image_model", "video_model", mode="before")
    @classmethod
    def _empty_is_offline(cls, value: object, info: object) -> object:
        # EASEL_CHAT_MODEL= (set but empty) means "no model configured", i.e. the offline engine.
        if value in ("", None):
            return {"chat_model": OFFLINE_CHAT_MODEL, "video_model": OFFLINE_VIDEO_MODEL}.get(
                getattr(info, "field_name", ""), OFFLINE_IMAGE_MODEL)
        return value

    @field_validator("allowed_models", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("anonymous_workspace")
    @classmethod
    def _workspace_id(cls, value: str | None) -> str | None:
        if value is not None and value.strip() and not re.match(r"^wks-[A-Za-z0-9_-]{1,64}$", value.strip()):
            raise ValueError("EASEL_ANONYMOUS_WORKSPACE must be a workspace id (wks-…)")
        return value.strip() if value and value.strip() else None

    @field_validator("blob_url")
    @classmethod
    def _known_blob_store(cls, value: str | None) -> str | None:
        if value:
            from easel.spaces.blobs import check_url

            check_url(value)
        return value or None

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value:
            from easel.spaces.engine import check_url

            check_url(value)  # a DatabaseUrlError (a ValueError) names what is wrong, never the password
        return value or None

    @property
    def store_url(self) -> str:
        from easel.spaces.engine import default_url

        return self.database_url or default_url(self.data_dir)
