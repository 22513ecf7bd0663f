"""The postcard pipeline: draw a postcard on the image queue (or QUEUE_URL's workers), caption and send it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.captions import make_caption, names_together
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.image_results import decode_avatars, image_result
from bot.core.jobs import JobQueue
from bot.core.motion_loops import MotionLoops
from bot.core.output import Button
from bot.core.ports import AdventureRepo, DrawnPostcard, ImageStudio, UsageRepo, VoiceReplies
from bot.queue.port import PostcardQueue, PostcardRequest, submit_to_file
from bot.settings import Settings
from generators.dialogue.base import DialogueBackend
from generators.images.formats import FORMAT_NAMES

if TYPE_CHECKING:
    from generators.images.motion import MotionOutput
    from generators.images.scenes import AdventureImage
    from generators.landmarks import Landmark


class Postcards:
    """Renders, captions, journals and sends postcards; /adventure, /trip and the daily postcard use it."""

    def __init__(
        self,
        adventures: AdventureRepo,
        usage: UsageRepo,
        dialogue: DialogueBackend,
        studio: ImageStudio,
        queue: JobQueue,
        motion: MotionLoops,
        settings: Settings,
        postcard_dir: Path,
        remote: PostcardQueue | None = None,
        voice: VoiceReplies | None = None,
    ) -> None:
        self.adventures = adventures
        self.usage = usage
        self.dialogue = dialogue
        self.studio = studio
        self.queue = queue
        self.motion = motion
        self.settings = settings
        self.postcard_dir = postcard_dir
        self.remote = remote  # QUEUE_URL: postcards are rendered by `avatar-bot worker` processes
        self.voice = voice

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
        await self.adventures.own_file(ctx.user_key, str(out_path))
        loop_path = await self.motion.loop_path(ctx) if motion else None
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
            await self.usage.record(key, "adventure")
        if ahead:
            await ctx.reply("queued", position=ahead + 1, place=landmark.name(lang))
        else:
            await ctx.out.typing()
        result = await image_result(future)
        if loop_path is not None and not loops:
            # QUEUE_URL: workers draw the postcard; its loop is rendered here, on this process's queue.
            loops.append(
                await self.motion.render_here(
                    ctx.user_key,
                    landmark,
                    avatar_bytes,
                    out_path=loop_path,
                    now=now,
                    seed=seed,
                    fmt=fmt,
                    lang=lang,
                    style=style,
                    caption_style=caption_style,
                )
            )
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
            await self.adventures.add(
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
            images = decode_avatars(avatar_bytes)
            out_path.parent.mkdir(parents=True, exist_ok=True)
            same: dict[str, Any] = dict(
                now_utc=now, seed=seed, fmt=fmt, lang=lang, style=style, caption_style=caption_style
            )
            if loop_path is None or loops is None:
                return self.studio.postcard(landmark, images, out_path=out_path, **same)
            card, loop = self.studio.postcard_with_loop(
                landmark, images, out_path=out_path, loop_path=loop_path, **same
            )
            loops.append(loop)
            return card

        if self.remote is not None:
            request = PostcardRequest(
                uuid.uuid4().hex, key, landmark.id, tuple(avatar_bytes), now, seed, fmt, lang, style,
                caption_style,
            )  # fmt: skip
            return await submit_to_file(self.remote, request, out_path)
        return self.queue.submit(key, job)
