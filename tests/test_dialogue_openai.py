"""OpenAIChat against a real local aiohttp server speaking the streaming chat-completions API."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from generators.dialogue.base import ChatTurn, DialogueBackend, GenerationConfig
from generators.dialogue.openai_http import OpenAIChat, OpenAIChatError

KEY = "sk-test-very-secret-123"
TURNS = [ChatTurn("system", "You are Luna."), ChatTurn("user", "Ana: hi", speaker="Ana")]


def sse(content: str | None = None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"content": content}
    event = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(event)}\n\n".encode()


class Server:
    """Records requests; `mode` picks the behaviour of /v1/chat/completions."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.pieces = ["Hello", " Ana", "! Lovely", " day."]
        self.replies: list[list[str]] = []  # when set, each request takes the next reply's pieces
        self.requests: list[dict] = []
        self.headers: list[dict] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        if self.mode == "unauthorized":
            return web.json_response({"error": {"message": "bad api key", "type": "auth"}}, status=401)
        if self.mode == "broken":
            return web.Response(text="upstream exploded", status=502)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(b": keep-alive comment\n\n")
        await resp.write(sse(None))  # role-only first delta
        if self.mode == "slow":
            await asyncio.sleep(5)
        for p in self.replies.pop(0) if self.replies else self.pieces:
            await resp.write(sse(p))
        await resp.write(sse(None, finish="stop"))
        await resp.write(b"data: [DONE]\n\n")
        if self.mode == "after_done":
            await resp.write(sse("SHOULD NOT APPEAR"))
            await asyncio.sleep(5)  # keeps the connection open; the client must not wait for it
        return resp


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    state = Server()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", state.handle)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield state, str(srv.make_url("/v1"))
    await srv.close()


@pytest.fixture
async def chat(server) -> AsyncIterator[OpenAIChat]:
    _, url = server
    c = OpenAIChat(url, KEY, "qwen2.5-7b-instruct")
    yield c
    await c.aclose()


def cfg(**kw) -> GenerationConfig:
    return GenerationConfig(**{"max_new_tokens": 32, "seed": 3, "timeout_s": 3.0, **kw})


async def test_streams_chunks_and_sends_a_proper_request(server, chat: OpenAIChat):
    state, _ = server
    assert isinstance(chat, DialogueBackend)
    chunks = [
        c
        async for c in chat.stream(TURNS, cfg(stop=("\nAna:", "\nBob:", "\nLuna:", "\nUser:", "<|im_end|>")))
    ]
    assert "".join(chunks) == "Hello Ana! Lovely day."
    assert len(chunks) >= 3
    body = state.requests[-1]
    assert body["model"] == "qwen2.5-7b-instruct" and body["stream"] is True
    assert body["messages"] == [
        {"role": "system", "content": "You are Luna."},
        {"role": "user", "content": "Ana: hi"},
    ]
    assert body["max_tokens"] == 32 and body["seed"] == 3
    assert body["stop"] == ["\nAna:", "\nBob:", "\nLuna:", "\nUser:"]  # at most four go to the server
    assert state.headers[-1]["Authorization"] == f"Bearer {KEY}"
    assert "zh" in chat.languages


async def test_generate_returns_the_whole_reply(chat: OpenAIChat):
    out = await chat.generate(TURNS, cfg())
    assert out.text == "Hello Ana! Lovely day."
    assert out.finish_reason == "stop" and out.new_tokens > 0


async def test_stop_sequences_are_cut_on_our_side(server, chat: OpenAIChat):
    state, _ = server
    state.pieces = ["Hi there!", "\nB", "ob: I am Bob", " talking"]
    chunks = [c async for c in chat.stream(TURNS, cfg(stop=("\nBob:",)))]
    assert "".join(chunks) == "Hi there!"


async def test_done_ends_the_stream_even_if_the_connection_stays_open(server, chat: OpenAIChat):
    state, _ = server
    state.mode = "after_done"
    text = "".join([c async for c in chat.stream(TURNS, cfg(timeout_s=2.0))])
    assert text == "Hello Ana! Lovely day."


async def test_error_status_gives_a_clear_error_without_the_key(server, chat: OpenAIChat, caplog):
    state, url = server
    state.mode = "unauthorized"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(OpenAIChatError) as info:
        async for _ in chat.stream(TURNS, cfg()):
            pass
    message = str(info.value)
    assert "401" in message and "bad api key" in message and url in message
    assert KEY not in message and KEY not in repr(chat) and KEY not in caplog.text
    state.mode = "broken"
    with pytest.raises(OpenAIChatError, match="502: upstream exploded"):
        await chat.generate(TURNS, cfg())


async def test_timeout_raises(server, chat: OpenAIChat):
    state, _ = server
    state.mode = "slow"
    with pytest.raises(TimeoutError):
        async for _ in chat.stream(TURNS, cfg(timeout_s=0.3)):
            pass


async def test_unreachable_server_is_a_clear_error():
    with socket_free_port() as port:
        pass
    chat = OpenAIChat(f"http://127.0.0.1:{port}/v1", KEY, "m")
    with pytest.raises(OpenAIChatError, match="cannot reach chat server"):
        await chat.generate(TURNS, cfg())
    await chat.aclose()


async def test_uses_a_given_client_and_leaves_it_open(server):
    _, url = server
    async with httpx.AsyncClient() as client:
        chat = OpenAIChat(url, None, "m", client=client)
        assert (await chat.generate(TURNS, cfg())).text.startswith("Hello")
        await chat.aclose()
        assert not client.is_closed


def test_token_estimate_counts_cjk_per_character():
    chat = OpenAIChat("http://127.0.0.1:1/v1", None, "m")
    assert chat.count_tokens("你好世界") == 4
    assert 2 <= chat.count_tokens("hello there") <= 4


class socket_free_port:
    """A port that was free a moment ago (closed on exit, so nothing listens on it)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


async def test_a_clean_model_caption_line_is_used_and_a_broken_one_is_not(server, chat) -> None:
    from datetime import UTC, datetime
    from pathlib import Path

    from bot.core.captions import make_caption
    from generators.landmarks import Catalogue
    from personas.toml_io import read_toml

    state, _ = server
    luna, _ = read_toml(Path("personas/luna.toml"), source="builtin")
    tower = Catalogue.load().get("eiffel_tower")
    now = datetime(2026, 11, 29, tzinfo=UTC)
    kw = {"lang": "en", "seed": 5, "previous": None, "now": now, "timeout_s": 3.0}

    state.pieces = ["Ana and Ben", " are waving from the top!", " Extra sentence."]
    text, source = await make_caption(chat, luna, tower, user="Ana & Ben", names=["Ana", "Ben"], **kw)
    assert source == "model"
    first, rest = text.split("\n", 1)
    assert first == "📍 Eiffel Tower, Paris", "the place is named when the line does not"
    assert rest.startswith("Ana and Ben are waving from the top!") and "Extra sentence" not in rest
    assert any(fact in rest for fact in tower.facts["en"]) and "#EiffelTower" in rest

    state.pieces = ["Ana is waving from the top!"]
    text, source = await make_caption(chat, luna, tower, user="Ana & Ben", names=["Ana", "Ben"], **kw)
    assert source == "template" and "Ana & Ben" in text, "a line that leaves a friend out is dropped"

    state.pieces = ["\ufffdTful% lov to"]
    text, source = await make_caption(chat, luna, tower, user="Ana", names=["Ana"], **kw)
    assert source == "template" and "\ufffd" not in text


async def test_a_looping_reply_is_tried_again_and_never_fed_back(server, chat, make_core) -> None:
    from bot.core.models import Channel, ChannelKind, IncomingMessage, User
    from tests.outputs import RecordingOutput

    state, _ = server
    core = await make_core(dialogue=chat)
    ana = User("web", "ana", "Ana")
    room = Channel("web", "dm-ana", ChannelKind.DIRECT)
    state.replies = [["🌱🌍", "🌍🌎🌎🌎🌎🌎🌎🌎"], ["Rome is lovely in spring, travel buddy!"]]
    out = RecordingOutput()
    await core.handle(IncomingMessage(ana, room, "What should I see in Rome?"), out)
    assert out.messages[-1] == "Rome is lovely in spring, travel buddy!", "the retry replaced the loop"
    assert len(state.requests) == 2 and state.requests[1]["temperature"] <= 0.3

    # An old looping reply already in the history is left out of the next prompt.
    await core.memory.messages.add(room.key, None, "Luna", "assistant", "🌎🌎🌎🌎🌎🌎🌎🌎")
    state.replies = [["Try the Pantheon at dawn!"]]
    await core.handle(IncomingMessage(ana, room, "And after that?"), RecordingOutput())
    sent = json.dumps(state.requests[-1]["messages"], ensure_ascii=False)
    assert "Rome is lovely in spring" in sent and "🌎🌎" not in sent
    rows = await core.memory.messages.recent(room.key, 10)
    assert [r.text for r in rows if r.role == "assistant"][-1] == "Try the Pantheon at dawn!"

    state.replies = [["Is there more to see?"], ["The Trevi Fountain at night!"]]
    out = RecordingOutput()
    await core.handle(IncomingMessage(ana, room, "is there more to see"), out)
    assert out.messages[-1] == "The Trevi Fountain at night!", "an echo of the user is not a reply"

    # Every candidate loops: the first reply, best-of-N's extra candidates and the cooler retry.
    loops = ["A: A: A: A: A: A: A: A:", "!!! ??? !!!"] * 3
    state.replies = [[text] for text in loops]
    before = len(state.requests)
    out = RecordingOutput()
    await core.handle(IncomingMessage(ana, room, "Anything else?"), out)
    luna = core.personas.get("luna")
    assert 2 <= len(state.requests) - before <= len(loops), "retried, within its budget"
    assert out.messages[-1] == luna.greeting, "when every candidate loops, the persona's greeting"
