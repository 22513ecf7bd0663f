"""`/trip PLACE`: a 60-second boarding call others join with a button, then one postcard of everyone.

The organiser is the first traveller; up to eight board, each person once (linked accounts are one
person). Limits are checked when someone boards and counted once per person when the trip leaves; the
postcard goes through the adventure feature's pipeline and into every traveller's journal.

Boarding calls live in this process's memory only, and nothing about them is stored: if the bot
restarts while one is open, that trip is simply gone (nobody was charged for it), and its buttons
answer that it has left. With several bot processes a call lives in the one that opened it (a Discord
guild's presses reach its own shard); a press that another process handles finds no trip there.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.core.adventure_args import PLACE
from bot.core.captions import names_together
from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.feature import Feature
from bot.core.i18n import t
from bot.core.output import Button, SentMessage
from bot.core.ports import Travel, UserRepo
from bot.core.registry import ActionHandler, CommandSpec, Words
from generators.errors import InputError
from generators.images.formats import DEFAULT_FORMAT
from generators.landmarks import Landmark

log = logging.getLogger(__name__)

TRIP = "trip"  # the button action: trip:join:ID, trip:leave:ID, trip:go:ID
MAX_TRAVELLERS = 8
BOARDING_S = 60.0
KEEP_LEFT = 64  # trips that left and are remembered (in memory) to answer a late press

TEXTS: dict[str, dict[str, str]] = {
    "trip_boarding": {
        "en": "🧳 {organiser} is taking a group trip to {place}, {city}! Tap “Join the trip” within "
        "{seconds} s; up to {max} travellers.\nOn board ({count}/{max}): {names}",
        "zh": "🧳 {organiser} 发起了去{city}{place}的旅行团！请在 {seconds} 秒内点“加入旅行团”，"
        "最多 {max} 人。\n已上车（{count}/{max}）：{names}",
    },
    "trip_usage": {
        "en": "Where to? e.g. /trip paris: friends tap “Join the trip” within 60 s, and up to {max} of you "
        "land in one postcard. See /landmarks for the places.",
        "zh": "想去哪里？例如 /trip 巴黎：朋友们在 60 秒内点“加入旅行团”，最多 {max} 人合影一张明信片。"
        "用 /landmarks 查看所有地点。",
    },
    "trip_departed": {
        "en": "🛫 Boarding closed: {names} ({count}/{max}) are off to {place}!",
        "zh": "🛫 停止登车：{names}（{count}/{max}）出发去{place}了！",
    },
    "trip_drawn": {
        "en": "No avatar yet, so I drew a cartoon one for: {names}.",
        "zh": "还没有头像，所以我给他们画了卡通头像：{names}。",
    },
    "trip_joined": {
        "en": "{name} is on board for {place} ({count}/{max}).",
        "zh": "{name} 已登上去{place}的旅行团（{count}/{max}）。",
    },
    "trip_already": {
        "en": "You're already on board for {place}.",
        "zh": "你已经在去{place}的旅行团里了。",
    },
    "trip_full": {
        "en": "Sorry, the trip to {place} is full ({max} travellers).",
        "zh": "抱歉，去{place}的旅行团已满（{max} 人）。",
    },
    "trip_closed": {
        "en": "That trip has already left. Start your own with /trip PLACE.",
        "zh": "这个旅行团已经出发了。用 /trip 地点 发起你自己的旅行团吧。",
    },
    "trip_open_here": {
        "en": "A trip to {place} is already boarding here ({count}/{max}): {names}. Hop on!",
        "zh": "这里已经有去{place}的旅行团正在登车（{count}/{max}）：{names}。快上车！",
    },
    "trip_got_off": {
        "en": "{name} got off the trip to {place} ({count}/{max}).",
        "zh": "{name} 退出了去{place}的旅行团（{count}/{max}）。",
    },
    "trip_not_aboard": {
        "en": "You're not on this trip.",
        "zh": "你不在这个旅行团里。",
    },
    "trip_organiser_stays": {
        "en": "You called this trip, so you stay on board. Tap “Depart now” to leave early.",
        "zh": "这个旅行团是你发起的，所以你要留在车上。点“立即出发”可以提前出发。",
    },
    "trip_organiser_only": {
        "en": "Only {name}, who called this trip, can send it off early.",
        "zh": "只有发起人 {name} 才能让旅行团提前出发。",
    },
    "button_trip_join": {"en": "Join the trip", "zh": "加入旅行团"},
    "button_trip_leave": {"en": "Leave", "zh": "下车"},
    "button_trip_go": {"en": "Depart now", "zh": "立即出发"},
}


@dataclass(frozen=True, slots=True)
class Traveller:
    """One person on board: who they are across platforms, the account they boarded with, their name."""

    person: str
    user_key: str
    name: str


@dataclass(eq=False)
class Boarding:
    """An open boarding call: where to, who called it (their context answers), who is on board."""

    id: str
    landmark: Landmark
    ctx: Context
    message: SentMessage
    deadline: float  # the clock's monotonic time when boarding closes
    travellers: list[Traveller] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    closed: bool = False  # boarding is over: the trip is leaving or has left
    timer: asyncio.Task[None] | None = None

    def names(self) -> list[str]:
        """The travellers' names, organiser first."""
        return [tr.name for tr in self.travellers]

    def aboard(self, person: str) -> Traveller | None:
        """The traveller who is `person`, if on board."""
        return next((tr for tr in self.travellers if tr.person == person), None)


class Trips(Feature):
    """Group trips: `/trip PLACE`, its Join / Leave / Depart-now buttons, and the departure."""

    def __init__(self, travel: Travel, users: UserRepo, clock: Clock) -> None:
        self.travel = travel
        self.users = users
        self.clock = clock
        self._open: dict[str, Boarding] = {}  # by channel key: one boarding call per channel
        self._left: dict[str, Boarding] = {}  # the latest trips that left, by id, so their buttons can say so
        self._tasks: set[asyncio.Task[None]] = set()

    def commands(self) -> list[CommandSpec]:
        """/trip PLACE."""
        return [
            CommandSpec(
                TRIP,
                Words(
                    "A group trip: friends join within 60 s, one postcard of everyone",
                    "组团旅行：朋友们在 60 秒内加入，大家合影一张明信片",
                ),
                self.cmd_trip,
                options=(PLACE,),
                aliases=("grouptrip", "组团", "旅行团"),
                usage=Words("PLACE", "地点"),
                quick="/trip paris",
            )
        ]

    def actions(self) -> dict[str, ActionHandler]:
        """`trip:join:ID`, `trip:leave:ID`, `trip:go:ID`: whoever presses is the one joining or leaving."""
        return {TRIP: self.action_trip}

    # ------------------------------------------------------------ boarding
    async def cmd_trip(self, ctx: Context) -> None:
        """Open a boarding call here, with the caller on board; or show the one already open."""
        place = " ".join(ctx.command.string("place").split()) if ctx.command else ""
        if not place:
            raise UserFacingError("trip_usage", max=MAX_TRAVELLERS)
        landmark = await self.travel.find_landmark(place, ctx.lang)
        current = self._open.get(ctx.channel_key)
        if current is not None:
            await ctx.reply(
                "trip_open_here", self._buttons(current, ctx.lang), **self._summary(current, ctx.lang)
            )
            return
        await self.travel.check_limits(ctx)
        if ctx.channel_key in self._open:  # another call opened while the limits were read
            raise UserFacingError("trip_open_here", **self._summary(self._open[ctx.channel_key], ctx.lang))
        me = Traveller(await self._person(ctx.user_key), ctx.user_key, ctx.msg.user.display_name)
        self.travel.reserve(ctx.user_key)
        trip = Boarding(
            secrets.token_hex(4), landmark, ctx, SentMessage(""), self.clock.monotonic() + BOARDING_S
        )
        trip.travellers.append(me)
        self._open[ctx.channel_key] = trip  # before the first await: one call per channel
        try:
            trip.message = await ctx.send(self._board_text(trip), self._buttons(trip, ctx.lang))
        except BaseException:
            del self._open[ctx.channel_key]
            self.travel.release(ctx.user_key)
            raise
        trip.timer = self._spawn(self._board(trip), f"trip-{trip.id}-boarding")

    async def action_trip(self, ctx: Context, arg: str) -> None:
        """A button under a boarding call, pressed by anyone: it acts for the one who pressed it."""
        what, _, trip_id = arg.partition(":")
        trip = next((b for b in self._open.values() if b.id == trip_id), None) or self._left.get(trip_id)
        if trip is not None and trip.closed and what == "join" and len(trip.travellers) >= MAX_TRAVELLERS:
            raise UserFacingError("trip_full", place=trip.landmark.in_sentence(ctx.lang), max=MAX_TRAVELLERS)
        if trip is None or trip.closed:
            raise UserFacingError("trip_closed")
        if what == "join":
            await self._join(ctx, trip)
        elif what == "leave":
            await self._leave(ctx, trip)
        elif what == "go":
            await self._send_off(ctx, trip)
        else:
            raise UserFacingError("trip_closed")

    async def _join(self, ctx: Context, trip: Boarding) -> None:
        person = await self._person(ctx.user_key)
        place = trip.landmark.in_sentence(ctx.lang)
        async with trip.lock:
            if trip.closed:
                raise UserFacingError("trip_closed")
            if trip.aboard(person) is not None:
                raise UserFacingError("trip_already", place=place)
            if len(trip.travellers) >= MAX_TRAVELLERS:
                raise UserFacingError("trip_full", place=place, max=MAX_TRAVELLERS)
            await self.travel.check_limits(ctx)
            self.travel.reserve(ctx.user_key)
            trip.travellers.append(Traveller(person, ctx.user_key, ctx.msg.user.display_name))
            count = len(trip.travellers)
            if count >= MAX_TRAVELLERS:
                self._leave_now(trip)
        if not trip.closed:
            await self._show(trip)
        await ctx.reply(
            "trip_joined", name=ctx.msg.user.display_name, place=place, count=count, max=MAX_TRAVELLERS
        )

    async def _leave(self, ctx: Context, trip: Boarding) -> None:
        person = await self._person(ctx.user_key)
        async with trip.lock:
            if trip.closed:
                raise UserFacingError("trip_closed")
            traveller = trip.aboard(person)
            if traveller is None:
                raise UserFacingError("trip_not_aboard")
            if traveller is trip.travellers[0]:
                raise UserFacingError("trip_organiser_stays")
            trip.travellers.remove(traveller)
            self.travel.release(traveller.user_key)
            count = len(trip.travellers)
        await self._show(trip)
        await ctx.reply(
            "trip_got_off",
            name=traveller.name,
            place=trip.landmark.in_sentence(ctx.lang),
            count=count,
            max=MAX_TRAVELLERS,
        )

    async def _send_off(self, ctx: Context, trip: Boarding) -> None:
        organiser = trip.travellers[0]
        if await self._person(ctx.user_key) != organiser.person:
            raise UserFacingError("trip_organiser_only", name=organiser.name)
        async with trip.lock:
            self._leave_now(trip)
        await ctx.reply(
            "trip_departed",
            names=names_together(trip.names(), ctx.lang),
            count=len(trip.travellers),
            max=MAX_TRAVELLERS,
            place=trip.landmark.in_sentence(ctx.lang),
        )

    # ------------------------------------------------------------ departure
    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _board(self, trip: Boarding) -> None:
        """Wait out the boarding time on the clock, then leave (filling up or "Depart now" cancel this wait)."""
        try:
            async with self.clock.timeout(max(0.0, trip.deadline - self.clock.monotonic())):
                # Only parks the task: the clock's deadline above ends it (a test's clock moves that one).
                await asyncio.sleep(BOARDING_S * 2)
        except TimeoutError:
            pass
        async with trip.lock:
            if trip.closed:
                return
            self._close(trip)
        await self._depart(trip)

    def _leave_now(self, trip: Boarding) -> None:
        """Close boarding and leave at once (full, or sent off); the caller holds the trip's lock."""
        if trip.closed:
            return
        self._close(trip)
        if trip.timer is not None:
            trip.timer.cancel()
        self._spawn(self._depart(trip), f"trip-{trip.id}-departure")

    def _close(self, trip: Boarding) -> None:
        trip.closed = True
        if self._open.get(trip.ctx.channel_key) is trip:
            del self._open[trip.ctx.channel_key]
        self._left[trip.id] = trip
        while len(self._left) > KEEP_LEFT:
            del self._left[next(iter(self._left))]

    async def _depart(self, trip: Boarding) -> None:
        """Draw everyone on board into one postcard, record it in each journal, charge each person once."""
        travellers = list(trip.travellers)
        ctx, lang = trip.ctx, trip.ctx.lang
        keys = [tr.user_key for tr in travellers]
        names = [tr.name for tr in travellers]
        try:
            paths, drawn = [], []
            for tr in travellers:
                avatar, new = await self.travel.avatar_for(tr.user_key)
                paths.append(avatar.path)
                if new:
                    drawn.append(tr.name)
            text = t(
                "trip_departed",
                lang,
                names=names_together(names, lang),
                count=len(names),
                max=MAX_TRAVELLERS,
                place=trip.landmark.in_sentence(lang),
            )
            if drawn:
                text += "\n" + t("trip_drawn", lang, names=names_together(drawn, lang))
            await self._edit(trip, text)
            seed = secrets.randbelow(2**32)
            now = self.clock.now()
            result = await self.travel.draw_postcard(
                ctx, trip.landmark, paths, seed=seed, fmt=DEFAULT_FORMAT, style=None, now=now, charged=keys
            )
            await self.travel.send_postcard(
                ctx,
                trip.landmark,
                result,
                seed=seed,
                fmt=DEFAULT_FORMAT,
                now=now,
                names=names,
                travellers=keys,
                previous=None,
            )
        except InputError as err:
            if err.key != "handled":
                await self._say(ctx, t(err.key, lang, **err.params))
        except Exception:
            log.exception("group trip %s failed", trip.id)
            await self._say(ctx, t("sorry", lang))
        finally:
            for key in keys:
                self.travel.release(key)

    async def wait_departures(self) -> None:
        """Wait for every trip whose boarding is over (time up, full or sent off) to arrive."""
        now = self.clock.monotonic()
        boarding = {b.timer for b in self._open.values() if b.deadline > now}
        await asyncio.gather(*(task for task in self._tasks if task not in boarding), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop: boarding calls still open are dropped (nobody is charged), departures are cancelled."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for trip in self._open.values():
            for tr in trip.travellers:
                self.travel.release(tr.user_key)
        self._open.clear()
        self._left.clear()

    # ------------------------------------------------------------ helpers
    async def _person(self, user_key: str) -> str:
        """One key for the person behind `user_key`, the same from every linked account."""
        return min(await self.users.linked_keys(user_key))

    @staticmethod
    def _summary(trip: Boarding, lang: str) -> dict[str, object]:
        return {
            "place": trip.landmark.in_sentence(lang),
            "names": ", ".join(trip.names()),
            "count": len(trip.travellers),
            "max": MAX_TRAVELLERS,
        }

    def _board_text(self, trip: Boarding) -> str:
        lang = trip.ctx.lang
        return t(
            "trip_boarding",
            lang,
            organiser=trip.travellers[0].name,
            place=trip.landmark.in_sentence(lang),
            city=trip.landmark.city_name(lang),
            seconds=int(BOARDING_S),
            max=MAX_TRAVELLERS,
            count=len(trip.travellers),
            names=", ".join(trip.names()),
        )

    @staticmethod
    def _buttons(trip: Boarding, lang: str) -> tuple[Button, ...]:
        return (
            Button(t("button_trip_join", lang), f"{TRIP}:join:{trip.id}"),
            Button(t("button_trip_leave", lang), f"{TRIP}:leave:{trip.id}"),
            Button(t("button_trip_go", lang), f"{TRIP}:go:{trip.id}"),
        )

    async def _show(self, trip: Boarding) -> None:
        """The boarding call, edited to list who is on board now."""
        await self._edit(trip, self._board_text(trip))

    @staticmethod
    async def _edit(trip: Boarding, text: str) -> None:
        try:
            await trip.ctx.out.edit(trip.message, text)
        except Exception:  # a stale list is no reason to fail someone's boarding
            log.warning("could not update the boarding call of trip %s", trip.id, exc_info=True)

    @staticmethod
    async def _say(ctx: Context, text: str) -> None:
        try:
            await ctx.send(text)
        except Exception:
            log.exception("could not tell the travellers what went wrong")
