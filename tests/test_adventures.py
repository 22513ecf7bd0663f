"""Adventures end to end through the core: both image paths, captions, journal, friends, limits."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from bot.core.clock import FakeClock
from bot.core.models import Channel, ChannelKind, IncomingMessage, User
from tests.outputs import RecordingOutput

ANA = User("web", "ana", "Ana")
BEN = User("web", "ben", "Ben")
LI = User("web", "li", "Li", locale="zh-CN")
ROOM = Channel("web", "lobby", ChannelKind.GROUP)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def say(core, user: User, text: str, **kw) -> RecordingOutput:
    out = RecordingOutput()
    await core.handle(IncomingMessage(user, ROOM, text, mentions_bot=True, **kw), out)
    return out


@pytest.fixture(scope="module")
def tiny_sd_dir(tmp_path_factory) -> Path:
    from tests.tiny_diffusers import save_tiny_pipeline

    return save_tiny_pipeline(tmp_path_factory.mktemp("tiny-sd"))


async def test_offline_path_is_seeded_and_rerolls(make_core) -> None:
    # The postmark shows the minute, so "same seed, same picture" is checked at one fixed time.
    core = await make_core(image_cooldown_s=0, image_size=512, clock=FakeClock())
    await say(core, ANA, "/avatar create long brown hair, glasses, pink hoodie")
    a = await say(core, ANA, "/adventure take me to paris please seed:42")
    b = await say(core, ANA, "/adventure Paris seed:42")
    c = await say(core, ANA, "/adventure paris seed:43")
    (pa, cap_a), (pb, _), (pc, _) = a.images[0], b.images[0], c.images[0]
    assert sha(pa) == sha(pb) != sha(pc)
    assert "Eiffel Tower" in cap_a and "#AvatarAdventures" in cap_a and "seed 42" in cap_a
    assert "illustrated" in cap_a.lower()
    with Image.open(pa) as im:
        assert im.size == (1080, 1080) and not im.info.get("exif")
    assert pa.stat().st_size < 8 * 1024 * 1024
    actions = [btn.action for btn in a.buttons[-1]]
    adv_id = actions[0].removeprefix("reroll:")
    assert actions == [
        f"reroll:{adv_id}",
        f"format:{adv_id}:4:5",
        f"format:{adv_id}:9:16",
        f"motion:{adv_id}",
        f"speak:{adv_id}",
    ]
    journal = await core.memory.adventures.list(ANA.key)
    assert len(journal) == 3 and journal[0].path_used == "illustrated" and journal[0].image_sha256 == sha(pc)


async def test_reroll_and_format_buttons(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=512)
    first = await say(core, ANA, "/adventure rome seed:5")
    reroll, fmt_45 = first.buttons[-1][0].action, first.buttons[-1][1].action
    again = RecordingOutput()
    await core.handle_action(ANA, IncomingMessage(ANA, ROOM, ""), reroll, again)
    assert again.images and sha(again.images[0][0]) != sha(first.images[0][0])
    portrait = RecordingOutput()
    await core.handle_action(ANA, IncomingMessage(ANA, ROOM, ""), fmt_45, portrait)
    with Image.open(portrait.images[0][0]) as im:
        assert im.size == (1080, 1350)
    recs = await core.memory.adventures.list(ANA.key)
    assert recs[0].seed == 5 and recs[0].format == "4:5"


async def test_chinese_place_name_gives_a_chinese_caption_from_true_facts(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=512)
    out = await say(core, LI, "/adventure 巴黎")
    path, caption = out.images[0]
    from generators.landmarks import Catalogue

    eiffel = Catalogue.load().get("eiffel_tower")
    assert "埃菲尔铁塔" in caption
    assert any(fact in caption for fact in eiffel.facts["zh"]), "a catalogue fact, not an invented one"
    assert "离线插画" in caption


async def test_unknown_place_suggests_and_makes_no_image(make_core) -> None:
    core = await make_core(image_cooldown_s=0)
    out = await say(core, ANA, "/adventure eifel towr")
    assert out.images, "typos still match"
    nothing = await say(core, ANA, "/adventure Atlantis")
    assert nothing.images == [] and "Did you mean" in nothing.text
    assert len(await core.memory.adventures.list(ANA.key)) == 1


async def test_friends_appear_together_only_with_an_avatar(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=512)
    await say(core, BEN, "/avatar create short black hair, beard")
    out = await say(core, ANA, "/adventure sydney with @Ben", mentioned_users=(BEN,))
    assert out.images and "Ben" in out.images[0][1]
    nobody = User("web", "zoe", "Zoe")
    solo = await say(core, ANA, "/adventure sydney with @Zoe", mentioned_users=(nobody,))
    assert "Zoe has no avatar" in solo.text and solo.images


async def test_scene_geometry_keeps_the_landmark_clear(tmp_path: Path) -> None:
    from generators.images.illustrated import IllustratedRenderer
    from generators.images.scenes import SceneMaker
    from generators.landmarks import Catalogue

    maker = SceneMaker(IllustratedRenderer(), size=512)
    avatar = Image.new("RGBA", (200, 400), (200, 30, 30, 255))
    for lm in Catalogue.load().all()[::6]:
        from datetime import UTC, datetime

        res = maker(
            lm,
            [avatar, avatar],
            now_utc=datetime(2026, 3, 1, 9, tzinfo=UTC),
            seed=1,
            fmt="1:1",
            lang="en",
            out_path=tmp_path / f"geo-{lm.id}.jpg",
        )
        x0, y0, x1, y1 = res.landmark_box
        for ax0, ay0, ax1, ay1 in res.avatar_boxes:
            assert 0 <= ax0 < ax1 <= 512 and 0 <= ay0 < ay1 <= 512
            overlap = max(0, min(x1, ax1) - max(x0, ax0)) * max(0, min(y1, ay1) - max(y0, ay0))
            assert overlap <= 0.02 * (ax1 - ax0) * (ay1 - ay0), lm.id


async def test_diffusers_path_with_a_tiny_pipeline(make_core, tiny_sd_dir: Path) -> None:
    core = await make_core(
        image_cooldown_s=0, image_model=str(tiny_sd_dir), image_size=64, image_steps=2, clock=FakeClock()
    )
    a = await say(core, ANA, "/adventure tokyo seed:7")
    b = await say(core, ANA, "/adventure tokyo seed:7")
    assert a.images and "diffusers" in a.images[0][1]
    assert sha(a.images[0][0]) == sha(b.images[0][0])
    assert (await core.memory.adventures.list(ANA.key))[0].path_used == "diffusers"


async def test_unloadable_image_model_falls_back_to_the_offline_renderer(make_app, tmp_path: Path) -> None:
    app = await make_app(image_cooldown_s=0, image_model=str(tmp_path / "missing"), image_size=256)
    core = app.core
    out = await say(core, ANA, "/adventure cairo")
    assert out.images and "illustrated" in out.images[0][1].lower()
    assert "did not load" in app.adventures.studio.scenes.fallback_reason


async def test_an_injected_studio_makes_the_images(make_core) -> None:
    from tests.tiny_diffusers import tiny_studio

    core = await make_core(image_cooldown_s=0, images=tiny_studio(diffusers=True, size=64))
    assert core.settings.image_model is None, "the studio, not the settings, decides the path"
    out = await say(core, ANA, "/adventure tokyo seed:7")
    assert out.images and "diffusers" in out.images[0][1]
    assert (await core.memory.adventures.list(ANA.key))[0].path_used == "diffusers"


async def test_cooldown_and_daily_quota(make_core) -> None:
    core = await make_core(image_cooldown_s=60, image_size=256)
    assert (await say(core, ANA, "/adventure rio")).images
    wait = await say(core, ANA, "/adventure rio")
    assert wait.images == [] and "try again in" in wait.text
    capped = await make_core(
        image_cooldown_s=0,
        image_daily_quota=1,
        image_size=256,
        data_dir=core.settings.avatar_data_dir.parent / "q",
    )
    assert (await say(capped, ANA, "/adventure rio")).images
    assert "limit" in (await say(capped, ANA, "/adventure rio")).text


async def test_journal_passport_and_remembered_trips(make_app) -> None:
    app = await make_app(image_cooldown_s=0, image_size=256)
    core = app.core
    await say(core, ANA, "/adventure tokyo tower")
    second = await say(core, ANA, "/adventure paris")
    assert "After Tokyo Tower" in second.images[0][1], "the caption remembers the last trip"
    journal = await say(core, ANA, "/journal")
    assert "Tokyo Tower" in journal.text and "Eiffel Tower" in journal.text
    passport = await say(core, ANA, "/passport")
    with Image.open(passport.images[0][0]) as im:
        assert im.size == (1080, 1440)
    lines = await app.adventures.journal_lines(ANA.key, "en")
    assert lines[0].startswith("Eiffel Tower in Paris")


async def test_landmarks_listing_filters_by_continent_and_country(make_core) -> None:
    core = await make_core()
    everything = await say(core, ANA, "/landmarks")
    assert everything.text.count("•") >= 44
    asia = await say(core, ANA, "/landmarks 亚洲")
    assert "泰姬陵" in asia.text and "埃菲尔" not in asia.text
    japan = await say(core, ANA, "/landmarks japan")
    assert "Mount Fuji" in japan.text and "Colosseum" not in japan.text


async def test_two_requests_at_once_from_one_user_give_one_postcard_and_one_busy_note(make_core) -> None:
    import asyncio

    core = await make_core(image_cooldown_s=0, image_size=256)
    first, second = RecordingOutput(), RecordingOutput()
    await asyncio.gather(
        core.handle(IncomingMessage(ANA, ROOM, "/adventure rome", mentions_bot=True), first),
        core.handle(IncomingMessage(ANA, ROOM, "/adventure cairo", mentions_bot=True), second),
    )
    images = first.images + second.images
    assert len(images) == 1 and images[0][0].is_file()
    assert "still on its way" in (first.text + second.text)
    assert "Sorry" not in first.text + second.text


async def test_image_backend_failures_apologise_and_the_next_request_works(make_app) -> None:
    import threading

    from bot.core.i18n import t

    class FlakyScenes:
        """The real scene maker, behind a simulated out-of-memory error and then a hang."""

        def __init__(self, real) -> None:
            self.real, self.calls, self.release = real, 0, threading.Event()

        def __call__(self, *args, **kwargs):
            self.calls += 1
            if self.calls == 1:
                raise MemoryError("simulated out of memory")
            if self.calls == 2:
                self.release.wait(10)
                raise RuntimeError("hung past the timeout")
            return self.real(*args, **kwargs)

    from tests.tiny_diffusers import tiny_studio

    flaky = FlakyScenes(tiny_studio(size=256).scenes)
    app = await make_app(image_cooldown_s=0, image_timeout_s=0.5, images=tiny_studio(scenes=flaky))
    core = app.core
    try:
        oom = await say(core, ANA, "/adventure rome")
        assert oom.images == [] and t("image_failed", "en") in oom.text
        hung = await say(core, ANA, "/adventure rome")
        assert hung.images == [] and t("job_timeout", "en") in hung.text
        other = await say(core, BEN, "Luna, are you still there?")
        assert other.text.strip(), "other users carry on while the image path fails"
        ok = await say(core, ANA, "/adventure rome")
        assert ok.images and ok.images[0][0].is_file()
    finally:
        flaky.release.set()
    assert app.adventures.queue.stats.failed == 1 and app.adventures.queue.stats.timed_out == 1


async def test_someone_else_pressing_reroll_sends_their_own_avatar_to_that_place(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=256)
    first = await say(core, ANA, "/adventure rome seed:5")
    reroll = first.buttons[-1][0].action
    theirs = RecordingOutput()
    await core.handle_action(BEN, IncomingMessage(BEN, ROOM, ""), reroll, theirs)
    assert theirs.images and "Colosseum" in theirs.images[0][1] and "Ben" in theirs.images[0][1]
    assert [r.landmark_id for r in await core.memory.adventures.list(BEN.key)] == ["colosseum"]
    assert len(await core.memory.adventures.list(ANA.key)) == 1
    gone = RecordingOutput()
    await core.handle_action(BEN, IncomingMessage(BEN, ROOM, ""), "reroll:999999", gone)
    assert "can't find that adventure" in gone.text


def test_caption_lines_from_the_model_are_checked_before_use() -> None:
    from bot.core.captions import looks_clean, names_everyone

    assert looks_clean("Ana is loving the harbour breeze today!", "en", set())
    assert not looks_clean("\ufffdTful% lov to", "en", set()), "a broken byte is never shown"
    assert not looks_clean("Ana climbed all 1710 steps!", "en", {"1665"}), "no invented numbers"
    assert not looks_clean("安娜在悉尼歌剧院！", "en", set()), "off-language"
    assert names_everyone("Ana and BEN wave from the steps", ["Ana", "Ben"])
    assert not names_everyone("Ana waves from the steps", ["Ana", "Ben"]), "a friend left out"


async def test_journal_counts_read_naturally(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=256)
    await say(core, ANA, "/adventure paris")
    assert "1 trip, 1 place." in (await say(core, ANA, "/journal")).text
    await say(core, ANA, "/adventure rome")
    assert "2 trips, 2 places." in (await say(core, ANA, "/journal")).text


def test_template_captions_read_as_english_sentences() -> None:
    from datetime import UTC, datetime

    from bot.core.captions import template_caption
    from generators.landmarks import Catalogue
    from personas.toml_io import read_toml

    luna, _ = read_toml(Path("personas/luna.toml"), source="builtin")
    cat = Catalogue.load()
    now = datetime(2026, 11, 29, tzinfo=UTC)
    for seed in range(3):
        tower = template_caption(
            cat.get("eiffel_tower"), luna, user="Ana", lang="en", seed=seed, previous=None, now=now
        )
        assert "the Eiffel Tower" in tower
        fuji = template_caption(
            cat.get("mount_fuji"), luna, user="Ana", lang="en", seed=seed, previous=None, now=now
        )
        assert "Mount Fuji" in fuji and "the Mount Fuji" not in fuji
        zh = template_caption(
            cat.get("eiffel_tower"), luna, user="安娜", lang="zh", seed=seed, previous=None, now=now
        )
        assert "埃菲尔铁塔" in zh and "the " not in zh


# ------------------------------------------------------------ any town on Earth (the gazetteer)
async def test_any_city_gets_a_postcard_journal_line_and_passport_stamp(make_app) -> None:
    app = await make_app(image_cooldown_s=0, image_size=256)
    core = app.core
    out = await say(core, ANA, "/adventure kyoto seed:7")
    path, caption = out.images[0]
    assert "Kyoto" in caption and "seed 7" in caption
    rec = (await core.memory.adventures.list(ANA.key))[0]
    assert rec.landmark_id == "geo:1857910" and rec.seed == 7
    journal = await say(core, ANA, "/journal")
    assert "Kyoto, Japan" in journal.text
    li = await say(core, LI, "/adventure 京都")
    assert li.images and "京都" in li.images[0][1]
    passport = await say(core, ANA, "/passport")
    assert passport.images and "1 stamp" in passport.images[0][1]
    lines = await app.adventures.journal_lines(ANA.key, "en")
    assert lines[0].startswith("Kyoto in Japan")


async def test_an_ambiguous_name_asks_and_the_button_runs_the_adventure(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=256)
    asked = await say(core, ANA, "/adventure Springfield seed:3 format:4:5")
    assert not asked.images
    assert "Which Springfield" in asked.text and "Illinois" in asked.text and "Missouri" in asked.text
    buttons = asked.buttons[-1]
    illinois = next(b for b in buttons if "Illinois" in b.label)
    assert all(b.action.startswith("goto:") and len(b.action.encode()) <= 64 for b in buttons)
    pressed = RecordingOutput()
    await core.handle_action(ANA, IncomingMessage(ANA, ROOM, ""), illinois.action, pressed)
    path, caption = pressed.images[0]
    assert "Springfield" in caption and "seed 3" in caption
    with Image.open(path) as im:
        assert im.size == (1080, 1350)  # the format asked for survives the question
    rec = (await core.memory.adventures.list(ANA.key))[0]
    assert rec.landmark_id == "geo:4250542" and rec.seed == 3 and rec.format == "4:5"


async def test_fiction_is_refused_and_paris_is_still_the_eiffel_tower(make_core) -> None:
    core = await make_core(image_cooldown_s=0, image_size=256)
    atlantis = await say(core, ANA, "/adventure Atlantis")
    assert not atlantis.images and "I don't know a place called \u201cAtlantis\u201d" in atlantis.text
    paris = await say(core, ANA, "/adventure paris")
    assert "Eiffel Tower" in paris.images[0][1]
    assert (await core.memory.adventures.list(ANA.key))[0].landmark_id == "eiffel_tower"


async def test_usage_and_landmarks_say_any_city_works(make_core) -> None:
    core = await make_core()
    assert "Any city or town on Earth" in (await say(core, ANA, "/adventure")).text
    listing = await say(core, ANA, "/landmarks")
    assert "any city or town on Earth" in listing.text and listing.text.count("•") >= 44
    assert "任何城市或小镇" in (await say(core, LI, "/landmarks")).text


async def test_a_stale_or_forged_place_button_is_answered_not_crashed(make_core) -> None:
    core = await make_core(image_cooldown_s=0)
    for action in ("goto:999999999::", "goto:abc", "goto:"):
        out = RecordingOutput()
        await core.handle_action(ANA, IncomingMessage(ANA, ROOM, ""), action, out)
        assert not out.images and "can't find that adventure" in out.text
