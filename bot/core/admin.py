"""Per-server admin settings: allowed channels, image roles, default persona (`/config`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.models import Channel, User

if TYPE_CHECKING:
    from bot.core.engine import BotCore

TEXTS: dict[str, dict[str, str]] = {
    "config_admin_only": {
        "en": "Only members who can manage this server may change its settings.",
        "zh": "只有可以管理本服务器的成员才能更改设置。",
    },
    "config_show": {
        "en": "Settings here:\n• allowed channels: {channels}\n• roles that may make images: {roles}\n"
        "• default persona: {persona}\nChange with /config channels add|remove|clear [channel], "
        "/config image-roles add|remove|clear [role], /config persona ID",
        "zh": "本服务器设置：\n• 允许的频道：{channels}\n• 可以生成图片的身份组：{roles}\n• 默认角色：{persona}\n"
        "修改：/config channels add|remove|clear [频道]、/config image-roles add|remove|clear [身份组]、/config persona ID",
    },
    "config_saved": {"en": "Saved.", "zh": "已保存。"},
    "config_all": {"en": "all", "zh": "全部"},
    "config_usage": {
        "en": "Usage: /config, /config channels add|remove|clear [channel], "
        "/config image-roles add|remove|clear [role], /config persona ID",
        "zh": "用法：/config、/config channels add|remove|clear [频道]、/config image-roles add|remove|clear [身份组]、"
        "/config persona ID",
    },
    "images_not_allowed": {
        "en": "Image commands are limited to some roles on this server.",
        "zh": "本服务器只有部分身份组可以使用图片命令。",
    },
}


def scope_of(channel: Channel) -> str:
    """Where a channel's admin settings live: its server, or the channel itself."""
    return channel.space_key or f"channel:{channel.key}"


async def _get_list(core: BotCore, scope: str, key: str) -> list[str]:
    raw = await core.memory.settings.get(scope, key)
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


async def channel_allowed(core: BotCore, channel: Channel) -> bool:
    """False when the server limits the bot to other channels."""
    allowed = await _get_list(core, scope_of(channel), "allowed_channels")
    return not allowed or channel.platform_id in allowed


async def may_use_images(core: BotCore, user: User, channel: Channel) -> bool:
    """True unless the server limits images to roles the user lacks (admins always may)."""
    roles = await _get_list(core, scope_of(channel), "image_roles")
    return not roles or user.is_admin or bool(set(roles) & set(user.roles))


async def space_persona(core: BotCore, channel: Channel) -> str | None:
    """The server's default persona id, if an admin set one."""
    return await core.memory.settings.get(scope_of(channel), "default_persona")


async def cmd_config(ctx: Context) -> None:
    """Show or change the admin settings of this server."""
    core, msg = ctx.core, ctx.msg
    scope = scope_of(msg.channel)
    argv = list(ctx.command.argv) if ctx.command else []
    if not argv:
        channels = await _get_list(core, scope, "allowed_channels")
        roles = await _get_list(core, scope, "image_roles")
        persona = await space_persona(core, msg.channel)
        everyone = ctx.text("config_all")
        await ctx.reply(
            "config_show",
            channels=", ".join(channels) or everyone,
            roles=", ".join(roles) or everyone,
            persona=persona or core.settings.default_persona,
        )
        return
    if not msg.user.is_admin:
        raise UserFacingError("config_admin_only")
    what, rest = argv[0].lower(), argv[1:]
    if what == "persona" and len(rest) == 1:
        persona = core.personas.find(rest[0])
        if persona is None:
            raise UserFacingError(
                "persona_unknown", id=rest[0][:60], available=", ".join(p.id for p in core.personas.list())
            )
        await core.memory.settings.set(scope, "default_persona", persona.id)
    elif what in ("channels", "image-roles") and rest and rest[0] in ("add", "remove", "clear"):
        key = "allowed_channels" if what == "channels" else "image_roles"
        values = await _get_list(core, scope, key)
        targets = [v.strip("<#&>") for v in rest[1:]] or (
            [msg.channel.platform_id] if what == "channels" else []
        )
        if rest[0] == "clear":
            values = []
        elif rest[0] == "add":
            values += [v for v in targets if v not in values]
        else:
            values = [v for v in values if v not in targets]
        await core.memory.settings.set(scope, key, json.dumps(values[:200]))
    else:
        raise UserFacingError("config_usage")
    await ctx.reply("config_saved")


def register(core: BotCore) -> None:
    """Register /config."""
    core.router.add("config", cmd_config, "settings")
