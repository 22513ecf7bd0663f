"""The daily postcard: `/config daily HH:MM [timezone]`, and the scheduler that has the channel's persona
post a postcard from a new place once a day.

Exactly once: each day's slot is claimed in the store (`SettingsRepo.claim`, a conditional insert)
before anything is drawn or sent, so a restart, or a second process on the same store, never posts it
twice. A slot is claimed only when an output to the channel exists (its platform's adapter is
running); otherwise it waits, and is posted when the adapter registers or at the next wake, as long
as it is still the channel's most recent slot. A slot missed while the bot was down is therefore
posted once on start; older missed days are skipped.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.admin import scope_of
from bot.core.avatars import AvatarStore
from bot.core.captions import hashtags, looks_clean
from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.daily_schedule import DailySchedule, Zones, parse_time
from bot.core.errors import UserFacingError
from bot.core.files import delete_files_async
from bot.core.i18n import t
from bot.core.models import Channel
from bot.core.output import ChatOutput, Outlets
from bot.core.ports import MessageRepo, PostcardSubmitter, SettingsRepo
from bot.core.streaming import split_text
from generators.dialogue.base import ChatTurn, DialogueBackend, GenerationConfig
from generators.images.formats import DEFAULT_FORMAT
from generators.landmarks import Catalogue, Landmark
from personas.model import Persona

if TYPE_CHECKING:
    from generators.gazetteer import PlaceResolver

log = logging.getLogger(__name__)

TEXTS: dict[str, dict[str, str]] = {
    "daily_set": {
        "en": "Daily postcard on: {persona} will post one here every day at {time} ({zone}). "
        "Next: {next}. Stop it with /config daily off",
        "zh": "每日明信片已开启：{persona} 每天 {time}（{zone}）会在这里发一张。下一张：{next}。"
        "用 /config daily off 关闭",
    },
    "daily_status": {
        "en": "Daily postcard: every day at {time} ({zone}); next: {next}. Stop it with /config daily off",
        "zh": "每日明信片：每天 {time}（{zone}）；下一张：{next}。用 /config daily off 关闭",
    },
    "daily_none": {
        "en": "No daily postcard here. An admin can start one with /config daily HH:MM [timezone], "
        "e.g. /config daily 09:00 Europe/Paris",
        "zh": "这里还没有每日明信片。管理员可以用 /config daily HH:MM [时区] 开启，"
        "例如 /config daily 09:00 Asia/Shanghai",
    },
    "daily_off": {"en": "Daily postcard stopped.", "zh": "每日明信片已关闭。"},
    "daily_was_off": {"en": "There was no daily postcard here.", "zh": "这里本来就没有每日明信片。"},
    "daily_bad_time": {
        "en": "“{time}” is not a time of day. Use HH:MM (24-hour), e.g. /config daily 09:00 Europe/Paris, "
        "or /config daily off",
        "zh": "“{time}”不是有效的时间。请用 24 小时制 HH:MM，例如 /config daily 09:00 Asia/Shanghai，"
        "或 /config daily off",
    },
    "daily_bad_zone": {
        "en": "I don't know the time zone “{zone}”. Try a name like Europe/Paris or America/New_York, "
        "an offset like UTC+8, or a city like Tokyo.",
        "zh": "不认识时区“{zone}”。请用 Asia/Shanghai、Europe/Paris 这样的名称，UTC+8 这样的偏移，"
        "或东京这样的城市名。",
    },
    "daily_title": {"en": "📮 {persona}'s daily postcard", "zh": "📮 {persona}的每日明信片"},
    "daily_story": {
        "en": "Today I'm at {place} in {city}! {fact} {catch}",
        "zh": "今天我在{city}的{place}！{fact}{catch}",
    },
}

SCHEDULE_KEY = "daily"  # in the channel's scope: the schedule, as JSON
SLOT_PREFIX = "daily_slot:"  # + the local date: the place posted that day (the claim)
ZONE_KEY = "timezone"  # in the server's scope: the zone an admin last gave, the default for the next
REPEAT_DAYS = 30  # no place twice within this many days
KEEP_DAYS = 40  # slot records and pictures older than this are pruned
MAX_WAIT_S = 900.0  # the scheduler looks again at least this often (clock jumps, late adapters)
STORY_TIMEOUT_S = 20.0
OFF_WORDS = {"off", "stop", "none", "disable", "关", "关闭", "停止"}
PersonaFor = Callable[[Channel], Awaitable[Persona]]


class DailyPostcards:
    """Keeps each channel's daily postcard schedule and posts the postcards (`start` runs the loop)."""

    def __init__(
        self,
        settings: SettingsRepo,
        messages: MessageRepo,
        outlets: Outlets,
        postcards: PostcardSubmitter,
        avatars: AvatarStore,
        dialogue: DialogueBackend,
        catalogue: Catalogue,
        clock: Clock,
        data_dir: Path,
        *,
        places: PlaceResolver | None = None,
        story_timeout_s: float = STORY_TIMEOUT_S,
    ) -> None:
        self.settings = settings
        self.messages = messages
        self.outlets = outlets
        self.postcards = postcards
        self.avatars = avatars
        self.dialogue = dialogue
        self.catalogue = catalogue
        self.clock = clock
        if places is None:
            from generators.gazetteer import PlaceResolver

            places = PlaceResolver(catalogue)  # signature landmarks only
        self.zones = Zones(places)  # city names: any town the resolver knows
        self.story_timeout_s = story_timeout_s
        self.data_dir = data_dir
        self.picture_dir = data_dir / "daily"
        self.persona_dir = data_dir / "persona-avatars"
        self.persona_for: PersonaFor | None = None
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self._pass = asyncio.Lock()
        self._state = asyncio.Condition()
        self._waiting_until: float | None = None
        outlets.on_register(self.wake)

    # ------------------------------------------------------------------ /config daily
    async def configure(self, ctx: Context) -> None:
        """`/config daily [HH:MM [timezone] | off]`: show, set or stop this channel's daily postcard."""
        command, channel = ctx.command, ctx.msg.channel
        when = command.string("time").strip() if command else ""
        zone_text = command.string("timezone").strip() if command else ""
        if not when:
            current = await self.get(channel.key)
            if current is None:
                await ctx.reply("daily_none")
                return
            await ctx.reply("daily_status", **self._shown(current))
            return
        if not ctx.msg.user.is_admin:
            raise UserFacingError("config_admin_only")
        if when.casefold() in OFF_WORDS:
            await ctx.reply("daily_off" if await self.stop(channel.key) else "daily_was_off")
            return
        hour_minute = parse_time(when)
        if hour_minute is None:
            raise UserFacingError("daily_bad_time", time=when[:20])
        if zone_text:
            zone = await asyncio.to_thread(self.zones.resolve, zone_text, ctx.lang)
            if zone is None:
                raise UserFacingError("daily_bad_zone", zone=zone_text[:60])
            await self.settings.set(scope_of(channel), ZONE_KEY, zone)
        else:
            zone = await self.settings.get(scope_of(channel), ZONE_KEY) or "UTC"
        schedule = DailySchedule(channel, *hour_minute, zone, ctx.lang, self.clock.now())
        await self.settings.set(_scope(channel.key), SCHEDULE_KEY, schedule.to_json())
        self.wake()
        await ctx.reply("daily_set", persona=ctx.persona.name, **self._shown(schedule))

    def _shown(self, schedule: DailySchedule) -> dict[str, str]:
        return {
            "time": f"{schedule.hour:02d}:{schedule.minute:02d}",
            "zone": schedule.zone,
            "next": schedule.local(schedule.next(self.clock.now())),
        }

    async def get(self, channel_key: str) -> DailySchedule | None:
        """The channel's schedule, or None."""
        raw = await self.settings.get(_scope(channel_key), SCHEDULE_KEY)
        return DailySchedule.from_json(channel_key, raw) if raw else None

    async def stop(self, channel_key: str) -> bool:
        """Stop the channel's daily postcard; False when it had none."""
        had = await self.settings.get(_scope(channel_key), SCHEDULE_KEY) is not None
        await self.settings.set(_scope(channel_key), SCHEDULE_KEY, None)
        self.wake()
        return had

    # ------------------------------------------------------------------ the loop
    def start(self, persona_for: PersonaFor) -> None:
        """Start posting; `persona_for` names the channel's persona (the core's rule)."""
        self.persona_for = persona_for
        self._task = asyncio.create_task(self._loop(), name="daily-postcards")

    async def aclose(self) -> None:
        """Stop the loop (a post being drawn is abandoned; its slot stays claimed)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def wake(self) -> None:
        """Look at the schedules again now (a schedule changed, or an adapter started)."""
        self._wake.set()

    async def settled(self) -> None:
        """Wait, without moving the clock, until the loop has nothing to do before its next deadline."""

        def idle() -> bool:
            until = self._waiting_until
            return until is not None and not self._wake.is_set() and self.clock.monotonic() < until

        async with self._state:
            await self._state.wait_for(idle)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                covered = self.clock.now()
                await self.run_due(covered)
                delay = await self._seconds_to_next(covered)
            except Exception:
                log.exception("daily postcards: a pass failed")
                delay = MAX_WAIT_S
            if delay <= 0:
                continue  # a slot came due while the pass ran
            async with self._state:
                self._waiting_until = self.clock.monotonic() + delay
                self._state.notify_all()
            try:
                async with self.clock.timeout(delay):
                    await self._wake.wait()
            except TimeoutError:
                pass
            async with self._state:
                self._waiting_until = None

    async def _seconds_to_next(self, covered: datetime) -> float:
        """Seconds from now to the first slot after `covered` (what the last pass looked at), capped."""
        first = covered + timedelta(seconds=MAX_WAIT_S)
        for schedule in await self._schedules():
            first = min(first, schedule.next(covered))
        return (first - self.clock.now()).total_seconds()

    async def _schedules(self) -> list[DailySchedule]:
        found = []
        for scope, raw in await self.settings.with_key(SCHEDULE_KEY):
            schedule = DailySchedule.from_json(scope.removeprefix("channel:"), raw)
            if schedule is None:
                log.warning("daily postcards: unreadable schedule in %s", scope)
            else:
                found.append(schedule)
        return found

    async def run_due(self, now: datetime | None = None) -> int:
        """Post every channel's most recent slot (at `now`, else the clock's now) that is not posted
        yet; how many were posted."""
        posted = 0
        async with self._pass:
            now = now or self.clock.now()
            for schedule in await self._schedules():
                day, slot = schedule.latest(now)
                scope = _scope(schedule.channel.key)
                if slot < schedule.since or await self.settings.get(scope, SLOT_PREFIX + day.isoformat()):
                    continue
                try:
                    posted += await self._post(schedule, day)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("daily postcard for %s failed", schedule.channel.key)
        return posted

    # ------------------------------------------------------------------ one post
    async def _post(self, schedule: DailySchedule, day: date) -> bool:
        key = schedule.channel.key
        out = await self.outlets.open(key)
        if out is None:
            log.info("daily postcard for %s waits: its platform is not connected", key)
            return False
        assert self.persona_for is not None, "start() first"
        persona = await self.persona_for(schedule.channel)
        scope = _scope(key)
        place = await self._choose_place(scope, day)
        if not await self.settings.claim(scope, SLOT_PREFIX + day.isoformat(), place.id):
            return False  # another process (or pass) posted it
        await self._prune(scope, day)
        seed = int.from_bytes(hashlib.sha256(f"{key}|{day}".encode()).digest()[:4], "big")
        lang = schedule.lang
        story = await self.story(persona, place, lang, seed)
        caption = f"{t('daily_title', lang, persona=persona.name)}\n{story}\n{hashtags(place, persona)}"
        picture = await self._picture(persona, place, key, day, seed, lang)
        await self._send(out, picture, caption)
        await self.messages.add(key, None, persona.name, "assistant", story)
        log.info("daily postcard for %s: %s", key, place.id)
        return True

    async def _send(self, out: ChatOutput, picture: Path | None, caption: str) -> None:
        if picture is not None:
            await out.send_image(picture, caption)
            return
        for part in split_text(caption, out.max_len):
            await out.send(part)

    async def _choose_place(self, scope: str, day: date) -> Landmark:
        """A place not posted in this channel within REPEAT_DAYS (else the longest ago); varied per day."""
        cutoff = (day - timedelta(days=REPEAT_DAYS - 1)).isoformat()
        last_used: dict[str, str] = {}
        for slot_key, place_id in (await self.settings.prefixed(scope, SLOT_PREFIX)).items():
            slot_day = slot_key.removeprefix(SLOT_PREFIX)
            last_used[place_id] = max(last_used.get(place_id, ""), slot_day)
        places = sorted(self.catalogue.all(), key=lambda lm: lm.id)
        fresh = [lm for lm in places if last_used.get(lm.id, "") < cutoff]
        if not fresh:
            oldest = min(last_used.get(lm.id, "") for lm in places)
            fresh = [lm for lm in places if last_used.get(lm.id, "") == oldest]
        rng = random.Random(f"{scope}|{day.isoformat()}")
        return rng.choice(fresh)

    async def _prune(self, scope: str, day: date) -> None:
        cutoff = (day - timedelta(days=KEEP_DAYS)).isoformat()
        for slot_key in await self.settings.prefixed(scope, SLOT_PREFIX):
            if slot_key.removeprefix(SLOT_PREFIX) < cutoff:
                await self.settings.set(scope, slot_key, None)
        stem = _file_stem(scope)

        def expired() -> list[str]:
            olds = self.picture_dir.glob(f"{stem}-*.jpg")
            return [str(old) for old in olds if old.stem.removeprefix(f"{stem}-") < cutoff]

        await delete_files_async(await asyncio.to_thread(expired), self.data_dir)

    async def story(self, persona: Persona, place: Landmark, lang: str, seed: int) -> str:
        """Two or three 'today I'm in…' sentences in the persona's voice; a template when the model is
        slow, fails or writes something unusable."""
        facts = list(place.facts.get(lang) or place.facts.get("en") or ())
        rng = random.Random(seed)
        catches = list(persona.catchphrases.get(lang, ())) or [""]
        fallback = t(
            "daily_story",
            lang,
            place=place.name(lang),
            city=place.city_name(lang),
            fact=rng.choice(facts) if facts else "",
            catch=rng.choice(catches),
        )
        fallback = " ".join(fallback.split())
        if lang not in self.dialogue.languages:
            return fallback
        language = {"en": "English", "zh": "Chinese"}.get(lang, "English")
        system = (
            f"You are {persona.name}. {persona.personality} Speaking style: {persona.speaking_style}\n"
            f"Write 2 or 3 short sentences in {language}, in the first person, for a postcard you send "
            f"your friends today from {place.name(lang)} in {place.city_name(lang)}. "
            "Begin with 'Today I'm at'. No numbers, no hashtags, no lists."
        )
        turns = [ChatTurn("system", system), ChatTurn("user", f"Where are you today, {persona.name}?")]
        config = GenerationConfig(
            max_new_tokens=96, temperature=0.7, seed=seed, timeout_s=self.story_timeout_s
        )
        try:
            async with self.clock.timeout(self.story_timeout_s):
                out = await self.dialogue.generate(turns, config)
        except Exception:
            log.warning("daily story: the model failed or was slow; using the template", exc_info=True)
            return fallback
        text = " ".join(out.text.strip().strip('"“”').split())
        sentences = re.split(r"(?<=[.!?。！？])\s*", text)
        text = ("" if lang == "zh" else " ").join(s for s in sentences[:3] if s).strip()
        allowed = set(re.findall(r"\d+", " ".join(facts)))
        if not looks_clean(text, lang, allowed) or place.name(lang).casefold() not in text.casefold():
            return fallback
        return text

    async def _persona_avatar(self, persona: Persona) -> bytes:
        """The persona drawn as a cartoon from its appearance (seeded by its id), cached on disk."""
        digest = hashlib.sha256(f"{persona.id}|{persona.appearance}".encode()).hexdigest()[:16]
        path = self.persona_dir / f"{persona.id}-{digest}.png"

        def draw() -> bytes:
            if not path.is_file():
                seed = int.from_bytes(hashlib.sha256(persona.id.encode()).digest()[:4], "big")
                self.avatars.draw_cartoon(persona.appearance[:300], seed, path)
            return path.read_bytes()

        return await asyncio.to_thread(draw)

    async def _picture(
        self, persona: Persona, place: Landmark, key: str, day: date, seed: int, lang: str
    ) -> Path | None:
        """The persona's postcard from the place, drawn on the image queue; None when drawing fails."""
        out_path = self.picture_dir / f"{_file_stem(_scope(key))}-{day.isoformat()}.jpg"
        try:
            avatar = await self._persona_avatar(persona)
            future, _ahead = await self.postcards.submit_postcard(
                f"daily:{key}",
                place,
                [avatar],
                now=self.clock.now(),
                seed=seed,
                fmt=DEFAULT_FORMAT,
                lang=lang,
                out_path=out_path,
                caption_style=persona.caption_style,
            )
            result = await future
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("daily postcard picture for %s failed; posting the story alone", key)
            return None
        return Path(result.path)


def _scope(channel_key: str) -> str:
    return f"channel:{channel_key}"


def _file_stem(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]
