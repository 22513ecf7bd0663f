"""Terminal chat: an interactive prompt on a TTY, or one reply block per input line for scripts."""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.core.engine import BotCore
from bot.core.models import Attachment, Channel, ChannelKind, IncomingMessage, User
from bot.core.output import Button, PersonaIdentity, SentMessage, VoiceNote
from bot.core.streaming import INDICATOR

MAX_LOCAL_FILE = 50 * 1024 * 1024


@dataclass
class ConsoleOutput:
    """Collects one turn's replies; streams live on a TTY, prints one block otherwise."""

    stream: TextIO
    live: bool
    max_len: int = 100_000
    min_edit_interval: float = 0.05
    texts: list[str] = field(default_factory=list)
    buttons: list[tuple[Button, ...]] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)  # reply index -> the persona name in front

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Start a new reply message."""
        self.texts.append(text)
        self.buttons.append(buttons)
        if self.live:
            self.stream.write(("\n" if len(self.texts) > 1 else "") + text.removesuffix(INDICATOR))
            self.stream.flush()
        return SentMessage(id=str(len(self.texts) - 1))

    async def send_as(
        self, speaker: PersonaIdentity, text: str, buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Start a reply under a persona's name (a terminal has no colour to rely on)."""
        sent = await self.send(f"{speaker.name}: {text}", buttons)
        self.labels[int(sent.id)] = f"{speaker.name}: "
        return sent

    async def edit(self, message: SentMessage, text: str) -> None:
        """Replace a reply's text; on a TTY, print what was appended."""
        i = int(message.id)
        text = self.labels.get(i, "") + text
        old = self.texts[i].removesuffix(INDICATOR)
        self.texts[i] = text
        if self.live and i == len(self.texts) - 1:
            new = text.removesuffix(INDICATOR)
            self.stream.write(new[len(old) :] if new.startswith(old) else "\n" + new)
            self.stream.flush()

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Show where an image was saved, with its caption."""
        return await self.send(f"[image saved: {path}]" + (f"\n{caption}" if caption else ""), buttons)

    async def send_voice(
        self, note: VoiceNote, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Show where a voice note was saved (OGG/Opus; any player opens it), with its label."""
        line = f"[voice saved: {note.path} ({note.duration_s:.1f} s)]"
        return await self.send(line + (f"\n{caption}" if caption else ""), buttons)

    async def send_animation(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Show where a motion loop was saved (MP4, WebP or GIF), with its caption."""
        return await self.send(f"[animation saved: {path}]" + (f"\n{caption}" if caption else ""), buttons)

    async def typing(self) -> None:
        """Nothing to show in a terminal."""

    async def react(self, message_id: str, emoji: str) -> None:
        """Show the reaction as a line of its own."""
        await self.send(f"[{emoji}]")

    def flush_block(self) -> None:
        """Print this turn's replies as one block followed by a blank line."""
        lines: list[str] = []
        for text, buttons in zip(self.texts, self.buttons, strict=True):
            # A blank line ends a block for scripts, so a reply's own paragraph breaks collapse.
            lines.append(re.sub(r"\n\s*\n+", "\n", text.strip()))
            if buttons:
                lines.append("[" + " | ".join(b.label for b in buttons) + "]")
        if self.live:
            self.stream.write("\n\n")
        else:
            self.stream.write("\n".join(lines) + "\n\n")
        self.stream.flush()


class _Printed(ConsoleOutput):
    """A ConsoleOutput for a post nobody asked for: printed at once, on its own lines."""

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Print the message now."""
        self.stream.write("\n" + text + "\n")
        self.stream.flush()
        self.texts.append(text)
        return SentMessage(id=str(len(self.texts) - 1))


def to_message(text: str, user: User, channel: Channel, n: int) -> IncomingMessage:
    """Translate one console line into an IncomingMessage; `/avatar set PATH` attaches the local file."""
    attachments: tuple[Attachment, ...] = ()
    parts = text.split(maxsplit=2)
    if len(parts) == 3 and parts[0].lower() == "/avatar" and parts[1].lower() == "set":
        path = Path(parts[2].strip().strip("'\"")).expanduser()
        if path.is_file():
            size = path.stat().st_size
            data = path.read_bytes() if size <= MAX_LOCAL_FILE else b""
            attachments = (Attachment(filename=path.name, size=size, data=data),)
            text = "/avatar set"
    return IncomingMessage(
        user=user, channel=channel, text=text, message_id=str(n), attachments=attachments, mentions_bot=True
    )


async def chat_loop(
    core: BotCore,
    *,
    user_name: str,
    channel_id: str = "terminal",
    group: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> None:
    """Read messages from stdin and answer each one."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    live = stdin.isatty() and stdout.isatty()
    user = User(platform="console", platform_id=user_name.lower(), display_name=user_name, is_admin=True)
    kind = ChannelKind.GROUP if group else ChannelKind.DIRECT
    channel = Channel(platform="console", platform_id=channel_id, kind=kind, title=channel_id)
    stream = stdout

    async def open_terminal(platform_id: str) -> ConsoleOutput | None:
        # The daily postcard, printed as it arrives.
        return _Printed(stream=stream, live=True) if platform_id == channel_id else None

    core.outlets.register("console", open_terminal)
    try:
        await _read_and_answer(core, user, channel, stdin, stdout, live)
    finally:
        core.outlets.unregister("console", open_terminal)


async def _read_and_answer(
    core: BotCore, user: User, channel: Channel, stdin: TextIO, stdout: TextIO, live: bool
) -> None:
    user_name = user.display_name
    if live:
        persona = await core.persona_for(channel)
        stdout.write(f"{persona.name}: {persona.greeting}\n(type /help for commands, Ctrl-D to quit)\n\n")
    n = 0
    while True:
        if live:
            stdout.write(f"{user_name}> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        line = line.rstrip("\n")
        if not line.strip():
            continue
        n += 1
        msg = await asyncio.to_thread(to_message, line, user, channel, n)
        out = ConsoleOutput(stream=stdout, live=live)
        await core.handle(msg, out)
        out.flush_block()
