"""Motion loops: the postcard's Motion button, and the loop a postcard asked with `motion` gets."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.image_results import decode_avatars, image_result
from bot.core.jobs import JobQueue
from bot.core.ports import AdventureRecord, AdventureRepo, AvatarRecord, ImageStudio, UsageRepo

if TYPE_CHECKING:
    from generators.images.motion import MotionOutput
    from generators.landmarks import Landmark


class MotionLoops:
    """Short animated loops of a postcard, rendered on this process's image queue."""

    def __init__(
        self,
        studio: ImageStudio,
        queue: JobQueue,
        adventures: AdventureRepo,
        usage: UsageRepo,
        postcard_dir: Path,
    ) -> None:
        self.studio = studio
        self.queue = queue
        self.adventures = adventures
        self.usage = usage
        self.postcard_dir = postcard_dir

    async def loop_path(self, ctx: Context) -> Path:
        """A new motion loop's file, recorded for /forget before anything is written to it."""
        suffix = await asyncio.to_thread(lambda: self.studio.motion_suffix)
        path = self.postcard_dir / f"{uuid.uuid4().hex}{suffix}"
        await self.adventures.own_file(ctx.user_key, str(path))
        return path

    async def render_here(
        self,
        user_key: str,
        landmark: Landmark,
        avatar_bytes: list[bytes],
        *,
        out_path: Path,
        now: datetime,
        seed: int,
        fmt: str,
        lang: str,
        style: str | None,
        caption_style: str,
    ) -> MotionOutput:
        """The loop of a postcard QUEUE_URL's workers drew (they draw postcards only)."""
        future, _ahead = self._submit(
            user_key,
            landmark,
            avatar_bytes,
            out_path=out_path,
            now=now,
            seed=seed,
            fmt=fmt,
            lang=lang,
            style=style,
            caption_style=caption_style,
        )
        return await image_result(future)

    def _submit(
        self,
        user_key: str,
        landmark: Landmark,
        avatar_bytes: list[bytes],
        *,
        out_path: Path,
        now: datetime,
        seed: int,
        fmt: str,
        lang: str,
        style: str | None,
        caption_style: str,
    ) -> tuple[asyncio.Future[MotionOutput], int]:
        """Queue the `studio.motion` job on this process's image queue: its future and how many are ahead."""

        def job() -> MotionOutput:
            return self.studio.motion(
                landmark,
                decode_avatars(avatar_bytes),
                out_path=out_path,
                now_utc=now,
                seed=seed,
                fmt=fmt,
                lang=lang,
                style=style,
                caption_style=caption_style,
            )

        return self.queue.submit(user_key, job)

    async def send_loop(
        self, ctx: Context, rec: AdventureRecord, landmark: Landmark, me: AvatarRecord
    ) -> None:
        """A loop of an existing postcard with the presser's avatar: same place, seed and format."""
        if me is None:
            raise UserFacingError("avatar_none")
        loop_path = await self.loop_path(ctx)
        try:
            avatar_bytes = await asyncio.to_thread(Path(me.path).read_bytes)
        except FileNotFoundError as exc:
            raise UserFacingError("avatar_none") from exc
        lang = ctx.lang
        # Rendered on this process's queue, also with QUEUE_URL (the workers take postcards only).
        future, ahead = self._submit(
            ctx.user_key,
            landmark,
            [avatar_bytes],
            out_path=loop_path,
            now=rec.at,
            seed=rec.seed,
            fmt=rec.format,
            lang=lang,
            style=None,
            caption_style=ctx.persona.caption_style,
        )
        await self.usage.record(ctx.user_key, "adventure")
        if ahead:
            await ctx.reply("queued", position=ahead + 1, place=landmark.name(lang))
        else:
            await ctx.out.typing()
        loop = await image_result(future)
        caption = ctx.text("motion_caption", place=landmark.name(lang), seed=rec.seed)
        await ctx.out.send_animation(loop.path, caption)
