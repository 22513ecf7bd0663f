"""`/map`: a travel map of the user's trips, or of everyone's trips in the channel (`/map channel`)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.context import Context
from bot.core.feature import Feature
from bot.core.ports import AdventureRepo
from bot.core.registry import ActionHandler, CommandSpec, Kind, Option, Words

if TYPE_CHECKING:
    from generators.images.worldmap import MapStop, TravelMap
    from generators.landmarks import Landmark

# The newest trips drawn: a map with more pins than this is a blur.
MAX_TRIPS = 60
MAX_CHANNEL_TRIPS = 120
SCOPES = ("me", "channel")

TEXTS: dict[str, dict[str, str]] = {
    "map_empty": {
        "en": "Your map is still blank: no trips yet. Try /adventure paris, then /map again.",
        "zh": "你的地图还是空白的：还没有旅行。试试 /adventure 巴黎，然后再发 /map。",
    },
    "map_channel_empty": {
        "en": "Nobody has travelled from this channel yet. Start with /adventure tokyo, then /map channel.",
        "zh": "这个频道还没有人旅行过。先来一次 /adventure 东京，然后发 /map channel。",
    },
    "map_title_me": {"en": "{name}'s travel map", "zh": "{name}的旅行地图"},
    "map_title_channel": {"en": "Travel map of {channel}", "zh": "{channel}的旅行地图"},
    "map_this_channel": {"en": "this channel", "zh": "本频道"},
    "map_trips": {"en": "{n} trips", "zh": "{n} 次旅行"},
    "map_trips_one": {"en": "1 trip", "zh": "1 次旅行"},
    "map_places": {"en": "{n} places", "zh": "{n} 个地方"},
    "map_places_one": {"en": "1 place", "zh": "1 个地方"},
    "map_travellers": {"en": "{n} travellers", "zh": "{n} 位旅行者"},
    "map_travellers_one": {"en": "1 traveller", "zh": "1 位旅行者"},
    "map_caption": {
        "en": "🗺 Your trips in order: {places}. /map channel shows everyone's trips here.",
        "zh": "🗺 按顺序排列的旅行：{places}。/map channel 可以看本频道所有人的旅行。",
    },
    "map_caption_channel": {
        "en": "🗺 Everyone's trips from this channel: {travellers}, {trips}.",
        "zh": "🗺 本频道所有人的旅行：{travellers}，{trips}。",
    },
    "map_latest": {
        "en": "(The newest {shown} trips are on the map.)",
        "zh": "（地图上是最近的 {shown} 次旅行。）",
    },
    "button_map": {"en": "🗺 Map", "zh": "🗺 地图"},
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_span(first: datetime, last: datetime, lang: str) -> str:
    """'3 May 2026 – 9 Jun 2026' (one date when both are the same day); Chinese as 2026年5月3日."""

    def one(d: datetime) -> str:
        return (
            f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else f"{d.day} {MONTHS[d.month - 1]} {d.year}"
        )

    a, b = one(first), one(last)
    return a if a == b else f"{a} – {b}"


def counted(ctx: Context, key: str, n: int) -> str:
    """'1 trip' or '3 trips' (`map_trips_one` / `map_trips`)."""
    return ctx.text(f"{key}_one") if n == 1 else ctx.text(key, n=n)


class TravelMaps(Feature):
    """Draws travel maps from the journal; needs only the journal, a landmark lookup and a folder."""

    def __init__(
        self,
        adventures: AdventureRepo,
        place_of: Callable[[str], Landmark | None],
        data_dir: Path,
    ) -> None:
        self.adventures = adventures
        self.place_of = place_of  # landmark id (catalogue or `geo:<id>`) -> Landmark, None if unknown
        self.data_dir = data_dir
        self.map_dir = data_dir / "maps"

    def commands(self) -> list[CommandSpec]:
        """/map [me|channel]."""

        async def cmd_map(ctx: Context) -> None:
            scope = ctx.command.string("scope") if ctx.command else ""
            await self.show(ctx, scope or "me")

        return [
            CommandSpec(
                "map",
                Words(
                    "Your travel map: a pin per place, in order", "你的旅行地图：每个地方一个图钉，按顺序连线"
                ),
                cmd_map,
                options=(
                    Option(
                        "scope",
                        Kind.CHOICE,
                        Words("Your trips, or everyone's in this channel", "你的旅行，或本频道所有人的"),
                        choices=SCOPES,
                        synonyms={
                            "mine": "me",
                            "my": "me",
                            "我": "me",
                            "我的": "me",
                            "server": "channel",
                            "group": "channel",
                            "all": "channel",
                            "everyone": "channel",
                            "频道": "channel",
                            "群": "channel",
                            "大家": "channel",
                        },
                    ),
                ),
                aliases=("地图", "worldmap"),
                usage=Words("[me|channel]", "[me|channel]"),
                quick="/map",
            )
        ]

    def actions(self) -> dict[str, ActionHandler]:
        """The 🗺 button under a passport page: `map:me` or `map:channel`."""

        async def action_map(ctx: Context, arg: str) -> None:
            await self.show(ctx, arg if arg in SCOPES else "me")

        return {"map": action_map}

    async def _stops(self, ctx: Context, channel: bool) -> tuple[list[MapStop], int]:
        """The trips to draw, oldest first, and how many trips there were in all (up to the limit)."""
        from generators.images.worldmap import MapStop

        if channel:
            found = await self.adventures.list_channel(ctx.channel_key, limit=MAX_CHANNEL_TRIPS)
            rows = [(t.trip, t.trip.user_key, t.traveller) for t in found]
        else:
            rows = [(r, None, "") for r in await self.adventures.list(ctx.user_key, limit=MAX_TRIPS)]
        # One legend entry per person: a name shared by two accounts gets a number.
        names: dict[str, str] = {}
        for _, key, name in reversed(rows):
            if key is not None and key not in names:
                base = name or key.rpartition(":")[2]
                taken = set(names.values())
                label, n = base, 2
                while label in taken:
                    label, n = f"{base} ({n})", n + 1
                names[key] = label
        # One thread for every lookup: a `geo:` id may wait for the gazetteer index to open or build.
        ids = list(dict.fromkeys(rec.landmark_id for rec, _, _ in rows))
        found = await asyncio.to_thread(lambda: {i: self.place_of(i) for i in ids})
        stops = []
        for rec, key, _ in reversed(rows):
            place = found[rec.landmark_id]
            if place is None:  # a landmark no longer in the catalogue
                continue
            who = names[key] if key is not None else None
            stops.append(MapStop(place.lat, place.lon, place.name(ctx.lang), rec.at, who))
        return stops, len(rows)

    async def show(self, ctx: Context, scope: str) -> None:
        """Render and send the map of the user's trips, or of the channel's."""
        channel = scope == "channel"
        stops, total = await self._stops(ctx, channel)
        if not stops:
            await ctx.reply("map_channel_empty" if channel else "map_empty")
            return
        from generators.images.worldmap import place_count

        lang = ctx.lang
        places = place_count(stops)  # the numbered pins the map draws
        dates = date_span(stops[0].when, stops[-1].when, lang)
        travellers = len({s.who for s in stops})
        trips = counted(ctx, "map_trips", len(stops))
        if channel:
            room = ctx.msg.channel.title.strip()
            title = ctx.text("map_title_channel", channel=room or ctx.text("map_this_channel"))
            who = counted(ctx, "map_travellers", travellers)
            subtitle = " · ".join((who, trips, dates))
            caption = ctx.text("map_caption_channel", travellers=who, trips=trips)
        else:
            title = ctx.text("map_title_me", name=ctx.msg.user.display_name)
            subtitle = " · ".join((trips, counted(ctx, "map_places", places), dates))
            caption = ctx.text("map_caption", places=counted(ctx, "map_places", places))
        if total >= (MAX_CHANNEL_TRIPS if channel else MAX_TRIPS):
            caption += "\n" + ctx.text("map_latest", shown=total)
        out = self.map_dir / f"map-{uuid.uuid4().hex}.jpg"
        # Owned by whoever asked, so their /forget deletes it; a channel's map is drawn afresh each time.
        await self.adventures.own_file(ctx.user_key, str(out))
        await ctx.out.typing()
        drawn = await asyncio.to_thread(self.render, stops, title, subtitle, lang, out)
        await ctx.out.send_image(drawn.path, caption)

    def render(self, stops: list[MapStop], title: str, subtitle: str, lang: str, out: Path) -> TravelMap:
        """Draw the map file (in a worker thread)."""
        from generators.images.worldmap import render_travel_map

        return render_travel_map(stops, title=title, subtitle=subtitle, lang=lang, out_path=out)
