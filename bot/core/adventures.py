"""/adventure and its postcard buttons; the Adventures feature also serves avatars and the journal.

Avatars live in avatars.py, drawing and sending postcards in postcards.py, motion loops in
motion_loops.py and /journal, /passport, /landmarks in journal.py: this module wires them together.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core.admin import may_use_images
from bot.core.adventure_args import ADVENTURE_OPTIONS, AdventureArgs
from bot.core.avatars import AvatarStore, avatar_command
from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.feature import Feature
from bot.core.jobs import JobQueue
from bot.core.journal import Journal, journal_commands
from bot.core.models import Mention
from bot.core.motion_loops import MotionLoops
from bot.core.output import Button
from bot.core.ports import AdventureRecord, ImageStudio, Memory, VoiceReplies
from bot.core.postcards import Postcards
from bot.core.registry import ActionHandler, CommandSpec, SuggestionSource, Words
from bot.queue.port import PostcardQueue
from bot.settings import Settings
from generators.dialogue.base import DialogueBackend
from generators.images.formats import DEFAULT_FORMAT, FORMAT_NAMES
from generators.landmarks import Catalogue

if TYPE_CHECKING:
    from generators.gazetteer import PlaceResolver, Resolution
    from generators.landmarks import Landmark


class Adventures(Feature):
    """The adventure feature: avatars, /adventure, /landmarks and the journal, on the image queue it is given."""

    def __init__(
        self,
        memory: Memory,
        dialogue: DialogueBackend,
        catalogue: Catalogue,
        studio: ImageStudio,
        queue: JobQueue,
        settings: Settings,
        clock: Clock,
        remote: PostcardQueue | None = None,
        voice: VoiceReplies | None = None,
        places: PlaceResolver | None = None,
    ) -> None:
        if places is None:
            from generators.gazetteer import PlaceResolver

            places = PlaceResolver(catalogue)  # signature landmarks only
        self.places = places  # signature landmarks first, then any town on Earth
        self.memory = memory
        self.voice = voice
        self.dialogue = dialogue
        self.catalogue = catalogue
        self.studio = studio
        self.queue = queue
        self.settings = settings
        self.clock = clock
        self._active: set[str] = set()
        self.remote = remote  # QUEUE_URL: postcards are rendered by `avatar-bot worker` processes
        self.postcard_dir = settings.avatar_data_dir / "postcards"
        self.avatars = AvatarStore(memory.avatars, studio, settings, clock)
        self.avatar_dir = self.avatars.avatar_dir
        self.journal = Journal(memory.adventures, places, catalogue, clock, self.postcard_dir)
        self.motion = MotionLoops(studio, queue, memory.adventures, memory.usage, self.postcard_dir)
        self.postcards = Postcards(
            memory.adventures,
            memory.usage,
            dialogue,
            studio,
            queue,
            self.motion,
            settings,
            self.postcard_dir,
            remote=remote,
            voice=voice,
        )
        # What /trip (the Travel port), the daily postcard and the chat prompt use, served by the parts.
        self.avatar_for = self.avatars.avatar_for
        self.draw_postcard = self.postcards.draw_postcard
        self.send_postcard = self.postcards.send_postcard
        self.submit_postcard = self.postcards.submit_postcard
        self.journal_lines = self.journal.journal_lines
        self.previous_trip = self.journal.previous_trip

    def commands(self) -> list[CommandSpec]:
        """/avatar, /adventure, /landmarks, /journal, /passport."""
        return adventure_commands(self)

    def actions(self) -> dict[str, ActionHandler]:
        """The postcard buttons (another seed, another format, a motion loop) and "which Springfield?"."""
        return {
            "reroll": self.action_reroll,
            "format": self.action_format,
            "motion": self.action_motion,
            "goto": self.action_goto,
        }

    def sources(self) -> dict[str, SuggestionSource]:
        """Place suggestions for /adventure: signature landmarks, then towns and cities."""
        return {"landmarks": lambda typed, locale: self.places.autocomplete(typed, locale, limit=25)}

    async def check_limits(self, ctx: Context) -> None:
        """Refuse the speaker another postcard here: images not allowed, on cooldown, or over the daily quota."""
        memory, s, now = self.memory, self.settings, self.clock.now()
        if not await may_use_images(self.memory.settings, ctx.msg.user, ctx.msg.channel):
            raise UserFacingError("images_not_allowed")
        last = await memory.usage.last(ctx.user_key, "adventure")
        if last is not None and (now - last).total_seconds() < s.image_cooldown_s:
            wait = int(s.image_cooldown_s - (now - last).total_seconds()) + 1
            raise UserFacingError("cooldown", seconds=wait)
        if (
            await memory.usage.count_since(ctx.user_key, "adventure", now - timedelta(days=1))
            >= s.image_daily_quota
        ):
            raise UserFacingError("quota", quota=s.image_daily_quota)

    async def find_landmark(self, place: str, lang: str) -> Landmark:
        """The one place a typed name means; a usage hint, "which one?" or suggestions (as errors)
        otherwise. /adventure asks "which one?" with buttons instead (see `adventure`)."""
        found = await self._resolve(place, lang)
        if found.choices:
            sep = "、" if lang == "zh" else " · "
            raise UserFacingError("place_which", place=place[:60], options=sep.join(found.labels))
        assert found.landmark is not None
        return found.landmark

    async def _resolve(self, place: str, lang: str) -> Resolution:
        """A signature landmark or any real place; raises the usage hint or "unknown place"."""
        if not place:
            examples = ", ".join(lm.name(lang) for lm in self.catalogue.all()[:5])
            raise UserFacingError("adventure_usage", examples=examples)
        found = await asyncio.to_thread(self.places.resolve, place, lang)  # may open the index
        if found.landmark is None and not found.choices:
            names = ", ".join(lm.name(lang) for lm in found.suggestions) or "Paris, Tokyo, Rio"
            raise UserFacingError("place_unknown", place=place[:60], suggestions=names)
        return found

    async def adventure(self, ctx: Context, args: AdventureArgs, friends: tuple[Mention, ...] = ()) -> None:
        """Send the user's avatar to a landmark and answer with a postcard and caption."""
        found = await self._resolve(args.place, ctx.lang)
        if found.choices:
            await self._ask_which(ctx, args, found.choices, found.labels)
            return
        assert found.landmark is not None
        await self._run(
            ctx,
            found.landmark,
            seed=args.seed,
            fmt=args.fmt,
            style=args.style,
            friends=friends,
            speak=args.voice,
            motion=args.motion,
        )

    async def _ask_which(
        self, ctx: Context, args: AdventureArgs, choices: tuple[Landmark, ...], labels: tuple[str, ...]
    ) -> None:
        """Several real places share the name: one button each, carrying the seed, style and format."""
        seed = "" if args.seed is None else str(args.seed)

        def action(lm: Landmark) -> str:
            full = f"goto:{lm.id.removeprefix('geo:')}:{seed}:{args.style or ''}:{args.fmt}"
            # Telegram's callback data holds 64 bytes: a long style word is left out rather than the place.
            return (
                full if len(full.encode()) <= 64 else f"goto:{lm.id.removeprefix('geo:')}:{seed}::{args.fmt}"
            )

        buttons = tuple(Button(label[:80], action(lm)) for lm, label in zip(choices, labels, strict=True))
        sep = "、" if ctx.lang == "zh" else " · "
        await ctx.send(ctx.text("place_which", place=args.place[:60], options=sep.join(labels)), buttons)

    async def action_goto(self, ctx: Context, arg: str) -> None:
        """The place picked from "which one?": run the adventure there."""
        gid, seed, style, fmt = (arg.split(":", 3) + ["", "", ""])[:4]
        landmark = await asyncio.to_thread(self.places.get, f"geo:{gid}") if gid.isdigit() else None
        if landmark is None:
            raise UserFacingError("adventure_gone")
        await self._run(
            ctx,
            landmark,
            seed=int(seed) if seed.isdigit() else None,
            fmt=fmt if fmt in FORMAT_NAMES else DEFAULT_FORMAT,
            style=style or None,
        )

    async def _run(
        self,
        ctx: Context,
        landmark: Landmark,
        *,
        seed: int | None,
        fmt: str,
        style: str | None,
        friends: tuple[Mention, ...] = (),
        speak: bool = False,
        motion: bool = False,
    ) -> None:
        await self.check_limits(ctx)
        self.reserve(ctx.user_key)  # held from here, so a second request can't race this one
        try:
            await self._run_reserved(
                ctx, landmark, seed=seed, fmt=fmt, style=style, named=friends, speak=speak, motion=motion
            )
        finally:
            self.release(ctx.user_key)

    def reserve(self, user_key: str) -> None:
        """Hold the user's one postcard at a time until `release`; job_busy when it is taken."""
        if self.queue.busy(user_key) or user_key in self._active:
            raise UserFacingError("job_busy")
        self._active.add(user_key)

    def release(self, user_key: str) -> None:
        """Free the hold `reserve` took."""
        self._active.discard(user_key)

    async def _run_reserved(
        self,
        ctx: Context,
        landmark: Landmark,
        *,
        seed: int | None,
        fmt: str,
        style: str | None,
        named: tuple[Mention, ...],
        speak: bool = False,
        motion: bool = False,
    ) -> None:
        me = await self.avatars.own(ctx)
        friends = await self.avatars.friends(ctx, named)
        seed = secrets.randbelow(2**32) if seed is None else seed
        now = self.clock.now()
        paths = [me.path] + [a.path for _, a in friends]
        drawn = await self.draw_postcard(
            ctx,
            landmark,
            paths,
            seed=seed,
            fmt=fmt,
            style=style,
            now=now,
            charged=(ctx.user_key,),
            motion=motion,
        )
        await self.send_postcard(
            ctx,
            landmark,
            drawn,
            seed=seed,
            fmt=fmt,
            now=now,
            names=[ctx.msg.user.display_name] + [n for n, _ in friends],
            travellers=(ctx.user_key,),
            previous=await self.previous_trip(ctx.user_key, ctx.lang),
            speak=speak,
        )

    async def _record(self, ctx: Context, adv_id: str) -> AdventureRecord | None:
        """The postcard a button belongs to; pressed by someone else, it sends *their* avatar there."""
        if not adv_id.isdigit() or len(adv_id) > 18:
            return None
        return await self.memory.adventures.get(int(adv_id))

    async def action_reroll(self, ctx: Context, arg: str) -> None:
        """Same place, new seed."""
        rec = await self._record(ctx, arg)
        landmark = await asyncio.to_thread(self.places.get, rec.landmark_id) if rec else None
        if landmark is None:
            raise UserFacingError("adventure_gone")
        await self._run(ctx, landmark, seed=None, fmt=rec.format, style=None)

    async def action_format(self, ctx: Context, arg: str) -> None:
        """Same place and seed, another format."""
        adv_id, _, fmt = arg.partition(":")
        rec = await self._record(ctx, adv_id)
        landmark = await asyncio.to_thread(self.places.get, rec.landmark_id) if rec else None
        if landmark is None or fmt not in FORMAT_NAMES:
            raise UserFacingError("adventure_gone")
        await self._run(ctx, landmark, seed=rec.seed, fmt=fmt, style=None)

    async def action_motion(self, ctx: Context, arg: str) -> None:
        """The postcard as a short loop: same place, seed and format, with the presser's avatar."""
        rec = await self._record(ctx, arg)
        landmark = await asyncio.to_thread(self.places.get, rec.landmark_id) if rec else None
        if rec is None or landmark is None:
            raise UserFacingError("adventure_gone")
        await self.check_limits(ctx)  # a loop of an existing postcard counts as one image
        self.reserve(ctx.user_key)
        try:
            await self.motion.send_loop(ctx, rec, landmark, await self.avatars.own(ctx))
        finally:
            self.release(ctx.user_key)


def adventure_commands(adv: Adventures) -> list[CommandSpec]:
    """The adventure feature's commands: /avatar, /adventure, /landmarks, /journal, /passport."""

    async def cmd_adventure(ctx: Context) -> None:
        c = ctx.command
        if c is None:
            return
        style = c.string("style")
        args = AdventureArgs(
            place=" ".join(c.string("place").split()),
            seed=c.integer("seed"),
            fmt=c.string("format") or DEFAULT_FORMAT,
            style=style.lower() or None,
            voice=c.string("voice") == "voice",
            motion=c.string("motion") == "motion",
        )
        await adv.adventure(ctx, args, c.mentions("friend"))

    return [
        avatar_command(adv.avatars),
        CommandSpec(
            "adventure",
            Words(
                "Send your avatar to a landmark or any town on Earth", "让你的头像去一个地标或地球上任何城镇"
            ),
            cmd_adventure,
            options=ADVENTURE_OPTIONS,
            aliases=("adv", "go", "travel", "旅行"),
            usage=Words(
                "PLACE [seed:N] [format:1:1|4:5|9:16] [with @friend] [voice] [motion]",
                "地点 [seed:N] [format:1:1|4:5|9:16] [with @朋友] [语音] [动图]",
            ),
            quick="/adventure paris",
        ),
        *journal_commands(adv.journal),
    ]
