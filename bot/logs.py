"""Logging set-up with a filter that keeps secrets out of every log line."""

from __future__ import annotations

import logging
import os
import re

_SECRET_ENV = ("DISCORD_TOKEN", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "LLM_API_KEY")
# Telegram bot tokens and Discord tokens have recognisable shapes; scrub them even if unknown.
_TOKEN_SHAPES = re.compile(
    r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}|[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}",
    re.I,
)


class RedactSecrets(logging.Filter):
    """Replaces known secret values and token-shaped strings with [REDACTED]."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if s and len(s) >= 6]
        # Libraries lowercase URLs they echo (PTB: `.../bot123:abc/getme`), so match in any case.
        self._known = (
            re.compile("|".join(re.escape(s) for s in sorted(self.secrets, key=len, reverse=True)), re.I)
            if self.secrets
            else None
        )

    def redact(self, text: str) -> str:
        """Scrub secrets (in any letter case) from one string."""
        if self._known is not None:
            text = self._known.sub("[REDACTED]", text)
        return _TOKEN_SHAPES.sub("[REDACTED]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, scrubbed, including any traceback text."""
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def known_secrets() -> list[str]:
    """Secret values present in the environment or settings."""
    values = [os.environ.get(k, "") for k in _SECRET_ENV]
    try:
        from bot.settings import Settings

        s = Settings()
        for secret in (s.discord_token, s.telegram_token, s.telegram_webhook_secret, s.llm_api_key):
            if secret is not None:
                values.append(secret.get_secret_value())
    except Exception:  # settings errors are reported elsewhere
        pass
    return [v for v in values if v]


def setup_logging(level: str = "INFO", *, quiet: bool = False) -> None:
    """Configure the root logger with secret redaction on every handler."""
    root = logging.getLogger()
    root.setLevel(logging.WARNING if quiet else getattr(logging, level.upper(), logging.INFO))
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(known_secrets()))
    root.handlers[:] = [handler]
    for noisy in ("httpx", "httpcore", "aiohttp.access", "discord.http", "telegram.ext"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
