"""Avatars, `/adventure`, `/landmarks` and the travel journal, on top of the job queue."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import uuid
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.admin import may_use_images
from bot.core.adventure_args import parse_adventure_args
from bot.core.captions import make_caption, relative_when
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.jobs import JobQueue
from bot.core.output import Button
from bot.queue.backend import postcard_queue, submit_to_file
from bot.queue.port import PostcardRequest
from generators.errors import InputError
from generators.images.formats import FORMAT_NAMES
from generators.images.studio import ImageStudio

if TYPE_CHECKING:
    from PIL import Image

    from bot.core.engine import BotCore
    from generators.images.scenes import AdventureImage
    from generators.landmarks import Landmark

log = logging.getLogger(__name__)


class Adventures:
    """The adventure feature: owns the image queue; the image studio it is given makes the pictures."""

    def __init__(self, core: BotCore, studio: ImageStudio) -> None:
        from generators.landmarks import Catalogue

        self.core = core
        self.studio = studio
        s = core.settings
        self.catalogue = Catalogue.load()
        self.queue = JobQueue(
            core.clock, workers=s.image_workers, max_size=s.image_queue_size, timeout_s=s.image_timeout_s
        )
        self._active: set[str] = set()
        self.remote = postcard_queue(s)  # QUEUE_URL: jobs go to `avatar-bot worker` processes
        self.avatar_dir = s.avatar_data_dir / "avatars"
        self.postcard_dir = s.avatar_data_dir / "postcards"

    # ------------------------------------------------------------ avatars
    def _save_avatar_image(self, image: Image.Image) -> tuple[str, str]:
        from generators.images.upload import save_clean_png

        self.avatar_dir.mkdir(parents=True, exist_ok=True)
        path = self.avatar_dir / f"{uuid.uuid4().hex}.png"
        save_clean_png(image, path)
        return str(path), hashlib.sha256(path.read_bytes()).hexdigest()

    def _process_upload(self, data: bytes) -> tuple[str, str, str]:
        from generators.images.upload import load_upload

        s = self.core.settings
        image = load_upload(data, max_bytes=s.avatar_max_bytes, max_pixels=s.avatar_max_pixels)
        result = self.studio.cut_out(image)
        path, digest = self._save_avatar_image(result.image)
        return path, digest, result.method

    def _make_cartoon(self, description: str, seed: int) -> tuple[str, str, dict[str, Any]]:
        out = self.studio.cartoon(description, seed=seed, size=512)
        path, digest = self._save_avatar_image(out.image)
        return path, digest, out.options

    async def _store_avatar(self, user_key: str, path: str, kind: str, method: str, digest: str) -> None:
        old = await self.core.memory.avatars.set(user_key, path, kind, method, digest)
        old_path = getattr(old, "path", old)
        if old_path and old_path != path:
            from bot.core.commands import delete_files

            await asyncio.to_thread(delete_files, [old_path], self.core.settings.avatar_data_dir)

    async def avatar_set(self, ctx: Context) -> None:
        """Store an uploaded picture as the user's avatar, cut out offline."""
        attachments = ctx.msg.attachments
        if not attachments:
            raise UserFacingError("avatar_need_image")
        att = attachments[0]
        cap = self.core.settings.avatar_max_bytes
        if (att.size or 0) > cap or (att.data is not None and len(att.data) > cap):
            raise UserFacingError("image_too_big", limit_mb=cap // (1024 * 1024))
        if not att.data:
            raise UserFacingError("image_empty")
        await ctx.out.typing()
        path, digest, method = await asyncio.to_thread(self._process_upload, att.data)
        await self._store_avatar(ctx.user_key, path, "upload", method, digest)
        await ctx.out.send_image(Path(path), ctx.text("avatar_saved", method=ctx.text(f"method_{method}")))

    async def avatar_create(self, ctx: Context, description: str) -> None:
        """Draw a cartoon avatar from a description; deterministic for a seed."""
        args = parse_adventure_args(description)  # reuse the seed:N syntax
        description = args.place[:300]
        seed = args.seed
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
        recs = await self.core.memory.adventures.list(user_key, limit=1)
        if not recs:
            return None
        lm = self.catalogue.get(recs[0].landmark_id)
        return (lm.name(lang) if lm else recs[0].landmark_id), recs[0].at

    async def journal_lines(self, user_key: str, lang: str) -> list[str]:
        """Recent trips for the chat prompt, e.g. 'Tokyo Tower in Tokyo (last week)'."""
        now = self.core.clock.now()
        lines = []
        for rec in await self.core.memory.adventures.list(user_key, limit=3):
            lm = self.catalogue.get(rec.landmark_id)
            if lm:
                lines.append(f"{lm.name('en')} in {lm.city_name('en')} ({relative_when(rec.at, now, 'en')})")
        return lines

    async def _check_limits(self, ctx: Context) -> None:
        memory, s, now = self.core.memory, self.core.settings, self.core.clock.now()
        if not await may_use_images(self.core, ctx.msg.user, ctx.msg.channel):
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

    async def _own_avatar(self, ctx: Context) -> Any:
        avatar = await self.core.memory.avatars.get(ctx.user_key)
        if avatar is not None and Path(avatar.path).is_file():
            return avatar
        seed = int.from_bytes(hashlib.sha256(ctx.user_key.encode()).digest()[:4], "big")
        path, digest, _ = await asyncio.to_thread(self._make_cartoon, "", seed)
        await self._store_avatar(ctx.user_key, path, "cartoon", "cartoon", digest)
        await ctx.reply("avatar_auto")
        return await self.core.memory.avatars.get(ctx.user_key)

    async def _friends(self, ctx: Context, names: tuple[str, ...]) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        wanted = {n.lower() for n in names}
        candidates = [u for u in ctx.msg.mentioned_users if u.key != ctx.user_key]
        for user in candidates:
            if wanted and user.display_name.lower() not in wanted and user.platform_id.lower() not in wanted:
                if len(candidates) != len(names):
                    continue
            avatar = await self.core.memory.avatars.get(user.key)
            if avatar is None or not Path(avatar.path).is_file():
                await ctx.reply("friend_no_avatar", name=user.display_name)
                continue
            found.append((user.display_name, avatar))
        if names and not candidates:
            await ctx.reply("friend_not_found", names=", ".join("@" + n for n in names))
        return found[:3]

    async def adventure(
        self, ctx: Context, raw: str, *, seed: int | None = None, fmt: str | None = None
    ) -> None:
        """Send the user's avatar to a landmark and answer with a postcard and caption."""
        args = parse_adventure_args(raw)
        if not args.place:
            examples = ", ".join(lm.name(ctx.lang) for lm in self.catalogue.all()[:5])
            raise UserFacingError("adventure_usage", examples=examples)
        match = self.catalogue.match(args.place)
        if match.landmark is None:
            names = ", ".join(lm.name(ctx.lang) for lm in match.suggestions) or "Paris, Tokyo, Rio"
            raise UserFacingError("place_unknown", place=args.place[:60], suggestions=names)
        await self._run(
            ctx,
            match.landmark,
            seed=seed if seed is not None else args.seed,
            fmt=fmt or args.fmt,
            style=args.style,
            friend_names=args.friends,
        )

    async def _run(
        self,
        ctx: Context,
        landmark: Landmark,
        *,
        seed: int | None,
        fmt: str,
        style: str | None,
        friend_names: tuple[str, ...] = (),
    ) -> None:
        await self._check_limits(ctx)
        if self.queue.busy(ctx.user_key) or ctx.user_key in self._active:
            raise UserFacingError("job_busy")
        self._active.add(ctx.user_key)  # held from here, so a second request can't race this one
        try:
            await self._run_reserved(
                ctx, landmark, seed=seed, fmt=fmt, style=style, friend_names=friend_names
            )
        finally:
            self._active.discard(ctx.user_key)

    async def _run_reserved(
        self,
        ctx: Context,
        landmark: Landmark,
        *,
        seed: int | None,
        fmt: str,
        style: str | None,
        friend_names: tuple[str, ...],
    ) -> None:
        me = await self._own_avatar(ctx)
        friends = await self._friends(ctx, friend_names)
        seed = secrets.randbelow(2**32) if seed is None else seed
        now = self.core.clock.now()
        lang = ctx.lang
        out_path = self.postcard_dir / f"{uuid.uuid4().hex}.jpg"
        caption_style = ctx.persona.caption_style
        # Read the avatars now: a later /avatar set or delete must not pull the file from under the job.
        try:
            avatar_bytes = await asyncio.to_thread(
                lambda: [Path(p).read_bytes() for p in [me.path] + [a.path for _, a in friends]]
            )
        except FileNotFoundError as exc:
            raise UserFacingError("avatar_none") from exc

        def job() -> AdventureImage:
            import io

            from PIL import Image

            images = []
            for data in avatar_bytes:
                with Image.open(io.BytesIO(data)) as im:
                    images.append(im.convert("RGBA"))
            self.postcard_dir.mkdir(parents=True, exist_ok=True)
            return self.studio.postcard(
                landmark,
                images,
                now_utc=now,
                seed=seed,
                fmt=fmt,
                lang=lang,
                out_path=out_path,
                style=style,
                caption_style=caption_style,
            )

        if self.remote is not None:
            request = PostcardRequest(
                uuid.uuid4().hex, ctx.user_key, landmark.id, tuple(avatar_bytes), now, seed, fmt, lang, style,
                caption_style,
            )  # fmt: skip
            future, ahead = await submit_to_file(self.remote, request, out_path)
        else:
            future, ahead = self.queue.submit(ctx.user_key, job)
        await self.core.memory.usage.record(ctx.user_key, "adventure")
        if ahead:
            await ctx.reply("queued", position=ahead + 1, place=landmark.name(lang))
        else:
            await ctx.out.typing()
        try:
            result = await future
        except InputError:
            raise
        except Exception as exc:
            log.exception("adventure image failed")
            raise UserFacingError("image_failed") from exc
        names = [ctx.msg.user.display_name] + [n for n, _ in friends]
        who = (" & " if lang != "zh" else "和").join(names)
        caption, _source = await make_caption(
            self.core.dialogue,
            ctx.persona,
            landmark,
            user=who,
            lang=lang,
            seed=seed,
            previous=await self.previous_trip(ctx.user_key, lang),
            now=now,
            timeout_s=self.core.settings.llm_timeout_s,
            names=names,
        )
        adv_id = await self.core.memory.adventures.add(
            user_key=ctx.user_key,
            channel_key=ctx.channel_key,
            landmark_id=landmark.id,
            seed=seed,
            image_path=str(result.path),
            image_sha256=result.sha256,
            caption=caption,
            path_used=result.path_used,
            format=fmt,
        )
        footer = ctx.text(f"made_by_{result.path_used}", seed=seed)
        buttons = (Button(ctx.text("button_reroll"), f"reroll:{adv_id}"),) + tuple(
            Button(f, f"format:{adv_id}:{f}") for f in FORMAT_NAMES if f != fmt
        )
        await ctx.out.send_image(Path(result.path), f"{caption}\n{footer}", buttons)

    async def _record(self, ctx: Context, adv_id: str) -> Any:
        """The postcard a button belongs to; pressed by someone else, it sends *their* avatar there."""
        if not adv_id.isdigit() or len(adv_id) > 18:
            return None
        return await self.core.memory.adventures.get(int(adv_id))

    async def action_reroll(self, ctx: Context, arg: str) -> None:
        """Same place, new seed."""
        rec = await self._record(ctx, arg)
        landmark = self.catalogue.get(rec.landmark_id) if rec else None
        if landmark is None:
            raise UserFacingError("adventure_gone")
        await self._run(ctx, landmark, seed=None, fmt=rec.format, style=None)

    async def action_format(self, ctx: Context, arg: str) -> None:
        """Same place and seed, another format."""
        adv_id, _, fmt = arg.partition(":")
        rec = await self._record(ctx, adv_id)
        landmark = self.catalogue.get(rec.landmark_id) if rec else None
        if landmark is None or fmt not in FORMAT_NAMES:
            raise UserFacingError("adventure_gone")
        await self._run(ctx, landmark, seed=rec.seed, fmt=fmt, style=None)

    # ------------------------------------------------------------ journal
    async def journal(self, ctx: Context, page: bool) -> None:
        """List the user's passport stamps, or render a passport page."""
        recs = await self.core.memory.adventures.list(ctx.user_key, limit=200)
        if not recs:
            await ctx.reply("journal_empty")
            return
        if page:
            from generators.images.passport import render_passport

            stamps = []
            for rec in reversed(recs):
                lm = self.catalogue.get(rec.landmark_id)
                if lm:
                    stamps.append((lm, rec.at))
            out = self.postcard_dir / f"passport-{uuid.uuid4().hex}.png"
            self.postcard_dir.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(
                render_passport, stamps, owner=ctx.msg.user.display_name, lang=ctx.lang, out_path=out
            )
            await ctx.out.send_image(out, ctx.text("passport_caption", count=len({s[0].id for s in stamps})))
            return
        lines = []
        for i, rec in enumerate(recs[:20], 1):
            lm = self.catalogue.get(rec.landmark_id)
            name = f"{lm.name(ctx.lang)}, {lm.city_name(ctx.lang)}" if lm else rec.landmark_id
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


def register(core: BotCore, stack: AsyncExitStack, studio: ImageStudio) -> None:
    """Attach the adventure commands to the core; `studio` makes every image."""
    adv = Adventures(core, studio)
    core.adventures = adv  # type: ignore[attr-defined]
    core.chat.journal_provider = adv.journal_lines
    adv.queue.start()
    stack.push_async_callback(adv.queue.aclose)
    if adv.remote is not None:
        stack.push_async_callback(adv.remote.aclose)

    async def cmd_avatar(ctx: Context) -> None:
        argv = ctx.command.args.split(maxsplit=1) if ctx.command else []
        sub = argv[0].lower() if argv else ("set" if ctx.msg.attachments else "")
        rest = argv[1] if len(argv) > 1 else ""
        if sub == "set":
            await adv.avatar_set(ctx)
        elif sub in ("create", "make", "generate", "new"):
            await adv.avatar_create(ctx, rest)
        elif sub == "show":
            avatar = await core.memory.avatars.get(ctx.user_key)
            if avatar is None or not Path(avatar.path).is_file():
                raise UserFacingError("avatar_none")
            await ctx.out.send_image(
                Path(avatar.path), ctx.text("avatar_show", method=ctx.text(f"method_{avatar.method}"))
            )
        elif sub in ("delete", "remove"):
            avatar = await core.memory.avatars.delete(ctx.user_key)
            if avatar is None:
                raise UserFacingError("avatar_none")
            from bot.core.commands import delete_files

            await asyncio.to_thread(delete_files, [avatar.path], core.settings.avatar_data_dir)
            await ctx.reply("avatar_deleted")
        else:
            await ctx.reply("avatar_usage")

    async def cmd_adventure(ctx: Context) -> None:
        await adv.adventure(ctx, ctx.command.args if ctx.command else "")

    async def cmd_landmarks(ctx: Context) -> None:
        await adv.landmarks(ctx, ctx.command.args.strip() if ctx.command else "")

    async def cmd_journal(ctx: Context) -> None:
        args = ctx.command.args.strip().lower() if ctx.command else ""
        page = ctx.command is not None and (
            ctx.command.name == "passport" or args in ("page", "passport", "image")
        )
        await adv.journal(ctx, page)

    core.router.add("avatar", cmd_avatar, "头像")
    core.router.add("adventure", cmd_adventure, "adv", "go", "travel", "旅行")
    core.router.add("landmarks", cmd_landmarks, "places", "地标")
    core.router.add("journal", cmd_journal, "passport", "日志", "护照")
    core.add_action("reroll", adv.action_reroll)
    core.add_action("format", adv.action_format)
