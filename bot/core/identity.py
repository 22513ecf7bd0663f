"""`/link`: one person, two platforms. A one-time code joins two identities."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.feature import Feature
from bot.core.files import delete_files_async
from bot.core.ports import AdventureRepo, UserRepo
from bot.core.registry import CommandSpec, Kind, Option, Words

CODE_TTL = timedelta(minutes=10)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I confusion

TEXTS: dict[str, dict[str, str]] = {
    "link_code": {
        "en": "Your link code is {code}. Within 10 minutes, send /link {code} to me on the other platform "
        "(Discord or Telegram) and your memory, avatar and journal will follow you there.",
        "zh": "你的关联代码是 {code}。请在 10 分钟内，在另一个平台（Discord 或 Telegram）上向我发送 "
        "/link {code}，你的记忆、头像和旅行日志就会同步过去。",
    },
    "link_done": {
        "en": "Linked! You are the same person as {other} now; memory, avatar and journal are shared.",
        "zh": "关联成功！你现在和 {other} 是同一个人；记忆、头像和旅行日志都已共享。",
    },
    "link_invalid": {
        "en": "That link code is unknown or expired. Send /link on your other platform to get a new one.",
        "zh": "这个关联代码无效或已过期。请在另一个平台上发送 /link 获取新代码。",
    },
    "link_same": {
        "en": "That code was made by this same account; use it on your other platform.",
        "zh": "这个代码就是这个账号生成的；请在另一个平台上使用。",
    },
}


def new_code() -> str:
    """A short, unambiguous, unguessable one-time code."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


class Identity(Feature):
    """`/link`: join one person's identities across platforms."""

    def __init__(self, users: UserRepo, adventures: AdventureRepo, data_dir: Path) -> None:
        self.users = users
        self.adventures = adventures
        self.data_dir = data_dir

    def commands(self) -> list[CommandSpec]:
        """/link [CODE]."""
        return [
            CommandSpec(
                "link",
                Words("Join your identities across platforms", "关联你在不同平台上的身份"),
                self.cmd_link,
                options=(
                    Option("code", Kind.TEXT, Words("A code from your other platform", "另一个平台上的代码")),
                ),
                usage=Words("[CODE]", "[代码]"),
                private=True,
            )
        ]

    async def cmd_link(self, ctx: Context) -> None:
        """Make a code, or redeem one made on another platform."""
        raw = ctx.command.string("code") if ctx.command else ""
        code = raw.strip().upper().replace("-", "").replace(" ", "")
        if not code:
            code = new_code()
            await self.users.create_link_code(ctx.user_key, code, CODE_TTL)
            await ctx.reply("link_code", code=code)
            return
        if len(code) > 16 or not code.isalnum():
            raise UserFacingError("link_invalid")
        other = await self.users.redeem_link_code(code, ctx.user_key)
        if other is None:
            raise UserFacingError("link_invalid")
        if other == ctx.user_key:
            raise UserFacingError("link_same")
        await delete_files_async(await self.adventures.take_orphan_files(), self.data_dir)
        await ctx.reply("link_done", other=other.split(":", 1)[0].capitalize())
