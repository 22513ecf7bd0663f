"""Avatars: /avatar set|create|show|delete, and the avatar each postcard draws (AvatarStore)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.adventure_args import SEED
from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.files import delete_files_async
from bot.core.models import Mention
from bot.core.ports import AvatarRecord, AvatarRepo, ImageStudio
from bot.core.registry import CommandSpec, Kind, Option, Words
from bot.settings import Settings

if TYPE_CHECKING:
    from PIL import Image


class AvatarStore:
    """Who looks like what: uploads cut out, cartoons drawn, files kept under `avatar_dir`."""

    def __init__(self, avatars: AvatarRepo, studio: ImageStudio, settings: Settings, clock: Clock) -> None:
        self.avatars = avatars
        self.studio = studio
        self.settings = settings
        self.clock = clock
        self.avatar_dir = settings.avatar_data_dir / "avatars"

    def _save_image(self, image: Image.Image) -> tuple[str, str]:
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
        path, digest = self._save_image(result.image)
        return path, digest, result.method

    def draw_cartoon(self, description: str, seed: int, path: Path) -> dict[str, Any]:
        """Draw a 512px cartoon avatar of `description` and save it, metadata-free, at `path` (blocking);
        returns the options it was drawn with."""
        from generators.images.upload import save_clean_png

        out = self.studio.cartoon(description, seed=seed, size=512)
        save_clean_png(out.image, path)
        return out.options

    def _make_cartoon(self, description: str, seed: int) -> tuple[str, str, dict[str, Any]]:
        path = self.avatar_dir / f"{uuid.uuid4().hex}.png"
        options = self.draw_cartoon(description, seed, path)
        return str(path), hashlib.sha256(path.read_bytes()).hexdigest(), options

    async def _store(self, user_key: str, path: str, kind: str, method: str, digest: str) -> None:
        old = await self.avatars.set(user_key, path, kind, method, digest)
        if old and old != path:
            await delete_files_async([old], self.settings.avatar_data_dir)

    async def set_uploaded(self, ctx: Context) -> None:
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
        await self._store(ctx.user_key, path, "upload", method, digest)
        await ctx.out.send_image(Path(path), ctx.text("avatar_saved", method=ctx.text(f"method_{method}")))

    async def create(self, ctx: Context, description: str, seed: int | None) -> None:
        """Draw a cartoon avatar from a description; deterministic for a seed."""
        description = " ".join(description.split())[:300]
        if seed is None:
            seed = int.from_bytes(
                hashlib.sha256(f"{ctx.user_key}|{description}".encode()).digest()[:4], "big"
            )
        await ctx.out.typing()
        path, digest, options = await asyncio.to_thread(self._make_cartoon, description, seed)
        await self._store(ctx.user_key, path, "cartoon", "cartoon", digest)
        await ctx.out.send_image(Path(path), ctx.text("avatar_created", seed=seed))

    async def show(self, ctx: Context) -> None:
        """Send the user's avatar back to them."""
        avatar = await self.avatars.get(ctx.user_key)
        if avatar is None or not Path(avatar.path).is_file():
            raise UserFacingError("avatar_none")
        await ctx.out.send_image(
            Path(avatar.path), ctx.text("avatar_show", method=ctx.text(f"method_{avatar.method}"))
        )

    async def delete(self, ctx: Context) -> None:
        """Forget the user's avatar and delete its file."""
        avatar = await self.avatars.delete(ctx.user_key)
        if avatar is None:
            raise UserFacingError("avatar_none")
        await delete_files_async([avatar.path], self.settings.avatar_data_dir)
        await ctx.reply("avatar_deleted")

    async def avatar_for(self, user_key: str) -> tuple[AvatarRecord, bool]:
        """The person's avatar, drawing them a cartoon one when they have none; (avatar, drawn now)."""
        avatar = await self.avatars.get(user_key)
        if avatar is not None and Path(avatar.path).is_file():
            return avatar, False
        seed = int.from_bytes(hashlib.sha256(user_key.encode()).digest()[:4], "big")
        path, digest, _ = await asyncio.to_thread(self._make_cartoon, "", seed)
        await self._store(user_key, path, "cartoon", "cartoon", digest)
        drawn = AvatarRecord(user_key, path, "cartoon", "cartoon", digest, self.clock.now())
        return await self.avatars.get(user_key) or drawn, True

    async def own(self, ctx: Context) -> AvatarRecord:
        """The speaker's avatar, telling them when one was drawn for them just now."""
        avatar, drawn = await self.avatar_for(ctx.user_key)
        if drawn:
            await ctx.reply("avatar_auto")
        return avatar

    async def friends(self, ctx: Context, named: tuple[Mention, ...]) -> list[tuple[str, AvatarRecord]]:
        """The friends' avatars: the people named, else everyone the message mentions."""
        found: list[tuple[str, AvatarRecord]] = []
        candidates = [u for u in ctx.msg.mentioned_users if u.key != ctx.user_key]
        users = [m.user for m in named if m.user is not None and m.user.key != ctx.user_key]
        if not named or (not users and len(candidates) == len(named)):
            users = candidates  # a platform may show a mention differently from the display name
        for user in users:
            avatar = await self.avatars.get(user.key)
            if avatar is None or not Path(avatar.path).is_file():
                await ctx.reply("friend_no_avatar", name=user.display_name)
                continue
            found.append((user.display_name, avatar))
        if named and not users:
            await ctx.reply("friend_not_found", names=", ".join("@" + m.name for m in named))
        return found[:3]


def avatar_command(store: AvatarStore) -> CommandSpec:
    """/avatar set|create|show|delete, declared once."""

    async def cmd_avatar(ctx: Context) -> None:
        command = ctx.command
        sub = command.sub if command else None
        if sub is None and ctx.msg.attachments and not (command and command.args):
            sub = "set"
        if sub == "set":
            await store.set_uploaded(ctx)
        elif sub == "create" and command is not None:
            await store.create(ctx, command.string("description"), command.integer("seed"))
        elif sub == "show":
            await store.show(ctx)
        elif sub == "delete":
            await store.delete(ctx)
        else:
            await ctx.reply("avatar_usage")

    return CommandSpec(
        "avatar",
        Words("Your avatar", "你的头像"),
        cmd_avatar,
        subcommands=(
            CommandSpec(
                "set",
                Words("Upload a picture as your avatar", "上传一张图片作为头像"),
                options=(Option("image", Kind.ATTACHMENT, Words("Your picture", "你的图片"), required=True),),
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
    )
