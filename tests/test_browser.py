"""The playground in a real headless chromium: names, streaming replies, escaping, channels, two people."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.web import Playground
from bot.app import build_core
from bot.settings import Settings
from tests.tiny_llm import SeededChat, make_tiny_chat

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XSS = "<img src=x onerror=alert(1)>"


def _browser_or_skip():
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("no browser: /usr/bin/chromium is missing (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError as exc:
        pytest.skip(f"no browser driver: playwright is not importable ({exc})")
    return async_playwright


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[tuple[str, Playground]]:
    """A playground on 127.0.0.1 with a free port, backed by a real core and the tiny chat model."""
    chat = SeededChat(make_tiny_chat())
    settings = Settings(
        _env_file=None,
        avatar_data_dir=tmp_path / "data",
        llm_max_new_tokens=16,
        llm_temperature=1.0,
        avatar_max_bytes=4000,
        image_cooldown_s=0,
        image_size=256,
    )
    runtime = await build_core(settings, dialogue=chat)
    pg = Playground(runtime.core)
    await pg.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{pg.port}/", pg
    finally:
        await pg.stop()
        await runtime.aclose()
        await chat.aclose()


async def _join(browser, url: str, name: str):
    """A separate browser profile (own localStorage) that picks `name` and waits for the connection."""
    from playwright.async_api import expect

    context = await browser.new_context()
    page = await context.new_page()
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.alerts = alerts
    await page.goto(url)
    await page.get_by_label("Display name").fill(name)
    await page.get_by_role("button", name="Join the chat").click()
    await expect(page.locator("#conn")).to_have_text("connected")
    return page


async def _send(page, text: str) -> None:
    box = page.get_by_label("Message", exact=True)
    await box.fill(text)
    await box.press("Enter")


async def test_group_chat_in_a_real_browser(site: tuple[str, Playground]) -> None:
    async_playwright = _browser_or_skip()
    url, pg = site
    from playwright.async_api import expect

    expect.set_options(timeout=20_000)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            ann = await _join(browser, url, "Ann")
            ben = await _join(browser, url, "Ben")
            await expect(ann.locator("#persona-name")).to_have_text("Luna")
            await expect(ann.locator("#hint")).to_contain_text("@mention")

            # Ann mentions the bot (toggle on by default); both see her message and the streamed reply.
            await _send(ann, "hello Luna, how are you?")
            for page in (ann, ben):
                await expect(page.locator(".msg.user .bubble").last).to_have_text("hello Luna, how are you?")
                reply = page.locator(".msg.bot").first
                await expect(reply).not_to_have_class(re.compile(r"\bstreaming\b"))
                await expect(reply.locator(".bubble")).not_to_be_empty()
            ann_reply = await ann.locator(".msg.bot .bubble").first.text_content()
            assert ann_reply and ann_reply.strip()
            assert "⚪" not in ann_reply
            await expect(ben.locator(".msg.bot .bubble").first).to_have_text(ann_reply)
            await expect(ann.locator(".msg.user.mine")).to_have_count(1)
            await expect(ben.locator(".msg.user.mine")).to_have_count(0)

            # Ben answers Ann without mentioning the bot; Ann sees it.
            await ben.get_by_label("@mention").uncheck()
            await _send(ben, "hi Ann, nice to meet you")
            await expect(ann.locator(".msg.user .bubble").last).to_have_text("hi Ann, nice to meet you")
            await expect(ann.locator(".msg.user .author").last).to_have_text("Ben")

            # Replying to the bot addresses it without a mention.
            await ben.get_by_role("button", name="Reply to this message").first.click()
            await expect(ben.locator("#reply-bar")).to_be_visible()
            await _send(ben, "what do you mean?")
            await expect(ben.locator("#reply-bar")).to_be_hidden()
            for page in (ann, ben):
                await expect(page.locator(".msg.bot:not(.streaming) .bubble")).to_have_count(2)

            # Markup typed by a user stays text for everyone.
            await _send(ben, XSS)
            for page in (ann, ben):
                await expect(page.locator(".msg.user .bubble").last).to_have_text(XSS)
                assert await page.locator("#messages img").count() == 0
            assert ann.alerts == [] and ben.alerts == []

            # Channels keep their own history.
            await ann.get_by_role("button", name="# travel").click()
            await expect(ann.locator("#conn")).to_have_text("connected")
            await expect(ann.locator(".empty")).to_be_visible()
            await ann.get_by_label("@mention").uncheck()
            await _send(ann, "packing for Kyoto")
            await expect(ann.locator(".msg.user .bubble")).to_have_text(["packing for Kyoto"])
            await expect(ben.locator(".msg.user .bubble").last).to_have_text(XSS)  # Ben is still in lobby

            await ann.get_by_role("button", name="# lobby").click()
            await expect(ann.locator("#conn")).to_have_text("connected")
            await expect(ann.locator(".msg.user .bubble")).to_have_text(
                ["hello Luna, how are you?", "hi Ann, nice to meet you", "what do you mean?", XSS]
            )
            await expect(ann.locator(".msg.bot .bubble").first).to_have_text(ann_reply)
            await expect(ann.locator(".msg.bot .bubble")).to_have_count(2)
            assert await ann.locator("#messages img").count() == 0

            # Changing the persona from the header switches it for everyone in the channel.
            await ann.get_by_label("Persona for this channel").select_option("mango")
            for page in (ann, ben):
                await expect(page.locator("#persona-name")).to_have_text("Mango")
                await expect(page.locator("#persona-tagline")).to_contain_text("food-loving")

            # A picture over the size cap is refused with a clear message; nothing is sent.
            await ann.locator("#upload-input").set_input_files(
                {"name": "huge.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"\0" * 5000}
            )
            await expect(ann.locator(".notice.error").last).to_contain_text("too big (the limit is 3.91 KB)")

            # A real adventure: the postcard arrives inline in both tabs, and its reroll button makes another.
            await _send(ann, "/adventure paris seed:1")
            for page in (ann, ben):
                image = page.locator(".msg.bot img.image").last
                await expect(image).to_be_visible(timeout=30_000)
                assert await image.evaluate("img => img.naturalWidth") == 1080
            await expect(ann.locator(".msg.bot").last).to_contain_text("Eiffel Tower")
            await ann.get_by_role("button", name="Reroll").last.click()
            await expect(ann.locator(".msg.bot img.image")).to_have_count(2, timeout=30_000)
            srcs = await ann.locator(".msg.bot img.image").evaluate_all("imgs => imgs.map(i => i.src)")
            assert len(set(srcs)) == 2

            # 🎞 Motion turns the postcard into a muted, looping, playing video in both tabs.
            await ann.get_by_role("button", name="Motion").last.click()
            for page in (ann, ben):
                video = page.locator(".msg.bot video.motion").last
                await expect(video).to_be_visible(timeout=30_000)
                await video.evaluate(
                    "v => new Promise(r => v.readyState >= 2 ? r() : v.addEventListener('loadeddata', r))"
                )
                state = await video.evaluate(
                    "v => [v.loop, v.muted, v.autoplay, v.videoWidth, v.videoHeight]"
                )
                assert state == [True, True, True, 720, 720]

            # A reload keeps the name (localStorage) and the channel's history.
            await ben.reload()
            await expect(ben.locator("#conn")).to_have_text("connected")
            await expect(ben.locator("#me-name")).to_have_text("Ben")
            await expect(ben.locator(".msg.user .bubble").first).to_have_text("hello Luna, how are you?")
        finally:
            await browser.close()
