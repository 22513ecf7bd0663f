"""Settings from the environment and `.env`, through pydantic-settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from generators.dialogue.loader import PACKAGED_MODEL, DialogueOptions
from generators.images.options import ImageOptions
from generators.voice.pipeline import VoiceOptions


class Settings(BaseSettings):
    """Every tunable of the bot. Keys are documented in `.env.example`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    avatar_data_dir: Path = Field(default=Path("data"))
    log_level: str = "INFO"
    database_url: SecretStr | None = None  # postgresql://…; unset means SQLite in avatar_data_dir
    database_pool_size: int = Field(10, ge=1)
    queue_url: SecretStr | None = None  # redis://…; unset means the in-process image queue
    queue_name: str = "avatar:postcards"
    queue_max_tries: int = Field(3, ge=1)  # a job whose worker died runs again, up to this many times

    llm_model: str = PACKAGED_MODEL
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_max_new_tokens: int = 96
    llm_context_tokens: int = 2048
    llm_timeout_s: float = 60.0
    llm_temperature: float = 0.3  # the packaged 135M model loops and drifts off-language at 0.7
    llm_quantize: bool = True
    llm_engine: Literal["auto", "llama.cpp", "transformers"] = "auto"  # auto: llama.cpp for GGUF models
    llm_threads: int | None = Field(default=None, ge=1)  # llama.cpp threads; unset follows the cores
    llm_prefix_cache_mb: int = Field(default=256, ge=0)  # evaluated prompt prefixes kept for reuse
    llm_min_p: float = 0.1
    llm_repeat_penalty: float = 1.15
    llm_prompt_style: Literal["auto", "full", "compact"] = "auto"  # auto: compact for the packaged model
    llm_candidates: int = Field(default=3, ge=1)  # best-of-N when a reply fails the checks (fast engines)

    default_persona: str = "luna"
    # A public picture per persona for Discord webhooks (which take only a URL), e.g.
    # https://example.org/avatars/{id}.png; unset: a persona posts under its name with the webhook's picture.
    persona_avatar_url: str = ""
    max_message_chars: int = 4000
    recent_turns: int = 16
    history_keep_messages: int = Field(5000, ge=100)

    playground_enabled: bool = True
    playground_host: str = "127.0.0.1"
    playground_port: int = 8080
    playground_public: bool = False  # opt-in to bind beyond loopback (no login; everyone is admin)
    metrics_host: str = "127.0.0.1"  # /healthz and /metrics when the playground is off
    metrics_port: int = 9464

    discord_token: SecretStr | None = None
    discord_guild_ids: str = ""
    discord_shards: str = ""
    discord_shard_ids: str = ""  # e.g. "0-3": the shards this process runs, of DISCORD_SHARD_COUNT
    discord_shard_count: int | None = Field(None, ge=1)
    telegram_token: SecretStr | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base_url: str | None = None
    telegram_file_base_url: str | None = None
    # Webhook mode with QUEUE_URL: how long an update waits for earlier ones of its chat to arrive.
    telegram_order_window_s: float = Field(0.5, ge=0)

    image_model: str | None = None
    image_backend: Literal["auto", "diffusers", "illustrated"] = "auto"
    image_device: str = "cpu"
    image_steps: int = 20
    image_size: int = 1024
    image_harmonise_strength: float = 0.25
    segmentation_model: str | None = None
    image_workers: int = 1
    image_queue_size: int = 32
    image_cooldown_s: float = 10.0
    image_daily_quota: int = 50
    image_timeout_s: float = 600.0
    avatar_max_bytes: int = 10 * 1024 * 1024
    avatar_max_pixels: int = 40_000_000

    voice_enabled: bool = True
    tts_base_url: str | None = None
    tts_api_key: SecretStr | None = None
    tts_model: str = "tts-1"
    voice_max_chars: int = Field(600, ge=20, le=4000)
    voice_timeout_s: float = 60.0

    @field_validator(
        "discord_token", "telegram_token", "telegram_webhook_secret", "llm_api_key", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`DISCORD_TOKEN=` with nothing after it (a copied .env.example) means no token."""
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @property
    def db_path(self) -> Path:
        """Where the SQLite database lives."""
        return self.avatar_data_dir / "bot.db"

    def image_options(self) -> ImageOptions:
        """The IMAGE_* and SEGMENTATION_MODEL values the image generators take."""
        return ImageOptions(
            model=self.image_model,
            backend=self.image_backend,
            device=self.image_device,
            steps=self.image_steps,
            size=self.image_size,
            harmonise_strength=self.image_harmonise_strength,
            segmentation_model=self.segmentation_model,
        )

    def voice_options(self) -> VoiceOptions:
        """The VOICE_* and TTS_* values the voice pipeline takes."""
        return VoiceOptions(
            base_url=self.tts_base_url,
            api_key=self.tts_api_key.get_secret_value() if self.tts_api_key else None,
            model=self.tts_model,
            max_chars=self.voice_max_chars,
            timeout_s=self.voice_timeout_s,
        )

    @property
    def model_cache_dir(self) -> Path:
        """Where converted models are cached."""
        return self.avatar_data_dir / "models"

    @property
    def uses_packaged_model(self) -> bool:
        """True when the chat model is the default packaged SmolLM2."""
        return self.llm_base_url is None and self.llm_model == PACKAGED_MODEL

    def dialogue_options(self) -> DialogueOptions:
        """What the dialogue loader needs from these settings."""
        return DialogueOptions(
            model=self.llm_model,
            cache_dir=self.model_cache_dir,
            base_url=self.llm_base_url,
            api_key=self.llm_api_key.get_secret_value() if self.llm_api_key else None,
            quantize=self.llm_quantize,
            context_tokens=self.llm_context_tokens,
            engine=self.llm_engine,
            threads=self.llm_threads,
            prefix_cache_mb=self.llm_prefix_cache_mb,
        )
