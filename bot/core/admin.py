"""Per-server admin settings: allowed channels, image roles, default persona (`/config`)."""

from __future__ import annotations

import json

from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.feature import Feature
from bot.core.models import Channel, User
from bot.core.ports import DailyControl, PersonaCatalogue, SettingsRepo
from bot.core.registry import CommandSpec, Kind, Option, Words

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
    "config_voice_off": {
        "en": "• voices off in: {channels} (/config voice off|on [channel])",
        "zh": "• 关闭语音的频道：{channels}（/config voice off|on [频道]）",
    },
    "config_none": {"en": "none", "zh": "无"},
    "config_all": {"en": "all", "zh": "全部"},
    "config_usage": {
        "en": "Usage: /config, /config channels add|remove|clear [channel], "
        "/config image-roles add|remove|clear [role], /config persona ID, /config voice off|on [channel]",
        "zh": "用法：/config、/config channels add|remove|clear [频道]、/config image-roles add|remove|clear [身份组]、"
        "/config persona ID、/config voice off|on [频道]",
    },
    "images_not_allowed": {
        "en": "Image commands are limited to some roles on this server.",
        "zh": "本服务器只有部分身份组可以使用图片命令。",
    },
}


def scope_of(channel: Channel) -> str:
    """Where a channel's admin settings live: its server, or the channel itself."""
    return channel.space_key or f"channel:{channel.key}"


async def _get_list(settings: SettingsRepo, scope: str, key: str) -> list[str]:
    raw = await settings.get(scope, key)
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


async def channel_allowed(settings: SettingsRepo, channel: Channel) -> bool:
    """False when the server limits the bot to other channels."""
    allowed = await _get_list(settings, scope_of(channel), "allowed_channels")
    return not allowed or channel.platform_id in allowed


async def may_use_images(settings: SettingsRepo, user: User, channel: Channel) -> bool:
    """True unless the server limits images to roles the user lacks (admins always may)."""
    roles = await _get_list(settings, scope_of(channel), "image_roles")
    return not roles or user.is_admin or bool(set(roles) & set(user.roles))


async def voice_allowed(settings: SettingsRepo, channel: Channel) -> bool:
    """False when an admin switched voices off in this channel."""
    return channel.platform_id not in await _get_list(settings, scope_of(channel), "voice_off_channels")


async def space_persona(settings: SettingsRepo, channel: Channel) -> str | None:
    """The server's default persona id, if an admin set one."""
    return await settings.get(scope_of(channel), "default_persona")


_ACTION = Option(
    "action",
    Kind.CHOICE,
    Words("add, remove or clear", "添加、移除或清空"),
    required=True,
    choices=("add", "remove", "clear"),
    error="config_usage",
)
CONFIG_NAME = "config"  # answered even in channels the bot is limited away from


class Admin(Feature):
    """`/config`: per-server settings (allowed channels, image roles, default persona)."""

    def __init__(
        self,
        settings: SettingsRepo,
        personas: PersonaCatalogue,
        default_persona: str,
        daily: DailyControl | None = None,
    ) -> None:
        self.settings = settings
        self.personas = personas
        self.default_persona = default_persona
        self.daily = daily

    def commands(self) -> list[CommandSpec]:
        """/config and its subcommands."""
        return [
            CommandSpec(
                CONFIG_NAME,
                Words("Server settings (Manage Server only)", "服务器设置（仅限管理员）"),
                self.cmd_config,
                subcommands=(
                    CommandSpec("show", Words("Show this server's settings", "查看本服务器的设置")),
                    CommandSpec(
                        "persona",
                        Words("Default persona for this server", "本服务器的默认角色"),
                        options=(
                            Option(
                                "persona_id",
                                Kind.TEXT,
                                Words("A persona id", "角色 id"),
                                required=True,
                                autocomplete="personas",
                            ),
                        ),
                    ),
                    CommandSpec(
                        "channels",
                        Words("Limit the bot to some channels", "只在部分频道使用机器人"),
                        options=(_ACTION, Option("channel", Kind.CHANNEL, Words("A channel", "频道"))),
                    ),
                    CommandSpec(
                        "voice",
                        Words("Switch voices off or on in a channel", "在某个频道关闭或开启语音"),
                        options=(
                            Option(
                                "state",
                                Kind.CHOICE,
                                Words("off or on", "关或开"),
                                required=True,
                                choices=("off", "on"),
                                error="config_usage",
                            ),
                            Option("channel", Kind.CHANNEL, Words("A channel", "频道")),
                        ),
                    ),
                    CommandSpec(
                        "daily",
                        Words(
                            "A daily postcard here at HH:MM [timezone], or off",
                            "每天 HH:MM [时区] 在这里发明信片，或 off 关闭",
                        ),
                        options=(
                            Option("time", Kind.TEXT, Words("HH:MM, or off", "HH:MM，或 off"), max_length=20),
                            Option(
                                "timezone",
                                Kind.TEXT,
                                Words("e.g. Europe/Paris, UTC+8, Tokyo", "例如 Asia/Shanghai、UTC+8、东京"),
                                max_length=60,
                            ),
                        ),
                    ),
                    CommandSpec(
                        "image-roles",
                        Words("Limit image commands to some roles", "只允许部分身份组生成图片"),
                        options=(_ACTION, Option("role", Kind.ROLE, Words("A role", "身份组"))),
                    ),
                ),
                aliases=("settings",),
                private=True,
                admin=True,
                in_help=False,
            )
        ]

    async def cmd_config(self, ctx: Context) -> None:
        """Show or change the admin settings of this server."""
        msg, command = ctx.msg, ctx.command
        scope = scope_of(msg.channel)
        sub = command.sub if command else None
        if sub == "show" or (sub is None and not (command and command.args)):
            channels = await _get_list(self.settings, scope, "allowed_channels")
            roles = await _get_list(self.settings, scope, "image_roles")
            persona = await space_persona(self.settings, msg.channel)
            quiet = await _get_list(self.settings, scope, "voice_off_channels")
            everyone = ctx.text("config_all")
            shown = ctx.text(
                "config_show",
                channels=", ".join(channels) or everyone,
                roles=", ".join(roles) or everyone,
                persona=persona or self.default_persona,
            )
            await ctx.send(
                shown
                + "\n"
                + ctx.text("config_voice_off", channels=", ".join(quiet) or ctx.text("config_none"))
            )
            return
        if sub == "daily" and self.daily is not None:
            await self.daily.configure(ctx)  # showing is for everyone; it checks changes are by admins
            return
        if not msg.user.is_admin:
            raise UserFacingError("config_admin_only")
        if command is None or sub is None:
            raise UserFacingError("config_usage")
        if sub == "persona":
            await self._set_default_persona(scope, command.string("persona_id"))
        elif sub == "voice":
            state = command.string("state")
            if state not in ("off", "on"):
                raise UserFacingError("config_usage")
            targets = list(command.ids("channel")) or [msg.channel.platform_id]
            values = [
                v for v in await _get_list(self.settings, scope, "voice_off_channels") if v not in targets
            ]
            if state == "off":
                values += targets
            await self.settings.set(scope, "voice_off_channels", json.dumps(values[:200]))
        else:
            action = command.string("action")
            if not action:
                raise UserFacingError("config_usage")
            key = "allowed_channels" if sub == "channels" else "image_roles"
            values = await _get_list(self.settings, scope, key)
            targets = list(command.ids("channel" if sub == "channels" else "role")) or (
                [msg.channel.platform_id] if sub == "channels" else []
            )
            if action == "clear":
                values = []
            elif action == "add":
                values += [v for v in targets if v not in values]
            else:
                values = [v for v in values if v not in targets]
            await self.settings.set(scope, key, json.dumps(values[:200]))
        await ctx.reply("config_saved")

    async def _set_default_persona(self, scope: str, wanted: str) -> None:
        if not wanted:
            raise UserFacingError("config_usage")
        persona = self.personas.find(wanted)
        if persona is None:
            available = ", ".join(p.id for p in self.personas.list())
            raise UserFacingError("persona_unknown", id=wanted[:60], available=available)
        await self.settings.set(scope, "default_persona", persona.id)
