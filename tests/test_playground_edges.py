"""The playground under hostile requests (issue 10): bad frames, wrong-type bodies, huge uploads, exposure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.web import Playground, PlaygroundExposed
from bot.app import build_core
from bot.settings import Settings
from tests.bad_inputs import BAD_JSON_BODIES, BAD_WS_FRAMES, png_bytes
from tests.tiny_llm import SeededChat, make_tiny_chat


@pytest.fixture(scope="module")
def tiny_chat():
    """The tiny random Llama, seeded."""
    chat = SeededChat(make_tiny_chat())
    yield chat
    asyncio.run(chat.aclose())


@pytest.fixture
async def env(tmp_path: Path, tiny_chat) -> AsyncIterator[tuple[Playground, TestClient]]:
    """A playground on a real core behind aiohttp's test server."""
    settings = Settings(
        _env_file=None, avatar_data_dir=tmp_path / "data", llm_max_new_tokens=8, avatar_max_bytes=4000
    )
    runtime = await build_core(settings, dialogue=tiny_chat)
    pg = Playground(runtime.core)
    client = TestClient(TestServer(pg.app))
    await client.start_server()
    try:
        yield pg, client
    finally:
        await client.close()
        await pg.stop()
        await runtime.aclose()


async def _hello(client: TestClient, name: str):
    ws = await client.ws_connect(f"/ws?channel=lobby&name={name}")
    assert (await ws.receive_json(timeout=30))["type"] == "hello"
    return ws


@pytest.mark.parametrize("frame", BAD_WS_FRAMES, ids=range(len(BAD_WS_FRAMES)))
async def test_a_bad_frame_gets_an_error_for_its_sender_only(env, frame: str) -> None:
    _, client = env
    sender = await _hello(client, "Mallory")
    other = await _hello(client, "Ann")
    await sender.send_str(frame)
    notice = await sender.receive_json(timeout=30)
    assert notice["type"] == "notice" and notice["error"] is True
    assert "could not be read" in notice["text"]
    # Both tabs stay in the channel: a good message still reaches the other tab.
    await sender.send_str(json.dumps({"type": "say", "text": "hello there"}))
    while (event := await other.receive_json(timeout=30))["type"] != "message":
        pass
    assert event["text"] == "hello there" and not other.closed and not sender.closed
    await sender.close()
    await other.close()


@pytest.mark.parametrize("path,body", BAD_JSON_BODIES, ids=range(len(BAD_JSON_BODIES)))
async def test_wrong_type_bodies_get_400_with_a_reason(env, path: str, body: dict) -> None:
    _, client = env
    res = await client.post(path, data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert res.status == 400, await res.text()
    assert (await res.json())["error"]


async def test_a_good_channel_body_still_works(env) -> None:
    _, client = env
    res = await client.post("/api/channels", json={"name": "Ann", "title": "Cafe", "lang": "en"})
    assert res.status == 200 and (await res.json())["id"] == "cafe"


def _form(fields: list[tuple[str, str]], picture: bytes | None = png_bytes((8, 8))) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in fields:
        form.add_field(name, value)
    if picture is not None:
        form.add_field("file", picture, filename="a.png", content_type="image/png")
    return form


async def test_an_upload_with_many_fields_is_refused(env) -> None:
    _, client = env
    fields = [("name", "Ann"), ("channel", "lobby")] + [(f"f{i}", "x" * 100) for i in range(300)]
    res = await client.post("/api/upload", data=_form(fields))
    assert res.status == 400
    assert "too many parts" in (await res.json())["error"]


async def test_a_chunked_upload_is_capped_while_streaming(env) -> None:
    pg, client = env
    boundary = "edgeboundary"
    consumed = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal consumed
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n'.encode()
        yield head
        for _ in range(2000):  # 2000 x 8 KB = 16 MB in one text field, far over the 4 KB + 64 KB budget
            consumed += 1
            yield b"y" * 8192
        yield f"\r\n--{boundary}--\r\n".encode()

    res = await client.post(
        "/api/upload",
        data=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert res.status == 413
    assert consumed < 2000, "the server stopped reading once the cap was passed"
    assert pg.settings.avatar_max_bytes == 4000


async def test_a_normal_upload_still_works(env) -> None:
    _, client = env
    res = await client.post("/api/upload", data=_form([("name", "Ann"), ("channel", "lobby")]))
    assert res.status == 202


async def test_binding_beyond_loopback_needs_an_opt_in(tmp_path: Path, tiny_chat, caplog) -> None:
    settings = Settings(_env_file=None, avatar_data_dir=tmp_path / "data")
    runtime = await build_core(settings, dialogue=tiny_chat)
    pg = Playground(runtime.core)
    try:
        with pytest.raises(PlaygroundExposed, match="PLAYGROUND_PUBLIC"):
            await pg.start("0.0.0.0", 0)
        assert pg.port is None
        runtime.core.settings.playground_public = True
        await pg.start("0.0.0.0", 0)
        assert pg.port
        assert any("NO LOGIN" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    finally:
        await pg.stop()
        await runtime.aclose()
