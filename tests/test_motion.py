"""Animated postcards: the loop's frames, its encoding, and delivery through the core and every adapter."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from telegram import Update

from bot.adapters.telegram_bot import TelegramAdapter
from bot.core.adventure_args import parse_adventure_args
from bot.core.clock import FakeClock
from bot.core.i18n import t
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from generators.images.cartoon import CartoonAvatarGenerator
from generators.images.illustrated import IllustratedRenderer
from generators.images.loops import LoopEncoder
from generators.images.motion import MotionMaker
from generators.images.motion_scene import MotionScene
from generators.images.scenes import SceneMaker
from generators.landmarks import Catalogue
from tests.discord_harness import running, shown
from tests.fake_telegram import FakeBotAPI, UpdateFactory
from tests.outputs import RecordingOutput

NOON_UTC = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # day in Paris, night in Tokyo
ANA = User("web", "ana", "Ana")
BEN = User("web", "ben", "Ben")
ROOM = Channel("web", "lobby", ChannelKind.GROUP)
FRAMES = 12


@pytest.fixture(scope="module")
def avatar() -> Image.Image:
    return CartoonAvatarGenerator()("long brown hair, glasses", seed=1).image


@pytest.fixture(scope="module")
def maker() -> MotionMaker:
    return MotionMaker(
        SceneMaker(IllustratedRenderer(), size=512), LoopEncoder("mp4"), width=360, frames=FRAMES
    )


def prepare(
    maker: MotionMaker, avatar: Image.Image, place: str, seed: int = 3, fmt: str = "1:1"
) -> MotionScene:
    landmark = Catalogue.load().get(place)
    return maker.prepare(landmark, [avatar], now_utc=NOON_UTC, seed=seed, fmt=fmt, lang="en")


def diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def picture(scene: MotionScene, frame: np.ndarray, rows: tuple[int, int] | None = None) -> np.ndarray:
    """The moving picture's part of a frame (optionally only rows of it, in picture coordinates)."""
    x0, y0, x1, y1 = scene.box
    part = frame[y0:y1, x0:x1]
    return part if rows is None else part[rows[0] : rows[1]]


# --- frames ---------------------------------------------------------------------------------------


def test_the_loop_is_seamless_and_the_sky_and_avatar_move(maker: MotionMaker, avatar: Image.Image) -> None:
    scene = prepare(maker, avatar, "eiffel_tower")
    frames = maker.frames(scene)
    assert len(frames) == FRAMES and all(f.shape == frames[0].shape for f in frames)
    assert np.array_equal(scene.frame(1.0), frames[0]), "one loop later is the first frame again"
    steps = [diff(frames[i], frames[i + 1]) for i in range(FRAMES - 1)]
    assert diff(frames[-1], frames[0]) <= 1.5 * max(steps), "the jump back to the start is one ordinary step"
    assert min(steps) > 0, "every frame moves"
    quarter = frames[FRAMES // 4]
    assert scene.clouds is not None
    sky = (scene.clouds[0], scene.clouds[1])
    assert diff(picture(scene, frames[0], sky), picture(scene, quarter, sky)) > 0.2, "the clouds drift"
    sprite = scene.sprites[0]
    x0, y0 = int(sprite.x), int(sprite.y)
    w, h = sprite.image.size
    head = (slice(y0, y0 + h // 2), slice(x0, x0 + w))
    base = (slice(y0 + h - 4, y0 + h - 1), slice(x0 + w // 3, x0 + 2 * w // 3))
    rest, risen = picture(scene, frames[0]), picture(scene, quarter)  # two bobs a loop: tallest at 1/4
    assert diff(rest[head], risen[head]) > 5, "the avatar bobs up"
    assert diff(rest[base], risen[base]) < 3, "and keeps its feet on the ground"
    band_top = scene.box[3] + 2
    assert all(np.array_equal(f[band_top:], frames[0][band_top:]) for f in frames), "the caption stays put"


def test_same_seed_same_frames_and_another_seed_differs(maker: MotionMaker, avatar: Image.Image) -> None:
    a = maker.frames(prepare(maker, avatar, "colosseum", seed=7))
    b = maker.frames(prepare(maker, avatar, "colosseum", seed=7))
    c = maker.frames(prepare(maker, avatar, "colosseum", seed=8))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


def test_night_stars_twinkle_and_lit_windows_flicker(maker: MotionMaker, avatar: Image.Image) -> None:
    scene = prepare(maker, avatar, "tokyo_tower")
    assert scene.stars is not None and scene.windows is not None
    frames = maker.frames(scene)
    pics = np.stack([picture(scene, f) for f in frames]).astype(np.int16)
    stars = scene.stars[0]
    star_pixels = pics.reshape(FRAMES, -1, 3)[:, stars].sum(-1)
    assert (star_pixels.max(0) - star_pixels.min(0) > 20).sum() > 5, "some stars dim and brighten"
    x0, y0, x1, y1 = scene.windows[0]
    lit = scene.windows[1] > 0.9
    windows = pics[:, y0:y1, x0:x1][:, lit].sum(-1)
    assert (windows.max(0) - windows.min(0) > 60).mean() > 0.05, "some windows flicker"
    assert (windows.max(0) - windows.min(0) > 60).mean() < 0.6, "most glow steadily"


def test_water_shimmers_where_the_scene_has_water(maker: MotionMaker, avatar: Image.Image) -> None:
    river = prepare(maker, avatar, "eiffel_tower")
    assert river.water is not None
    x0, y0, x1, y1 = river.water[0]
    a, b = river.frame(0.0), river.frame(0.1)
    assert diff(picture(river, a)[y0:y1, x0:x1], picture(river, b)[y0:y1, x0:x1]) > 1
    assert prepare(maker, avatar, "giza_pyramids").water is None, "no water in the desert"


def test_a_generated_scene_without_layers_still_sways_and_bobs(avatar: Image.Image) -> None:
    class Generated:
        name = "diffusers"

        def __call__(self, landmark, **kw):
            return dataclasses.replace(
                IllustratedRenderer()(landmark, **kw), layers=None, renderer="diffusers"
            )

    maker = MotionMaker(SceneMaker(Generated(), size=512), LoopEncoder("mp4"), width=360, frames=FRAMES)
    scene = prepare(maker, avatar, "eiffel_tower")
    assert scene.clouds is None and scene.far is None
    a, b = scene.frame(0.0), scene.frame(0.25)
    h = scene.still.shape[0]
    top = diff(picture(scene, a, (0, 10)), picture(scene, b, (0, 10)))
    bottom = diff(picture(scene, a, (h - 40, h)), picture(scene, b, (h - 40, h)))
    assert bottom > 0.5 and top < bottom / 4, (top, bottom)


# --- files ----------------------------------------------------------------------------------------


def test_mp4_is_h264_silent_deterministic_and_small(avatar: Image.Image, tmp_path: Path) -> None:
    maker = MotionMaker(SceneMaker(IllustratedRenderer(), size=1024), LoopEncoder("mp4"))
    landmark = Catalogue.load().get("marina_bay_sands")
    kw = dict(now_utc=NOON_UTC, seed=11, fmt="4:5", lang="en")
    out = maker(landmark, [avatar], out_path=tmp_path / "a.mp4", **kw)
    again = maker(landmark, [avatar], out_path=tmp_path / "b.mp4", **kw)
    assert out.path.read_bytes() == again.path.read_bytes(), "the same seed gives the same file"
    assert out.mime == "video/mp4" and out.size_bytes == out.path.stat().st_size <= 2 * 1024 * 1024
    assert (out.width, out.height) == (720, 900) and out.duration_s <= 3.0
    with av.open(str(out.path)) as container:
        assert not container.streams.audio
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = list(container.decode(stream))
    assert len(frames) == out.frames
    assert (frames[0].width, frames[0].height) == (720, 900) and frames[0].format.name == "yuv420p"


@pytest.mark.parametrize("kind", ["webp", "gif"])
def test_fallback_loops_are_animated_images(
    maker: MotionMaker, avatar: Image.Image, kind: str, tmp_path
) -> None:
    fallback = MotionMaker(maker.scenes, LoopEncoder(kind), width=360, frames=FRAMES)
    out = fallback(
        Catalogue.load().get("santorini"),
        [avatar],
        now_utc=NOON_UTC,
        seed=2,
        fmt="1:1",
        lang="en",
        out_path=tmp_path / f"loop.{kind}",
    )
    assert out.mime == f"image/{kind}" and out.size_bytes <= 2 * 1024 * 1024
    with Image.open(out.path) as im:
        assert im.format == kind.upper() and im.is_animated and im.n_frames == FRAMES
        assert im.size == (out.width, out.height) and im.info.get("loop") == 0


def test_detect_prefers_h264_and_falls_back_to_webp_without_it(monkeypatch) -> None:
    from generators.images import loops

    assert LoopEncoder.detect().suffix == ".mp4"  # PyAV with libx264 is a core dependency
    assert LoopEncoder.detect("webp").mime == "image/webp"
    monkeypatch.setattr(loops, "h264_available", lambda: False)  # as on an install without PyAV
    assert LoopEncoder.detect().suffix == ".webp" and "animated WebP" in loops.describe_loops()
    with pytest.raises(RuntimeError, match="no H.264 encoder"):
        LoopEncoder.detect("mp4")


# --- the core -------------------------------------------------------------------------------------


def test_motion_words_are_understood() -> None:
    for text in ("paris motion", "paris animated", "paris gif", "巴黎 动图", "巴黎 动画"):
        args = parse_adventure_args(text)
        assert args.motion and args.place in ("paris", "巴黎"), text
    assert not parse_adventure_args("paris").motion


async def say(core, user: User, text: str, channel: Channel = ROOM) -> RecordingOutput:
    out = RecordingOutput()
    await core.handle(IncomingMessage(user, channel, text, mentions_bot=True), out)
    return out


async def test_adventure_motion_sends_a_loop_with_the_postcards_caption_and_buttons(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=512, clock=FakeClock())
    out = await say(core, ANA, "/adventure paris seed:9 motion")
    assert not out.images and len(out.animations) == 1
    path, caption = out.animations[0]
    assert path.suffix == ".mp4" and path.is_file() and "Eiffel Tower" in caption and "seed 9" in caption
    actions = [b.action for b in out.buttons[-1]]
    assert actions[0].startswith("reroll:") and not any(a.startswith("motion:") for a in actions)
    (trip,) = await core.memory.adventures.list(ANA.key)
    assert trip.seed == 9 and Path(trip.image_path).is_file(), "the still postcard is kept in the journal"
    dm = Channel("web", "dm-ana", ChannelKind.DIRECT)
    await say(core, ANA, "/forget", dm)
    await say(core, ANA, "yes", dm)
    assert not path.exists(), "/forget removes the loop"


async def test_the_motion_button_loops_that_postcard(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=512, clock=FakeClock())
    card = await say(core, ANA, "/adventure rome seed:5 format:4:5")
    motion = next(b.action for b in card.buttons[-1] if b.action.startswith("motion:"))
    assert next(b.label for b in card.buttons[-1] if b.action == motion) == t("button_motion", "en")
    pressed = RecordingOutput()
    await core.handle_action(ANA, IncomingMessage(ANA, ROOM, ""), motion, pressed)
    ((path, caption),) = pressed.animations
    assert caption == t("motion_caption", "en", place="Colosseum", seed=5)
    with av.open(str(path)) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (720, 900)
    theirs = RecordingOutput()
    await core.handle_action(BEN, IncomingMessage(BEN, ROOM, ""), motion, theirs)
    assert theirs.animations and theirs.animations[0][0] != path, "Ben's press makes Ben's own loop"
    gone = RecordingOutput()
    await core.handle_action(ANA, IncomingMessage(ANA, ROOM, ""), "motion:999999", gone)
    assert gone.text == t("adventure_gone", "en") and not gone.animations


async def test_the_motion_button_respects_the_cooldown(make_core) -> None:
    core = await make_core(image_cooldown_s=60, image_size=512, clock=FakeClock())
    card = await say(core, ANA, "/adventure rome")
    motion = next(b.action for b in card.buttons[-1] if b.action.startswith("motion:"))
    pressed = RecordingOutput()
    await core.handle_action(ANA, IncomingMessage(ANA, ROOM, ""), motion, pressed)
    wait = re.search(r"\d+", pressed.text)
    assert not pressed.animations and wait and pressed.text == t("cooldown", "en", seconds=int(wait.group()))


# --- platforms ------------------------------------------------------------------------------------


async def test_telegram_sends_the_loop_with_send_animation(make_core) -> None:
    clock = FakeClock()
    core = await make_core(telegram_token="123:ABC", clock=clock, image_cooldown_s=0, image_size=512)
    api = FakeBotAPI()
    adapter = TelegramAdapter(core, core.settings, request=api, clock=clock)
    await adapter.app.initialize()
    try:
        upd = UpdateFactory()
        await adapter.app.process_update(
            Update.de_json(upd.message("/adventure paris motion"), adapter.app.bot)
        )
    finally:
        await adapter.app.shutdown()
    (call,) = api.of("sendAnimation")
    data = call.files["animation"]
    assert data[4:8] == b"ftyp" and "Eiffel Tower" in call.params["caption"]
    assert not api.of("sendPhoto")
    with av.open(io.BytesIO(data)) as container:
        assert container.streams.video[0].codec_context.name == "h264"


async def test_discord_attaches_the_loop(make_core) -> None:
    async with running(make_core, image_cooldown_s=0, image_size=512) as world:
        result = await world.alice.slash(world.general, "adventure", place="paris", motion="motion")
        card = next(m for m in shown(result) if m.attachments)
        (loop,) = card.attachments
        assert loop.filename == "postcard.mp4" and "#AvatarAdventures" in card.content
        assert (await loop.read())[4:8] == b"ftyp"


async def test_playground_plays_the_loop_as_a_muted_looping_video(make_app) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.adapters.web import Playground

    runtime = await make_app(image_cooldown_s=0, image_size=512)
    pg = Playground(runtime.core)
    client = TestClient(TestServer(pg.app))
    await client.start_server()
    try:
        ws = await client.ws_connect("/ws?channel=lobby&name=Ann&lang=en")
        assert (await ws.receive_json())["type"] == "hello"
        await ws.send_json({"type": "say", "text": "/adventure paris motion", "lang": "en"})
        async with asyncio.timeout(120):
            event = await ws.receive_json()
            while not event.get("video"):
                event = await ws.receive_json()
        assert event["animation"] and event["role"] == "bot" and "Eiffel Tower" in event["text"]
        res = await client.get(event["video"])
        assert res.status == 200 and res.headers["Content-Type"] == "video/mp4"
        assert (await res.read())[4:8] == b"ftyp"
        await ws.close()
    finally:
        await client.close()
        await pg.stop()


async def test_the_terminal_prints_where_the_loop_was_saved(make_core) -> None:
    from bot.adapters.console import chat_loop

    core = await make_core(image_cooldown_s=0, image_size=512)
    stdin, stdout = io.StringIO("/adventure paris motion\n"), io.StringIO()
    await chat_loop(core, user_name="Ana", group=False, stdin=stdin, stdout=stdout)
    m = re.search(r"\[animation saved: (\S+\.mp4)\]", stdout.getvalue())
    assert m is not None, stdout.getvalue()
    assert Path(m.group(1)).read_bytes()[4:8] == b"ftyp"


async def test_without_pyav_the_loop_is_webp_and_telegram_sends_it_as_a_file(make_core) -> None:
    from generators.images.cartoon import CartoonAvatarGenerator as Cartoons
    from generators.images.cutout import AvatarCutout
    from generators.images.studio import ImageStudio

    scenes = SceneMaker(IllustratedRenderer(), size=256)
    webp = MotionMaker(scenes, LoopEncoder("webp"), width=360, frames=FRAMES)
    studio = ImageStudio(scenes=scenes, cutout=AvatarCutout(), cartoon=Cartoons(), motion=webp)
    clock = FakeClock()
    core = await make_core(telegram_token="123:ABC", clock=clock, image_cooldown_s=0, images=studio)
    api = FakeBotAPI()
    adapter = TelegramAdapter(core, core.settings, request=api, clock=clock)
    await adapter.app.initialize()
    try:
        await adapter.app.process_update(
            Update.de_json(UpdateFactory().message("/adventure paris gif"), adapter.app.bot)
        )
    finally:
        await adapter.app.shutdown()
    assert not api.of("sendAnimation")
    (call,) = api.of("sendDocument")
    data = call.files["document"]
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP" and "Eiffel Tower" in call.params["caption"]
    with Image.open(io.BytesIO(data)) as im:
        assert im.is_animated and im.n_frames == FRAMES


async def test_a_generated_postcard_loops_too(make_core) -> None:
    from tests.tiny_diffusers import tiny_studio

    core = await make_core(image_cooldown_s=0, images=tiny_studio(diffusers=True, size=64))
    out = await say(core, ANA, "/adventure tokyo seed:7 motion")
    ((path, caption),) = out.animations
    assert "diffusers" in caption and path.suffix == ".mp4"
    with av.open(str(path)) as container:
        assert container.streams.video[0].frames == 30


class CountingRenderer:
    """The real renderer, counting the scenes it draws (a diffusers scene costs seconds on a GPU)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.inner(*args, **kwargs)


def test_a_postcard_and_its_loop_come_from_one_scene(tmp_path: Path, avatar: Image.Image) -> None:
    from diffusers import AutoPipelineForImage2Image

    from generators.images.cutout import AvatarCutout
    from generators.images.diffusion import DiffusionScenePipeline
    from generators.images.studio import ImageStudio
    from tests.tiny_diffusers import build_tiny_pipeline

    text2img = build_tiny_pipeline()
    pipe = DiffusionScenePipeline(text2img, AutoPipelineForImage2Image.from_pipe(text2img), steps=2)
    counted = CountingRenderer(pipe)
    scenes = SceneMaker(
        counted, harmoniser=pipe, size=64
    )  # harmonised: the still differs from the loop's scene
    motion = MotionMaker(scenes, LoopEncoder("mp4"), width=64, frames=FRAMES)
    studio = ImageStudio(
        scenes=scenes, cutout=AvatarCutout(), cartoon=CartoonAvatarGenerator(), motion=motion
    )
    paris = Catalogue.load().get("eiffel_tower")
    args = dict(now_utc=datetime(2026, 6, 1, 20, 0, tzinfo=UTC), seed=5, fmt="1:1", lang="en")
    card, loop = studio.postcard_with_loop(
        paris, [avatar], out_path=tmp_path / "a.jpg", loop_path=tmp_path / "a.mp4", **args
    )
    assert counted.calls == 1, "the loop reuses the still's scene"
    alone = studio.postcard(paris, [avatar], out_path=tmp_path / "b.jpg", **args)
    loop_alone = studio.motion(paris, [avatar], out_path=tmp_path / "b.mp4", **args)
    assert counted.calls == 3
    assert card.path.read_bytes() == alone.path.read_bytes(), "the same still as postcard()"
    assert loop.path.read_bytes() == loop_alone.path.read_bytes(), "the same loop as motion()"
