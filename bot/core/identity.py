"""`/link`: one person, two platforms. A one-time code joins two identities.

A code is only ever shown privately (a direct chat, or an answer only its caller sees). Redeeming it
joins nothing yet: the account that made the code must confirm (a button, or `yes` in that private
chat) before the two become one person. Wrong codes are limited per account.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.clock import Clock
from bot.core.confirm import Confirmations
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.feature import Feature
from bot.core.files import delete_files_async
from bot.core.models import ChannelKind, IncomingMessage
from bot.core.output import Button
from bot.core.ports import AdventureRepo, SettingsRepo, UsageRepo, UserRepo
from bot.core.registry import ActionHandler, CommandSpec, Kind, Option, Words

CODE_TTL = timedelta(minutes=10)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I confusion
LINK = "link"
MAX_FAILED = 5  # wrong codes per account ...
FAILED_WINDOW = timedelta(hours=1)  # ... within this window
FAILED_KIND = "link_failed"
CLAIM_KEY = "link_claim"  # in the maker's `user:` settings scope, so every bot process sees it

TEXTS: dict[str, dict[str, str]] = {
    "link_code": {
        "en": "Your link code is {code}. Within 10 minutes, send /link {code} to me privately on the other "
        "platform (Discord or Telegram). Then come back here, send /link again and confirm: only then "
        "will your memory, avatar and journal follow you there. Never share this code.",
        "zh": "你的关联代码是 {code}。请在 10 分钟内，在另一个平台（Discord 或 Telegram）上私下向我发送 "
        "/link {code}。然后回到这里，再次发送 /link 并确认：确认之后，你的记忆、头像和旅行日志才会同步过去。"
        "不要把这个代码告诉任何人。",
    },
    "link_private_only": {
        "en": "Link codes are private. Send me /link in a private chat (or use the /link slash command), "
        "never in a group.",
        "zh": "关联代码是私密的。请在私聊中向我发送 /link（或使用 /link 斜杠命令），不要在群组里发送。",
    },
    "link_claimed": {
        "en": "Almost done. To protect your memory, confirm on the account that made the code: send /link "
        "to me there, in our private chat, and answer yes.",
        "zh": "快好了。为了保护你的记忆，请在生成代码的那个账号上确认：在那边的私聊中向我发送 /link，然后回答“是”。",
    },
    "link_confirm": {
        "en": "{who} ({platform}) used your link code. If you link, you become one person: they will see "
        "your memory, avatar and journal, and can /forget them. Only say yes if that account is yours. "
        "Link? (yes / no)",
        "zh": "{who}（{platform}）使用了你的关联代码。关联后你们就是同一个人：对方能看到你的记忆、头像和旅行日志，"
        "也能用 /forget 删除它们。只有那个账号确实是你的，才回答“是”。要关联吗？（是 / 不）",
    },
    "link_cancelled": {
        "en": "Not linked. The code is void; send /link for a new one.",
        "zh": "没有关联。这个代码已作废；发送 /link 获取新代码。",
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
    "link_too_many": {
        "en": "Too many wrong link codes. Try again in an hour.",
        "zh": "错误的关联代码太多了。请一小时后再试。",
    },
    "button_link_yes": {"en": "Yes, link", "zh": "是的，关联"},
    "button_link_no": {"en": "No", "zh": "不"},
}


def new_code() -> str:
    """A short, unambiguous, unguessable one-time code."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def is_private(msg: IncomingMessage) -> bool:
    """Whether the answer to `msg` is seen by its sender only."""
    return msg.channel.kind is ChannelKind.DIRECT or msg.private_reply


@dataclass(frozen=True, slots=True)
class Claim:
    """A redeemed code waiting for its maker's confirmation."""

    code: str
    claimer_key: str
    claimer_name: str
    expires_at: datetime

    def dumps(self) -> str:
        """The claim as stored text."""
        return json.dumps([self.code, self.claimer_key, self.claimer_name, self.expires_at.isoformat()])

    @classmethod
    def loads(cls, text: str) -> Claim | None:
        """A claim from stored text; None when it is unreadable."""
        try:
            code, key, name, expires = json.loads(text)
            return cls(str(code), str(key), str(name), datetime.fromisoformat(expires))
        except (ValueError, TypeError):
            return None


class Identity(Feature):
    """`/link`: join one person's identities across platforms, confirmed by the first account."""

    def __init__(
        self,
        users: UserRepo,
        adventures: AdventureRepo,
        usage: UsageRepo,
        settings: SettingsRepo,
        confirmations: Confirmations,
        clock: Clock,
        data_dir: Path,
    ) -> None:
        self.users = users
        self.adventures = adventures
        self.usage = usage
        self.settings = settings
        self.confirmations = confirmations
        self.clock = clock
        self.data_dir = data_dir

    def commands(self) -> list[CommandSpec]:
        """/link [CODE]."""
        return [
            CommandSpec(
                LINK,
                Words("Join your identities across platforms", "关联你在不同平台上的身份"),
                self.cmd_link,
                options=(
                    Option("code", Kind.TEXT, Words("A code from your other platform", "另一个平台上的代码")),
                ),
                usage=Words("[CODE]", "[代码]"),
                private=True,
            )
        ]

    def actions(self) -> dict[str, ActionHandler]:
        """`link:yes` / `link:no`: the code's maker confirms or refuses."""
        return {LINK: self.action_link}

    async def cmd_link(self, ctx: Context) -> None:
        """Make a code, redeem one made on another platform, or confirm a redeemed one."""
        if not is_private(ctx.msg):
            raise UserFacingError("link_private_only")
        raw = ctx.command.string("code") if ctx.command else ""
        code = raw.strip().upper().replace("-", "").replace(" ", "")
        if not code:
            claim = await self._claim(ctx.user_key)
            if claim is not None:
                await self._ask(ctx, claim)
                return
            code = new_code()
            await self.users.create_link_code(ctx.user_key, code, CODE_TTL)
            await ctx.reply("link_code", code=code)
            return
        since = self.clock.now() - FAILED_WINDOW
        if await self.usage.count_since(ctx.user_key, FAILED_KIND, since) >= MAX_FAILED:
            raise UserFacingError("link_too_many")
        maker = None
        if len(code) <= 16 and code.isalnum():
            maker = await self.users.link_code_owner(code)
        earlier = await self._claim(maker) if maker is not None else None
        if maker is None or (earlier is not None and earlier.code == code):  # a code is claimed once
            await self.usage.record(ctx.user_key, FAILED_KIND)
            raise UserFacingError("link_invalid")
        if maker == ctx.user_key:
            raise UserFacingError("link_same")
        claim = Claim(code, ctx.user_key, ctx.msg.user.display_name, self.clock.now() + CODE_TTL)
        await self.settings.set(f"user:{maker}", CLAIM_KEY, claim.dumps())
        await ctx.reply("link_claimed")

    async def _claim(self, maker_key: str) -> Claim | None:
        raw = await self.settings.get(f"user:{maker_key}", CLAIM_KEY)
        claim = Claim.loads(raw) if raw else None
        return claim if claim is not None and claim.expires_at >= self.clock.now() else None

    async def _ask(self, ctx: Context, claim: Claim) -> None:
        buttons = (
            Button(ctx.text("button_link_yes"), f"{LINK}:yes"),
            Button(ctx.text("button_link_no"), f"{LINK}:no"),
        )
        platform = claim.claimer_key.split(":", 1)[0].capitalize()
        await ctx.ask_confirmation(LINK, "link_confirm", buttons, who=claim.claimer_name, platform=platform)

    async def action_link(self, ctx: Context, arg: str) -> None:
        """The code's maker answered: join the two identities, or void the code."""
        claim = await self._claim(ctx.user_key)
        if claim is None:
            raise UserFacingError("link_invalid")
        await self.settings.set(f"user:{ctx.user_key}", CLAIM_KEY, None)
        if arg != "yes":
            # A new code that is already expired replaces (voids) the claimed one.
            await self.users.create_link_code(ctx.user_key, new_code(), timedelta(seconds=-1))
            await ctx.reply("link_cancelled")
            return
        maker = await self.users.redeem_link_code(claim.code, claim.claimer_key)
        if maker != ctx.user_key:
            raise UserFacingError("link_invalid")
        await delete_files_async(await self.adventures.take_orphan_files(), self.data_dir)
        await ctx.reply("link_done", other=claim.claimer_key.split(":", 1)[0].capitalize())
