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
import json
import logging
import random
import re
import zoneinfo
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path

from bot.core.admin import scope_of
from bot.core.captions import hashtags, looks_clean
from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.i18n import t
from bot.core.models import Channel, ChannelKind
from bot.core.output import ChatOutput, Outlets
from bot.core.ports import ImageStudio, MessageRepo, PostcardSubmitter, SettingsRepo
from bot.core.streaming import split_text
from generators.dialogue.base import ChatTurn, DialogueBackend, GenerationConfig
from generators.images.formats import DEFAULT_FORMAT
from generators.landmarks import Catalogue, Landmark
from personas.model import Persona

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
_TIME = re.compile(r"^(\d{1,2})(?:[:.：h](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-−])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
# A few cities people name that are not an IANA zone's own city nor in the landmark catalogue.
_CITIES = {
    "beijing": "Asia/Shanghai",
    "北京": "Asia/Shanghai",
    "上海": "Asia/Shanghai",
    "香港": "Asia/Hong_Kong",
    "台北": "Asia/Taipei",
    "东京": "Asia/Tokyo",
    "新加坡": "Asia/Singapore",
    "伦敦": "Europe/London",
    "巴黎": "Europe/Paris",
    "纽约": "America/New_York",
    "洛杉矶": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles",
    "悉尼": "Australia/Sydney",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "washington": "America/New_York",
    "boston": "America/New_York",
    "seattle": "America/Los_Angeles",
    "beijing time": "Asia/Shanghai",
    "北京时间": "Asia/Shanghai",
}


def parse_time(text: str) -> tuple[int, int] | None:
    """'09:00', '9:30', '21h15', '9pm' as (hour, minute), or None."""
    m = _TIME.match(text.strip())
    if not m:
        return None
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59 or (m.group(2) is None and not half):
        return None
    return hour, minute


def offset_zone(name: str) -> timezone | None:
    """A fixed offset such as 'UTC+8', 'GMT-05:30' or '+0530', or None."""
    m = _OFFSET.match(name.strip())
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes > 59 or (hours == 14 and minutes):
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if m.group(1) in "-−" else delta)


def zone_of(name: str) -> tzinfo:
    """The tzinfo of a stored zone name (an IANA name, 'UTC' or 'UTC+08:00'); UTC when unreadable."""
    fixed = offset_zone(name)
    if fixed is not None:
        return fixed
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


class Zones:
    """Time zone names as people type them: IANA names in any case, offsets, and city names."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._names: dict[str, str] | None = None

    def _table(self) -> dict[str, str]:
        if self._names is None:
            names: dict[str, str] = {}
            for zone in sorted(zoneinfo.available_timezones()):
                names.setdefault(zone.casefold(), zone)
                city = zone.rsplit("/", 1)[-1].replace("_", " ").casefold()
                if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/")):
                    names.setdefault(city, zone)
            for lm in self.catalogue.all():
                for city in (*lm.city.values(), *lm.city_aliases):
                    names.setdefault(city.casefold(), lm.timezone)
            names.update({k.casefold(): v for k, v in _CITIES.items()})
            self._names = names
        return self._names

    def resolve(self, text: str) -> str | None:
        """The stored name of the zone `text` means, or None when it means none."""
        text = " ".join(text.split()).strip()
        if not text or len(text) > 60:
            return None
        if text.casefold() in ("utc", "gmt", "z", "utc+0", "gmt+0"):
            return "UTC"
        fixed = offset_zone(text)
        if fixed is not None:
            offset = fixed.utcoffset(None)
            if not offset:
                return "UTC"
            sign = "-" if offset < timedelta(0) else "+"
            minutes = abs(int(offset.total_seconds())) // 60
            return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
        return self._table().get(text.casefold()) or self._table().get(text.casefold().replace("_", " "))


@dataclass(frozen=True, slots=True)
class DailySchedule:
    """One channel's daily postcard: the local time, the zone, the story's language, and since when."""

    channel: Channel
    hour: int
    minute: int
    zone: str
    lang: str
    since: datetime

    def to_json(self) -> str:
        """The schedule as stored."""
        return json.dumps(
            {
                "at": f"{self.hour:02d}:{self.minute:02d}",
                "zone": self.zone,
                "lang": self.lang,
                "since": self.since.astimezone(UTC).isoformat(),
                "kind": str(self.channel.kind),
                "space": self.channel.space,
                "title": self.channel.title[:100],
            }
        )

    @classmethod
    def from_json(cls, channel_key: str, raw: str) -> DailySchedule | None:
        """A stored schedule, or None when it can't be read."""
        try:
            data = json.loads(raw)
            hour, minute = (int(x) for x in str(data["at"]).split(":"))
            platform, _, platform_id = channel_key.partition(":")
            channel = Channel(
                platform,
                platform_id,
                ChannelKind(data.get("kind", "group")),
                title=str(data.get("title", "")),
                space=str(data.get("space", "")),
            )
            since = datetime.fromisoformat(data["since"])
            return cls(channel, hour, minute, str(data["zone"]), str(data.get("lang", "en")), since)
        except (ValueError, KeyError, TypeError):
            return None

    def slot(self, day: date) -> datetime:
        """That local day's posting time, in UTC."""
        local = datetime.combine(day, time(self.hour, self.minute), tzinfo=zone_of(self.zone))
        return local.astimezone(UTC)

    def latest(self, now: datetime) -> tuple[date, datetime]:
        """The most recent slot at or before `now`: (its local day, its time)."""
        day = now.astimezone(zone_of(self.zone)).date()
        if self.slot(day) > now:
            day -= timedelta(days=1)
        return day, self.slot(day)

    def next(self, now: datetime) -> datetime:
        """The first slot after `now`."""
        day, _ = self.latest(now)
        return self.slot(day + timedelta(days=1))

    def local(self, at: datetime) -> str:
        """`at` as the channel's local date and time."""
        return at.astimezone(zone_of(self.zone)).strftime("%Y-%m-%d %H:%M")


PersonaFor = Callable[[Channel], Awaitable[Persona]]


class DailyPostcards:
    """Keeps each channel's daily postcard schedule and posts the postcards (`start` runs the loop)."""

    def __init__(
        self,
        settings: SettingsRepo,
        messages: MessageRepo,
        outlets: Outlets,
        postcards: PostcardSubmitter,
        studio: ImageStudio,
        dialogue: DialogueBackend,
        catalogue: Catalogue,
        clock: Clock,
        data_dir: Path,
        *,
        story_timeout_s: float = STORY_TIMEOUT_S,
    ) -> None:
        self.settings = settings
        self.messages = messages
        self.outlets = outlets
        self.postcards = postcards
        self.studio = studio
        self.dialogue = dialogue
        self.catalogue = catalogue
        self.clock = clock
        self.zones = Zones(catalogue)
        self.story_timeout_s = story_timeout_s
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
            zone = self.zones.resolve(zone_text)
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
        for old in self.picture_dir.glob(f"{stem}-*.jpg"):
            if old.stem.removeprefix(f"{stem}-") < cutoff:
                old.unlink(missing_ok=True)

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
                image = self.studio.cartoon(persona.appearance[:300], seed=seed, size=512).image
                self.persona_dir.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(".part")
                image.save(partial, format="PNG")
                partial.replace(path)
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
