"""The voice feature: `/say`, `/voice on|off`, the 🔊 button under postcards, spoken postcards and
spoken chat replies, each in the channel persona's voice.

Speech runs in a worker thread, one synthesis at a time. Everything spoken is text that already
passed the checks of a text reply (a sent chat reply, a sent caption, a `/say` line within the
message limit); it is labelled as AI-generated wherever the platform shows a caption.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

from bot.core.admin import voice_allowed
from bot.core.context import Context
from bot.core.errors import UserFacingError
from bot.core.feature import Feature
from bot.core.i18n import t
from bot.core.output import Button, VoiceNote
from bot.core.ports import AdventureRepo, SettingsRepo, Speaker
from bot.core.registry import ActionHandler, CommandSpec, Kind, Option, Words
from generators.errors import InputError
from generators.lang import language_name

log = logging.getLogger(__name__)

SPEAK_ACTION = "speak"
KEEP_FILES = 200  # voice notes kept on disk (the playground and the terminal link to them)

TEXTS: dict[str, dict[str, str]] = {
    "voice_label": {
        "en": "🔊 AI-generated voice of {persona}",
        "zh": "🔊 {persona} 的 AI 生成语音",
    },
    "voice_truncated": {
        "en": "(The voice note reads the first {chars} characters.)",
        "zh": "（语音只读了前 {chars} 个字。）",
    },
    "voice_unsupported": {
        "en": "I can't speak {language} text with this voice engine, so there is no voice note this time.",
        "zh": "这个语音引擎读不了{language}的文字，这次就没有语音了。",
    },
    "voice_unsupported_script": {
        "en": "This voice engine can't read that writing aloud, so there is no voice note this time.",
        "zh": "这个语音引擎读不了这种文字，这次就没有语音了。",
    },
    "voice_empty": {
        "en": "There is nothing I can read aloud in that.",
        "zh": "这段里没有可以朗读的文字。",
    },
    "voice_failed": {
        "en": "Sorry, the voice didn't work this time.",
        "zh": "抱歉，这次语音没有成功。",
    },
    "voice_unavailable": {
        "en": "Voices are off on this bot ({reason}).",
        "zh": "这个机器人没有开启语音（{reason}）。",
    },
    "voice_channel_off": {
        "en": "An admin switched voices off in this channel.",
        "zh": "管理员已在本频道关闭语音。",
    },
    "voice_on": {
        "en": "{persona} will answer you in this channel with a voice note too. /voice off stops it.",
        "zh": "在本频道，{persona} 会同时用语音回答你。/voice off 可以关闭。",
    },
    "voice_off": {
        "en": "Voice replies are off for you in this channel.",
        "zh": "已关闭你在本频道的语音回复。",
    },
    "voice_status": {
        "en": "Voice replies for you here: {state}. Use /voice on or /voice off.",
        "zh": "你在这里的语音回复：{state}。用 /voice on 或 /voice off 切换。",
    },
    "voice_state_on": {"en": "on", "zh": "开"},
    "voice_state_off": {"en": "off", "zh": "关"},
    "say_usage": {"en": "Usage: /say TEXT", "zh": "用法：/say 文字"},
    "button_speak": {"en": "🔊 Listen", "zh": "🔊 听"},
}


class Voices(Feature):
    """Speaks in the persona's voice. Built with the speech pipeline (None when no engine runs, with
    the reason), the settings and adventures repositories, and where voice notes are written."""

    def __init__(
        self,
        speaker: Speaker | None,
        settings: SettingsRepo,
        adventures: AdventureRepo,
        data_dir: Path,
        *,
        unavailable_reason: str = "",
    ) -> None:
        self.speaker = speaker
        self.settings = settings
        self.adventures = adventures
        self.dir = data_dir / "voice"
        self.unavailable_reason = unavailable_reason
        self._lock = asyncio.Lock()  # one synthesis at a time: it is quick, and the CPU is shared

    # ------------------------------------------------------------------ declarations
    def commands(self) -> list[CommandSpec]:
        """/say TEXT and /voice on|off."""
        return [
            CommandSpec(
                "say",
                Words("Hear the persona say something", "让角色读出一段话"),
                self.cmd_say,
                options=(Option("text", Kind.TEXT, Words("What to say", "要说的话"), required=True),),
                aliases=("tts", "说"),
                usage=Words("TEXT", "文字"),
            ),
            CommandSpec(
                "voice",
                Words("Voice replies on or off for you here", "开关你在这里的语音回复"),
                self.cmd_voice,
                options=(
                    Option(
                        "state",
                        Kind.CHOICE,
                        Words("on or off", "开或关"),
                        choices=("on", "off"),
                        synonyms={"开": "on", "关": "off", "yes": "on", "no": "off"},
                        bare=True,
                    ),
                ),
                aliases=("语音",),
                usage=Words("on|off", "on|off"),
            ),
        ]

    def actions(self) -> dict[str, ActionHandler]:
        """🔊 under a postcard: `speak:<adventure id>`."""
        return {SPEAK_ACTION: self.action_speak}

    # ------------------------------------------------------------------ what other features call
    @property
    def available(self) -> bool:
        """Whether an engine runs (the 🔊 button is shown only then)."""
        return self.speaker is not None

    def postcard_buttons(self, lang: str, adventure_id: int) -> tuple[Button, ...]:
        """The 🔊 button for a postcard, or nothing when no engine runs."""
        return (Button(t("button_speak", lang), f"{SPEAK_ACTION}:{adventure_id}"),) if self.available else ()

    async def speak_caption(self, ctx: Context, caption: str) -> None:
        """A postcard's caption, spoken in the caption's language (`/adventure … voice`)."""
        await self.speak(ctx, caption)

    async def after_reply(self, ctx: Context, reply: str) -> None:
        """After a chat reply was sent: speak it too when the speaker turned voice replies on here."""
        if not reply.strip() or not self.available:
            return
        if await self._wants_voice(ctx) and not await self._channel_off(ctx):
            await self.speak(ctx, reply, quiet=True)

    # ------------------------------------------------------------------ commands
    async def cmd_say(self, ctx: Context) -> None:
        """Speak TEXT in the channel persona's voice."""
        text = ctx.command.string("text").strip() if ctx.command else ""
        if not text:
            raise UserFacingError("say_usage")
        await self.speak(ctx, text)

    async def cmd_voice(self, ctx: Context) -> None:
        """Turn voice replies on or off for the speaker in this channel, or show the state."""
        state = ctx.command.string("state") if ctx.command else ""
        key = f"voice:{ctx.channel_key}"
        scope = f"user:{ctx.user_key}"
        if state == "on":
            self._require_engine()
            if await self._channel_off(ctx):
                raise UserFacingError("voice_channel_off")
            await self.settings.set(scope, key, "on")
            await ctx.reply("voice_on", persona=ctx.persona.name)
        elif state == "off":
            await self.settings.set(scope, key, None)
            await ctx.reply("voice_off")
        else:
            on = await self._wants_voice(ctx)
            await ctx.reply("voice_status", state=ctx.text("voice_state_on" if on else "voice_state_off"))

    async def action_speak(self, ctx: Context, arg: str) -> None:
        """🔊 pressed under a postcard: speak its caption."""
        record = await self.adventures.get(int(arg)) if arg.isdigit() and len(arg) <= 18 else None
        if record is None:
            raise UserFacingError("adventure_gone")
        await self.speak(ctx, record.caption)

    # ------------------------------------------------------------------ speaking
    def _require_engine(self) -> Speaker:
        if self.speaker is None:
            raise UserFacingError("voice_unavailable", reason=self.unavailable_reason or "no engine")
        return self.speaker

    async def _wants_voice(self, ctx: Context) -> bool:
        return await self.settings.get(f"user:{ctx.user_key}", f"voice:{ctx.channel_key}") == "on"

    async def _channel_off(self, ctx: Context) -> bool:
        return not await voice_allowed(self.settings, ctx.msg.channel)

    async def speak(self, ctx: Context, text: str, *, quiet: bool = False) -> None:
        """Speak `text` in the persona's voice and send it as a voice note.

        A text the engine can't speak gets a clear note, an engine failure a short apology; with
        `quiet` (chat replies) an unspeakable text is skipped without a note."""
        speaker = self._require_engine()
        if await self._channel_off(ctx):
            if quiet:
                return
            raise UserFacingError("voice_channel_off")
        try:
            async with self._lock:
                out = await asyncio.to_thread(speaker, text, style=ctx.persona.voice)
        except InputError as err:  # SpeechUnsupported: a clear note, never noise
            if quiet:
                return
            params = dict(err.params)
            if "language" in params:
                params["language"] = language_name(str(params["language"]), ctx.lang)
            raise UserFacingError(err.key, **params) from err
        except Exception as err:  # SpeechEngineError, or anything the engine raised
            log.warning("voice engine failed: %s", err, exc_info=not isinstance(err, RuntimeError))
            raise UserFacingError("voice_failed") from err
        path = self.dir / f"{uuid.uuid4().hex}.ogg"
        await self.adventures.own_file(ctx.user_key, str(path))  # recorded first, so /forget finds it
        await asyncio.to_thread(self._save, path, out.audio)
        caption = ctx.text("voice_label", persona=ctx.persona.name)
        if out.truncated:
            caption += "\n" + ctx.text("voice_truncated", chars=len(out.text))
        await ctx.out.send_voice(VoiceNote(path, out.duration_s, out.mime), caption)

    def _save(self, path: Path, audio: bytes) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(audio)
        old = sorted(self.dir.glob("*.ogg"), key=lambda p: p.stat().st_mtime)[:-KEEP_FILES]
        for stale in old:
            stale.unlink(missing_ok=True)
