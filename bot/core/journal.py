"""The travel journal: /journal, /passport, /landmarks, and the recent trips the chat prompt mentions."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.captions import relative_when
from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.output import Button
from bot.core.ports import AdventureRepo
from bot.core.registry import CommandSpec, Kind, Option, Words
from generators.landmarks import Catalogue, Landmark

if TYPE_CHECKING:
    from generators.gazetteer import PlaceResolver


class Journal:
    """Where the user has been: their trips as a list, a passport page, or lines for the chat prompt."""

    def __init__(
        self,
        adventures: AdventureRepo,
        places: PlaceResolver,
        catalogue: Catalogue,
        clock: Clock,
        postcard_dir: Path,
    ) -> None:
        self.adventures = adventures
        self.places = places
        self.catalogue = catalogue
        self.clock = clock
        self.postcard_dir = postcard_dir

    async def previous_trip(self, user_key: str, lang: str) -> tuple[str, datetime] | None:
        """The user's most recent trip: (landmark name, when)."""
        recs = await self.adventures.list(user_key, limit=1)
        if not recs:
            return None
        lm = (await self._landmarks([recs[0].landmark_id]))[recs[0].landmark_id]
        return (lm.name(lang) if lm else recs[0].landmark_id), recs[0].at

    async def journal_lines(self, user_key: str, lang: str) -> list[str]:
        """Recent trips for the chat prompt, e.g. 'Tokyo Tower in Tokyo (last week)'."""
        now = self.clock.now()
        recs = await self.adventures.list(user_key, limit=3)
        found = await self._landmarks([r.landmark_id for r in recs])
        lines = []
        for rec in recs:
            lm = found[rec.landmark_id]
            if lm:
                lines.append(
                    f"{lm.name('en')} in {self.places.where(lm, 'en')} ({relative_when(rec.at, now, 'en')})"
                )
        return lines

    async def show(self, ctx: Context, page: bool) -> None:
        """List the user's passport stamps, or render a passport page."""
        recs = await self.adventures.list(ctx.user_key, limit=200)
        if not recs:
            await ctx.reply("journal_empty")
            return
        found = await self._landmarks([r.landmark_id for r in recs])
        if page:
            from generators.images.passport import render_passport

            stamps = []
            for rec in reversed(recs):
                lm = found[rec.landmark_id]
                if lm:
                    stamps.append((lm, rec.at))
            out = self.postcard_dir / f"passport-{uuid.uuid4().hex}.png"
            await self.adventures.own_file(ctx.user_key, str(out))  # it shows their name
            self.postcard_dir.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(
                render_passport, stamps, owner=ctx.msg.user.display_name, lang=ctx.lang, out_path=out
            )
            caption = ctx.text("passport_caption", count=len({s[0].id for s in stamps}))
            await ctx.out.send_image(out, caption, (Button(ctx.text("button_map"), "map:me"),))
            return
        lines = []
        for i, rec in enumerate(recs[:20], 1):
            lm = found[rec.landmark_id]
            name = f"{lm.name(ctx.lang)}, {self.places.where(lm, ctx.lang)}" if lm else rec.landmark_id
            lines.append(f"{i}. {name} · {rec.at:%Y-%m-%d} · seed {rec.seed} · {rec.path_used}")
        places = len({r.landmark_id for r in recs})
        await ctx.send(
            ctx.text("journal_header", trips=len(recs), places=places)
            + "\n"
            + "\n".join(lines)
            + "\n"
            + ctx.text("journal_hint")
        )

    async def _landmarks(self, ids: list[str]) -> dict[str, Landmark | None]:
        """Each id's landmark, looked up off the event loop (a `geo:` id may wait for the index)."""
        unique = list(dict.fromkeys(ids))
        return await asyncio.to_thread(lambda: {i: self.places.get(i) for i in unique})

    async def landmarks(self, ctx: Context, query: str) -> None:
        """List the catalogue, optionally filtered by continent or country."""
        items = self.catalogue.filter(query) if query else self.catalogue.all()
        if not items:
            raise UserFacingError("landmarks_none", query=query[:60])
        lines = [f"• {lm.name(ctx.lang)} ({lm.city_name(ctx.lang)}, {lm.country})" for lm in items]
        await ctx.send(ctx.text("landmarks_header", count=len(items)) + "\n" + "\n".join(lines))


def journal_commands(journal: Journal) -> list[CommandSpec]:
    """/landmarks, /journal and /passport, declared once."""

    async def cmd_landmarks(ctx: Context) -> None:
        await journal.landmarks(ctx, ctx.command.string("where").strip() if ctx.command else "")

    async def cmd_journal(ctx: Context) -> None:
        await journal.show(ctx, page=ctx.command is not None and ctx.command.string("view") == "page")

    async def cmd_passport(ctx: Context) -> None:
        await journal.show(ctx, page=True)

    return [
        CommandSpec(
            "landmarks",
            Words("Places I can take you", "我能带你去的地方"),
            cmd_landmarks,
            options=(Option("where", Kind.TEXT, Words("A continent or country", "大洲或国家")),),
            aliases=("places", "地标"),
            usage=Words("[continent or country]", "[大洲或国家]"),
        ),
        CommandSpec(
            "journal",
            Words("Your travel journal", "你的旅行日志"),
            cmd_journal,
            options=(
                Option(
                    "view",
                    Kind.CHOICE,
                    Words("A list, or your passport page", "列表，或护照页"),
                    choices=("list", "page"),
                    synonyms={"passport": "page", "image": "page"},
                ),
            ),
            aliases=("日志",),
            quick="/journal",
        ),
        CommandSpec("passport", Words("Your passport page", "你的护照页"), cmd_passport, aliases=("护照",)),
    ]
