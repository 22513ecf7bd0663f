"""Avatars, `/adventure`, `/landmarks` and the travel journal, on top of the job queue."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import secrets
import uuid
from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.core.admin import may_use_images
from bot.core.adventure_args import ADVENTURE_OPTIONS, SEED, AdventureArgs
from bot.core.captions import make_caption, names_together, relative_when
from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.feature import Feature
from bot.core.files import delete_files_async
from bot.core.jobs import JobQueue
from bot.core.models import Mention
from bot.core.output import Button
from bot.core.ports import AdventureRecord, AvatarRecord, DrawnPostcard, ImageStudio, Memory, VoiceReplies
from bot.core.registry import ActionHandler, CommandSpec, Kind, Option, SuggestionSource, Words
from bot.queue.port import PostcardQueue, PostcardRequest, submit_to_file
from bot.settings import Settings
from generators.dialogue.base import DialogueBackend
from generators.errors import InputError
from generators.images.formats import DEFAULT_FORMAT, FORMAT_NAMES
from generators.landmarks import Catalogue

if TYPE_CHECKING:
    from PIL import Image

    from generators.gazetteer import PlaceResolver, Resolution
    from generators.images.motion import MotionOutput
    from generators.images.scenes import AdventureImage
    from generators.landmarks import Landmark

log = logging.getLogger(__name__)
T = TypeVar("T")


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
        s = settings
        self._active: set[str] = set()
        self.remote = remote  # QUEUE_URL: postcards are rendered by `avatar-bot worker` processes
        self.avatar_dir = s.avatar_data_dir / "avatars"
        self.postcard_dir = s.avatar_data_dir / "postcards"

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

    # ------------------------------------------------------------ avatars
    def _save_avatar_image(self, image: Image.Image) -> tuple[str, str]:
        from generators.images.upload import save_clean_png

        self.avatar_dir.mkdir(parents=True, exist_ok=True)
        path = self.avatar_dir / f"{uuid.uuid4().hex}.png"
        save_clean_png(image, path)
        return str(path), hashlib.sha256(path.read_bytes()).hexdigest()

    def _process_upload(self, data: bytes) -> tuple[str, str, str]:
        from generators.images.upload import load_upload

        s = self.settings
        image = load_upload(data, max_bytes=s.avatar_max_bytes, max_pixels=s.avatar_max_pixels)
        result = self.studio.cut_out(image)
        path, digest = self._save_avatar_image(result.image)
        return path, digest, result.method

    def _make_cartoon(self, description: str, seed: int) -> tuple[str, str, dict[str, Any]]:
        out = self.studio.cartoon(description, seed=seed, size=512)
        path, digest = self._save_avatar_image(out.image)
        return path, digest, out.options

    async def _store_avatar(self, user_key: str, path: str, kind: str, method: str, digest: str) -> None:
        old = await self.memory.avatars.set(user_key, path, kind, method, digest)
        if old and old != path:
            await delete_files_async([old], self.settings.avatar_data_dir)

    async def avatar_set(self, ctx: Context) -> None:
        """Store an uploaded picture as the user's avatar, cut out offline."""
        attachments = ctx.msg.attachments
        if not attachments:
            given = ctx.command.args.strip() if ctx.command else ""
            if given:  # a path typed in the terminal that is not a file
                raise UserFacingError("file_not_found", path=given[:200])
            raise UserFacingError("avatar_need_image")
        att = attachments[0]
        cap = self.settings.avatar_max_bytes
        if (att.size or 0) > cap or (att.data is not None and len(att.data) > cap):
            raise UserFacingError("image_too_big", limit_mb=cap // (1024 * 1024))
        if not att.data:
            raise UserFacingError("image_empty")
        await ctx.out.typing()
        path, digest, method = await asyncio.to_thread(self._process_upload, att.data)
        await self._store_avatar(ctx.user_key, path, "upload", method, digest)
        await ctx.out.send_image(Path(path), ctx.text("avatar_saved", method=ctx.text(f"method_{method}")))

    async def avatar_create(self, ctx: Context, description: str, seed: int | None) -> None:
        """Draw a cartoon avatar from a description; deterministic for a seed."""
        description = " ".join(description.split())[:300]
        if seed is None:
            seed = int.from_bytes(
                hashlib.sha256(f"{ctx.user_key}|{description}".encode()).digest()[:4], "big"
            )
        await ctx.out.typing()
        path, digest, options = await asyncio.to_thread(self._make_cartoon, description, seed)
        await self._store_avatar(ctx.user_key, path, "cartoon", "cartoon", digest)
        await ctx.out.send_image(Path(path), ctx.text("avatar_created", seed=seed))

    # ------------------------------------------------------------ adventures
    async def previous_trip(self, user_key: str, lang: str) -> tuple[str, datetime] | None:
        """The user's most recent trip: (landmark name, when)."""
        recs = await self.memory.adventures.list(user_key, limit=1)
        if not recs:
            return None
        lm = self.places.get(recs[0].landmark_id)
        return (lm.name(lang) if lm else recs[0].landmark_id), recs[0].at

    async def journal_lines(self, user_key: str, lang: str) -> list[str]:
        """Recent trips for the chat prompt, e.g. 'Tokyo Tower in Tokyo (last week)'."""
        now = self.clock.now()
        lines = []
        for rec in await self.memory.adventures.list(user_key, limit=3):
            lm = self.places.get(rec.landmark_id)
            if lm:
                lines.append(
                    f"{lm.name('en')} in {self.places.where(lm, 'en')} ({relative_when(rec.at, now, 'en')})"
                )
        return lines

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

    async def avatar_for(self, user_key: str) -> tuple[AvatarRecord, bool]:
        """The person's avatar, drawing them a cartoon one when they have none; (avatar, drawn now)."""
        avatar = await self.memory.avatars.get(user_key)
        if avatar is not None and Path(avatar.path).is_file():
            return avatar, False
        seed = int.from_bytes(hashlib.sha256(user_key.encode()).digest()[:4], "big")
        path, digest, _ = await asyncio.to_thread(self._make_cartoon, "", seed)
        await self._store_avatar(user_key, path, "cartoon", "cartoon", digest)
        drawn = AvatarRecord(user_key, path, "cartoon", "cartoon", digest, self.clock.now())
        return await self.memory.avatars.get(user_key) or drawn, True

    async def _own_avatar(self, ctx: Context) -> AvatarRecord:
        avatar, drawn = await self.avatar_for(ctx.user_key)
        if drawn:
            await ctx.reply("avatar_auto")
        return avatar

    async def _friends(self, ctx: Context, named: tuple[Mention, ...]) -> list[tuple[str, AvatarRecord]]:
        """The friends' avatars: the people named, else everyone the message mentions."""
        found: list[tuple[str, AvatarRecord]] = []
        candidates = [u for u in ctx.msg.mentioned_users if u.key != ctx.user_key]
        users = [m.user for m in named if m.user is not None and m.user.key != ctx.user_key]
        if not named or (not users and len(candidates) == len(named)):
            users = candidates  # a platform may show a mention differently from the display name
        for user in users:
            avatar = await self.memory.avatars.get(user.key)
            if avatar is None or not Path(avatar.path).is_file():
                await ctx.reply("friend_no_avatar", name=user.display_name)
                continue
            found.append((user.display_name, avatar))
        if named and not users:
            await ctx.reply("friend_not_found", names=", ".join("@" + m.name for m in named))
        return found[:3]

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
        landmark = self.places.get(f"geo:{gid}") if gid.isdigit() else None
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
        me = await self._own_avatar(ctx)
        friends = await self._friends(ctx, named)
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

    async def draw_postcard(
        self,
        ctx: Context,
        landmark: Landmark,
        avatar_paths: Sequence[str],
        *,
        seed: int,
        fmt: str,
        style: str | None,
        now: datetime,
        charged: Sequence[str],
        motion: bool = False,
    ) -> DrawnPostcard:
        """Render one postcard of these avatars on the image queue (or the workers) for the speaker,
        and its motion loop when asked.

        Each key in `charged` is counted one use towards its cooldown and quota once the job is queued.
        """
        lang = ctx.lang
        out_path = self.postcard_dir / f"{uuid.uuid4().hex}.jpg"
        # Recorded before it is drawn: a crash before its journal entry leaves no file /forget can't find.
        await self.memory.adventures.own_file(ctx.user_key, str(out_path))
        loop_path = await self._loop_path(ctx) if motion else None
        caption_style = ctx.persona.caption_style
        # Read the avatars now: a later /avatar set or delete must not pull the file from under the job.
        try:
            avatar_bytes = await asyncio.to_thread(lambda: [Path(p).read_bytes() for p in avatar_paths])
        except FileNotFoundError as exc:
            raise UserFacingError("avatar_none") from exc

        loops: list[MotionOutput] = []
        future, ahead = await self.submit_postcard(
            ctx.user_key,
            landmark,
            avatar_bytes,
            now=now,
            seed=seed,
            fmt=fmt,
            lang=lang,
            out_path=out_path,
            style=style,
            caption_style=caption_style,
            loop_path=loop_path,
            loops=loops,
        )
        for key in charged:
            await self.memory.usage.record(key, "adventure")
        if ahead:
            await ctx.reply("queued", position=ahead + 1, place=landmark.name(lang))
        else:
            await ctx.out.typing()
        result = await _image(future)
        if loop_path is not None and not loops:
            # QUEUE_URL: workers draw the postcard; its loop is rendered here, on this process's queue.
            def remote_loop() -> MotionOutput:
                return self.studio.motion(
                    landmark,
                    _decode(avatar_bytes),
                    out_path=loop_path,
                    now_utc=now,
                    seed=seed,
                    fmt=fmt,
                    lang=lang,
                    style=style,
                    caption_style=caption_style,
                )

            loops.append(await _image(self.queue.submit(ctx.user_key, remote_loop)[0]))
        return DrawnPostcard(result, loops[0] if loops else None)

    async def send_postcard(
        self,
        ctx: Context,
        landmark: Landmark,
        drawn: DrawnPostcard,
        *,
        seed: int,
        fmt: str,
        now: datetime,
        names: Sequence[str],
        travellers: Sequence[str],
        previous: tuple[str, datetime] | None,
        speak: bool = False,
    ) -> int:
        """Caption the postcard, add it to every traveller's journal and send it; the first entry's id."""
        lang = ctx.lang
        result, loop = drawn.card, drawn.loop
        caption, _source = await make_caption(
            self.dialogue,
            ctx.persona,
            landmark,
            user=names_together(names, lang),
            lang=lang,
            seed=seed,
            previous=previous,
            now=now,
            timeout_s=self.settings.llm_timeout_s,
            names=names,
        )
        ids = [
            await self.memory.adventures.add(
                user_key=key,
                channel_key=ctx.channel_key,
                landmark_id=landmark.id,
                seed=seed,
                image_path=str(result.path),
                image_sha256=result.sha256,
                caption=caption,
                path_used=result.path_used,
                format=fmt,
            )
            for key in travellers
        ]
        adv_id = ids[0]
        footer = ctx.text(f"made_by_{result.path_used}", seed=seed)
        buttons = (Button(ctx.text("button_reroll"), f"reroll:{adv_id}"),) + tuple(
            Button(f, f"format:{adv_id}:{f}") for f in FORMAT_NAMES if f != fmt
        )
        if loop is None:
            buttons += (Button(ctx.text("button_motion"), f"motion:{adv_id}"),)
        if self.voice is not None:
            buttons += self.voice.postcard_buttons(ctx.lang, adv_id)
        if loop is not None:
            await ctx.out.send_animation(loop.path, f"{caption}\n{footer}", buttons)
        else:
            await ctx.out.send_image(Path(result.path), f"{caption}\n{footer}", buttons)
        if speak and self.voice is not None:
            await self.voice.speak_caption(ctx, caption)
        return adv_id

    async def submit_postcard(
        self,
        key: str,
        landmark: Landmark,
        avatar_bytes: list[bytes],
        *,
        now: datetime,
        seed: int,
        fmt: str,
        lang: str,
        out_path: Path,
        style: str | None = None,
        caption_style: str = "",
        loop_path: Path | None = None,
        loops: list[MotionOutput] | None = None,
    ) -> tuple[asyncio.Future[Any], int]:
        """Queue one postcard of the avatars (PNG/JPEG bytes) at the landmark, on the image queue or on
        QUEUE_URL's workers; its future (an `AdventureImage`-like result) and the jobs ahead of it.

        With `loop_path`, the in-process job also renders the motion loop in the same queue slot and
        appends it to `loops` (QUEUE_URL's workers draw postcards only: the caller renders it then)."""

        def job() -> AdventureImage:
            images = _decode(avatar_bytes)
            out_path.parent.mkdir(parents=True, exist_ok=True)
            same: dict[str, Any] = dict(
                now_utc=now, seed=seed, fmt=fmt, lang=lang, style=style, caption_style=caption_style
            )
            card = self.studio.postcard(landmark, images, out_path=out_path, **same)
            if loop_path is not None and loops is not None:
                loops.append(self.studio.motion(landmark, images, out_path=loop_path, **same))
            return card

        if self.remote is not None:
            request = PostcardRequest(
                uuid.uuid4().hex, key, landmark.id, tuple(avatar_bytes), now, seed, fmt, lang, style,
                caption_style,
            )  # fmt: skip
            return await submit_to_file(self.remote, request, out_path)
        return self.queue.submit(key, job)

    async def _record(self, ctx: Context, adv_id: str) -> AdventureRecord | None:
        """The postcard a button belongs to; pressed by someone else, it sends *their* avatar there."""
        if not adv_id.isdigit() or len(adv_id) > 18:
            return None
        return await self.memory.adventures.get(int(adv_id))

    async def action_reroll(self, ctx: Context, arg: str) -> None:
        """Same place, new seed."""
        rec = await self._record(ctx, arg)
        landmark = self.places.get(rec.landmark_id) if rec else None
        if landmark is None:
            raise UserFacingError("adventure_gone")
        await self._run(ctx, landmark, seed=None, fmt=rec.format, style=None)

    async def action_format(self, ctx: Context, arg: str) -> None:
        """Same place and seed, another format."""
        adv_id, _, fmt = arg.partition(":")
        rec = await self._record(ctx, adv_id)
        landmark = self.places.get(rec.landmark_id) if rec else None
        if landmark is None or fmt not in FORMAT_NAMES:
            raise UserFacingError("adventure_gone")
        await self._run(ctx, landmark, seed=rec.seed, fmt=fmt, style=None)

    async def action_motion(self, ctx: Context, arg: str) -> None:
        """The postcard as a short loop: same place, seed and format, with the presser's avatar."""
        rec = await self._record(ctx, arg)
        landmark = self.places.get(rec.landmark_id) if rec else None
        if rec is None or landmark is None:
            raise UserFacingError("adventure_gone")
        await self.check_limits(ctx)  # a loop of an existing postcard counts as one image
        self.reserve(ctx.user_key)
        try:
            await self._motion_reserved(ctx, rec, landmark)
        finally:
            self.release(ctx.user_key)

    async def _motion_reserved(self, ctx: Context, rec: AdventureRecord, landmark: Landmark) -> None:
        me = await self._own_avatar(ctx)
        if me is None:
            raise UserFacingError("avatar_none")
        loop_path = await self._loop_path(ctx)
        try:
            avatar_bytes = await asyncio.to_thread(Path(me.path).read_bytes)
        except FileNotFoundError as exc:
            raise UserFacingError("avatar_none") from exc
        lang, caption_style = ctx.lang, ctx.persona.caption_style

        def job() -> MotionOutput:
            return self.studio.motion(
                landmark,
                _decode([avatar_bytes]),
                now_utc=rec.at,
                seed=rec.seed,
                fmt=rec.format,
                lang=lang,
                out_path=loop_path,
                caption_style=caption_style,
            )

        # Rendered on this process's queue, also with QUEUE_URL (the workers take postcards only).
        future, ahead = self.queue.submit(ctx.user_key, job)
        await self.memory.usage.record(ctx.user_key, "adventure")
        if ahead:
            await ctx.reply("queued", position=ahead + 1, place=landmark.name(lang))
        else:
            await ctx.out.typing()
        loop = await _image(future)
        caption = ctx.text("motion_caption", place=landmark.name(lang), seed=rec.seed)
        await ctx.out.send_animation(loop.path, caption)

    async def _loop_path(self, ctx: Context) -> Path:
        """A new motion loop's file, recorded for /forget before anything is written to it."""
        suffix = await asyncio.to_thread(lambda: self.studio.motion_suffix)
        path = self.postcard_dir / f"{uuid.uuid4().hex}{suffix}"
        await self.memory.adventures.own_file(ctx.user_key, str(path))
        return path

    # ------------------------------------------------------------ journal
    async def journal(self, ctx: Context, page: bool) -> None:
        """List the user's passport stamps, or render a passport page."""
        recs = await self.memory.adventures.list(ctx.user_key, limit=200)
        if not recs:
            await ctx.reply("journal_empty")
            return
        if page:
            from generators.images.passport import render_passport

            stamps = []
            for rec in reversed(recs):
                lm = self.places.get(rec.landmark_id)
                if lm:
                    stamps.append((lm, rec.at))
            out = self.postcard_dir / f"passport-{uuid.uuid4().hex}.png"
            await self.memory.adventures.own_file(ctx.user_key, str(out))  # it shows their name
            self.postcard_dir.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(
                render_passport, stamps, owner=ctx.msg.user.display_name, lang=ctx.lang, out_path=out
            )
            caption = ctx.text("passport_caption", count=len({s[0].id for s in stamps}))
            await ctx.out.send_image(out, caption, (Button(ctx.text("button_map"), "map:me"),))
            return
        lines = []
        for i, rec in enumerate(recs[:20], 1):
            lm = self.places.get(rec.landmark_id)
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

    async def landmarks(self, ctx: Context, query: str) -> None:
        """List the catalogue, optionally filtered by continent or country."""
        items = self.catalogue.filter(query) if query else self.catalogue.all()
        if not items:
            raise UserFacingError("landmarks_none", query=query[:60])
        lines = [f"• {lm.name(ctx.lang)} ({lm.city_name(ctx.lang)}, {lm.country})" for lm in items]
        await ctx.send(ctx.text("landmarks_header", count=len(items)) + "\n" + "\n".join(lines))


def _decode(avatar_bytes: list[bytes]) -> list[Image.Image]:
    """Avatar files read earlier, as RGBA images (in the job's thread)."""
    import io

    from PIL import Image

    images = []
    for data in avatar_bytes:
        with Image.open(io.BytesIO(data)) as im:
            images.append(im.convert("RGBA"))
    return images


async def _image(future: Awaitable[T]) -> T:
    """An image job's result; a failure becomes a short localised message (the traceback is logged)."""
    try:
        return await future
    except InputError:
        raise
    except OSError as exc:
        log.exception("adventure image failed")
        raise UserFacingError("disk_full" if exc.errno == errno.ENOSPC else "image_failed") from exc
    except Exception as exc:
        log.exception("adventure image failed")
        raise UserFacingError("image_failed") from exc


def adventure_commands(adv: Adventures) -> list[CommandSpec]:
    """The adventure feature's commands, declared once."""

    async def cmd_avatar(ctx: Context) -> None:
        command = ctx.command
        sub = command.sub if command else None
        if sub is None and ctx.msg.attachments and not (command and command.args):
            sub = "set"
        if sub == "set":
            await adv.avatar_set(ctx)
        elif sub == "create" and command is not None:
            await adv.avatar_create(ctx, command.string("description"), command.integer("seed"))
        elif sub == "show":
            avatar = await adv.memory.avatars.get(ctx.user_key)
            if avatar is None or not Path(avatar.path).is_file():
                raise UserFacingError("avatar_none")
            await ctx.out.send_image(
                Path(avatar.path), ctx.text("avatar_show", method=ctx.text(f"method_{avatar.method}"))
            )
        elif sub == "delete":
            avatar = await adv.memory.avatars.delete(ctx.user_key)
            if avatar is None:
                raise UserFacingError("avatar_none")
            await delete_files_async([avatar.path], adv.settings.avatar_data_dir)
            await ctx.reply("avatar_deleted")
        else:
            await ctx.reply("avatar_usage")

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

    async def cmd_landmarks(ctx: Context) -> None:
        await adv.landmarks(ctx, ctx.command.string("where").strip() if ctx.command else "")

    async def cmd_journal(ctx: Context) -> None:
        await adv.journal(ctx, page=ctx.command is not None and ctx.command.string("view") == "page")

    async def cmd_passport(ctx: Context) -> None:
        await adv.journal(ctx, page=True)

    return [
        CommandSpec(
            "avatar",
            Words("Your avatar", "你的头像"),
            cmd_avatar,
            subcommands=(
                CommandSpec(
                    "set",
                    Words("Upload a picture as your avatar", "上传一张图片作为头像"),
                    options=(
                        Option("image", Kind.ATTACHMENT, Words("Your picture", "你的图片"), required=True),
                    ),
                ),
                CommandSpec(
                    "create",
                    Words(
                        "Draw a cartoon avatar, e.g. long brown hair, glasses",
                        "画一个卡通头像，例如 长棕发、眼镜",
                    ),
                    options=(
                        Option("description", Kind.TEXT, Words("What it looks like", "头像的样子")),
                        SEED,
                    ),
                    aliases=("make", "generate", "new"),
                ),
                CommandSpec("show", Words("Show your avatar", "查看你的头像")),
                CommandSpec(
                    "delete", Words("Delete your avatar", "删除你的头像"), aliases=("remove",), private=True
                ),
            ),
            aliases=("头像",),
            usage=Words("set|create [description]|show|delete", "set|create [描述]|show|delete"),
            quick="/avatar create",
        ),
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
