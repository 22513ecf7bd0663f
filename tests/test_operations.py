"""Reliability at the edges (issue 10): scrubbing, start-up that fails half-way, the personas CLI."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from telegram.request import RequestData

from bot.adapters.telegram_bot import TelegramAdapter
from bot.logs import RedactSecrets
from tests.fake_telegram import FakeBotAPI

SHORT_TOKEN = "123456:SecretTokenXYZ"  # too short for the token-shape pattern: only the known value helps


class EchoingBotAPI(FakeBotAPI):
    """A Bot API that refuses getMe and echoes the request URL back, lowercased, in its error."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **kw: Any):
        if url.endswith("/getMe"):
            body = {"ok": False, "error_code": 400, "description": f"Bad Request: no route {url.lower()}"}
            return 400, json.dumps(body).encode()
        return await super().do_request(url, method, request_data, **kw)


async def test_a_token_echoed_in_lowercase_is_scrubbed(make_core) -> None:
    core = await make_core(telegram_token=SHORT_TOKEN)
    adapter = TelegramAdapter(core, core.settings, request=EchoingBotAPI())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([SHORT_TOKEN]))
    logger = logging.getLogger("test.echo")
    logger.addHandler(handler)
    try:
        with pytest.raises(Exception) as err:
            await adapter.app.bot.get_me()
        assert SHORT_TOKEN.lower() in str(err.value)  # the fake really echoes it lowercased
        logger.error("telegram adapter did not start: %s", err.value)
    finally:
        logger.removeHandler(handler)
        await adapter.app.shutdown()
    logged = stream.getvalue()
    assert "[REDACTED]" in logged
    assert SHORT_TOKEN.lower() not in logged.lower()
