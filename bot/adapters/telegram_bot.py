"""Telegram adapter (python-telegram-bot 22): translates updates to core messages and back."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram import User as TgUser
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, ParseMode, ReactionEmoji
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.adapters.supervisor import TokenRejected, best_effort
from bot.core.clock import Clock, SystemClock
from bot.core.engine import BotCore
from bot.core.models import Attachment, Channel, ChannelKind, IncomingMessage, User
from bot.core.output import Button, PersonaIdentity, SentMessage, VoiceNote, colour_dot
from bot.core.registry import Registry
from bot.core.router import normalise_text
from bot.core.streaming import INDICATOR, send_split, split_text
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.adapters.telegram_order import RedisChatOrder

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
PRIVATE_EDIT_INTERVAL = 1.0
GROUP_EDIT_INTERVAL = 3.0  # Telegram allows about 20 messages a minute in a group
MAX_RETRIES = 3
ADMIN_CACHE_S = 300.0  # how long a get_chat_member answer is trusted
ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})

MENU_LANGUAGES = ("en", "zh")


def menu_commands(registry: Registry, lang: str) -> list[tuple[str, str]]:
    """Telegram's command menu in `lang`, generated from the registry."""
    return [(spec.name, spec.description.get(lang)[:256]) for spec in registry.menu(PLATFORM)]


def persona_label(speaker: PersonaIdentity) -> str:
    """A persona's name as Telegram HTML: its colour's emoji dot, then the name in bold."""
    return f"{colour_dot(speaker.colour)} <b>{html.escape(speaker.name, quote=False)}</b>: "


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard; callback data carries the core's action string."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.action[:64]) for b in buttons]]
    )


def _caption_parts(caption: str) -> tuple[str, str]:
    """A media caption's first 1,024 characters (cut at a word) and the rest, sent after as text."""
    if len(caption) <= MAX_CAPTION:
        return caption, ""
    head = split_text(caption, MAX_CAPTION)[0]
    return head, caption[len(head) :].strip()


@dataclass
class TelegramOutput:
    """ChatOutput for one Telegram chat, replying to one message."""

    app: Application
    chat_id: int
    reply_to: int | None
    is_group: bool
    clock: Clock
    max_len: int = MAX_TEXT
    min_edit_interval: float = PRIVATE_EDIT_INTERVAL
    sent: list[int] = field(default_factory=list)
    labels: dict[int, tuple[str, int]] = field(default_factory=dict)  # message id -> persona label, room

    def __post_init__(self) -> None:
        self.min_edit_interval = GROUP_EDIT_INTERVAL if self.is_group else PRIVATE_EDIT_INTERVAL

    async def _call(self, fn, *args, must_deliver: bool = True, idempotent: bool = True, **kwargs):
        """Call the Bot API, honouring flood control (RetryAfter) for text that must arrive.

        A send that timed out may still have reached Telegram, so it is not repeated (no duplicates);
        an edit is safe to repeat.
        """
        for attempt in range(MAX_RETRIES + 1):
            try:
                return await fn(*args, **kwargs)
            except RetryAfter as exc:
                wait = (
                    exc.retry_after.total_seconds()
                    if hasattr(exc.retry_after, "total_seconds")
                    else exc.retry_after
                )
                if not must_deliver or attempt == MAX_RETRIES:
                    raise
                log.warning("telegram flood control: retrying in %.0fs", wait)
                await self.clock.sleep(float(wait))
            except NetworkError as exc:
                if (
                    not must_deliver
                    or attempt == MAX_RETRIES
                    or (isinstance(exc, TimedOut) and not idempotent)
                ):
                    raise
                await self.clock.sleep(min(2.0**attempt, 10.0))
        raise RuntimeError("unreachable")

    def _reply_params(self) -> ReplyParameters | None:
        if self.reply_to is None or self.sent:
            return None
        return ReplyParameters(message_id=self.reply_to, allow_sending_without_reply=True)

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Send a text message (replying to the user's message the first time)."""
        msg = await self._call(
            self.app.bot.send_message,
            chat_id=self.chat_id,
            text=text[: self.max_len],
            reply_markup=keyboard(buttons),
            reply_parameters=self._reply_params(),
            idempotent=False,
        )
        self.sent.append(msg.message_id)
        return SentMessage(id=str(msg.message_id))

    async def send_as(
        self, speaker: PersonaIdentity, text: str, buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send under a persona's name in bold, after an emoji dot of its colour (Telegram colours no text)."""
        label = persona_label(speaker)
        msg = await self._call(
            self.app.bot.send_message,
            chat_id=self.chat_id,
            text=label + html.escape(text[: self.max_len - len(speaker.name) - 8], quote=False),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(buttons),
            reply_parameters=self._reply_params(),
            idempotent=False,
        )
        self.sent.append(msg.message_id)
        self.labels[msg.message_id] = (label, len(speaker.name) + 8)
        return SentMessage(id=str(msg.message_id))

    async def edit(self, message: SentMessage, text: str) -> None:
        """Edit a sent message (a persona's keeps its name); 'not modified' is fine."""
        label, room = self.labels.get(int(message.id), ("", 0))
        shown = (
            label + html.escape(text[: self.max_len - room], quote=False) if label else text[: self.max_len]
        )
        try:
            await self._call(
                self.app.bot.edit_message_text,
                chat_id=self.chat_id,
                message_id=int(message.id),
                text=shown,
                parse_mode=ParseMode.HTML if label else None,
                must_deliver=not text.endswith(INDICATOR),
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send a photo with up to 1,024 caption characters; the rest follows as text."""
        head, rest = _caption_parts(caption)
        data = await asyncio.to_thread(Path(path).read_bytes)
        msg = await self._call(
            self.app.bot.send_photo,
            chat_id=self.chat_id,
            photo=data,
            caption=head or None,
            reply_markup=None if rest else keyboard(buttons),
            reply_parameters=self._reply_params(),
            idempotent=False,
        )
        self.sent.append(msg.message_id)
        if rest:
            await send_split(self, rest, buttons)
        return SentMessage(id=str(msg.message_id))

    async def send_voice(
        self, note: VoiceNote, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send a voice note (`sendVoice`, OGG/Opus) with its label as the caption."""
        data = await asyncio.to_thread(Path(note.path).read_bytes)
        msg = await self._call(
            self.app.bot.send_voice,
            chat_id=self.chat_id,
            voice=data,
            duration=max(1, round(note.duration_s)),
            caption=caption[:MAX_CAPTION] or None,
            reply_markup=keyboard(buttons),
            reply_parameters=self._reply_params(),
            idempotent=False,
        )
        self.sent.append(msg.message_id)
        return SentMessage(id=str(msg.message_id))

    async def send_animation(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Send a motion loop: `sendAnimation` for MP4 (H.264, silent) or GIF, a document for WebP."""
        head, rest = _caption_parts(caption)
        path = Path(path)
        data = await asyncio.to_thread(path.read_bytes)
        common = {
            "chat_id": self.chat_id,
            "caption": head or None,
            "reply_markup": None if rest else keyboard(buttons),
            "reply_parameters": self._reply_params(),
            "idempotent": False,
        }
        name = f"postcard{path.suffix.lower()}"
        if path.suffix.lower() in (".mp4", ".gif"):
            msg = await self._call(self.app.bot.send_animation, animation=data, filename=name, **common)
        else:  # Telegram animations are MP4 or GIF; a WebP loop goes as a file
            msg = await self._call(self.app.bot.send_document, document=data, filename=name, **common)
        self.sent.append(msg.message_id)
        if rest:
            await send_split(self, rest, buttons)
        return SentMessage(id=str(msg.message_id))

    async def react(self, message_id: str, emoji: str) -> None:
        """Set the bot's reaction on a message; Telegram takes only its own list of emoji, so others
        become the closest allowed one."""
        await self.app.bot.set_message_reaction(
            chat_id=self.chat_id, message_id=int(message_id), reaction=telegram_reaction(emoji)
        )

    async def typing(self) -> None:
        """Show 'typing…'."""
        try:
            await self.app.bot.send_chat_action(chat_id=self.chat_id, action=ChatAction.TYPING)
        except TelegramError:
            log.debug("typing indicator failed", exc_info=True)


_ALLOWED_REACTIONS = frozenset(e.value for e in ReactionEmoji)
# Emoji personas like that Telegram does not take as reactions, and the allowed one shown instead.
_REACTION_STAND_INS = {
    "❤️": "❤",
    "✈️": "🕊",
    "🗺️": "🤩",
    "🍵": "🤗",
    "🚆": "⚡",
    "🥟": "🌭",
    "📜": "🤓",
    "☕": "🤗",
    "📚": "🤓",
    "🔭": "🤓",
    "🧪": "🤓",
    "🦖": "🤯",
    "🚀": "⚡",
    "🌙": "🌚",
    "⭐": "🏆",
    "🌟": "🏆",
    "🏔️": "🗿",
    "🌊": "🐳",
    "🏖️": "😎",
    "🍜": "🌭",
    "🍣": "🌭",
    "🍕": "🌭",
    "🥭": "🍌",
    "🍎": "🍓",
    "🎵": "🎉",
    "🏛️": "🗿",
    "🐱": "🥰",
    "🐶": "🥰",
}


def telegram_reaction(emoji: str) -> str:
    """`emoji` if Telegram allows it as a reaction, else a close allowed one (👍 at worst)."""
    if emoji in _ALLOWED_REACTIONS:
        return emoji
    bare = emoji.replace("\ufe0f", "")
    if bare in _ALLOWED_REACTIONS:
        return bare
    return _REACTION_STAND_INS.get(emoji) or _REACTION_STAND_INS.get(bare) or "👍"


def _is_anonymous_admin(message: Message) -> bool:
    """An anonymous admin posts as the group itself (from GroupAnonymousBot); only admins can do that."""
    return message.sender_chat is not None and message.sender_chat.id == message.chat_id


def to_user(u: TgUser, *, is_admin: bool = False) -> User:
    """A Telegram user as a core User."""
    return User(
        PLATFORM,
        str(u.id),
        u.full_name or u.username or str(u.id),
        locale=u.language_code,
        is_admin=is_admin,
    )


def to_channel(message: Message) -> Channel:
    """A Telegram chat as a core Channel."""
    chat = message.chat
    kind = ChannelKind.DIRECT if chat.type == ChatType.PRIVATE else ChannelKind.GROUP
    return Channel(PLATFORM, str(chat.id), kind, chat.title or chat.full_name or "")


class TelegramAdapter:
    """Runs a PTB Application that feeds the core."""

    def __init__(
        self,
        core: BotCore,
        settings: Settings,
        *,
        request: BaseRequest | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.core = core
        self.settings = settings
        self.clock = clock or core.clock or SystemClock()
        assert settings.telegram_token is not None
        builder = (
            Application.builder()
            .token(settings.telegram_token.get_secret_value())
            .concurrent_updates(True)
            .rate_limiter(AIORateLimiter(max_retries=0))
        )
        if settings.telegram_api_base_url:
            builder = builder.base_url(settings.telegram_api_base_url)
        if settings.telegram_file_base_url:
            builder = builder.base_file_url(settings.telegram_file_base_url)
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        self.app = builder.build()
        self._admins: dict[tuple[int, int], tuple[float, bool]] = {}
        self._publish: asyncio.Task | None = None
        # Webhook posts may reach several processes: with Redis, each chat's updates take turns.
        self.order: RedisChatOrder | None = None
        if settings.telegram_webhook_url and settings.queue_url:
            from bot.adapters.telegram_order import RedisChatOrder  # redis: the `scale` extra

            self.order = RedisChatOrder(
                settings.queue_url.get_secret_value(), window_s=settings.telegram_order_window_s
            )
        self.app.add_handler(CallbackQueryHandler(self._on_callback))
        self.app.add_handler(MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, self._on_message))
        self.app.add_error_handler(self._on_error)

    # -------------------------------------------------------------- translation
    def _mentions_bot(self, message: Message) -> bool:
        bot = self.app.bot
        text = message.text or message.caption or ""
        entities = message.entities or message.caption_entities or ()
        for e in entities:
            if e.type == MessageEntity.MENTION:
                if text[e.offset + 1 : e.offset + e.length].lower() == (bot.username or "").lower():
                    return True
            elif e.type == MessageEntity.TEXT_MENTION and e.user and e.user.id == bot.id:
                return True
        return False

    def _strip_bot_mentions(self, message: Message, text: str) -> str:
        """Drop '@botname' (and name-linked mentions of the bot) from the text, as the Discord adapter does."""
        bot = self.app.bot
        parsed = message.parse_entities() if message.text else message.parse_caption_entities()
        for entity, shown in parsed.items():
            if (
                entity.type == MessageEntity.MENTION and shown[1:].lower() == (bot.username or "").lower()
            ) or (entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id):
                text = text.replace(shown, " ", 1)
        return re.sub(r"[ \t]{2,}", " ", text).strip()

    async def _attachments(self, message: Message) -> tuple[Attachment, ...]:
        """The message's picture, downloaded unless it is over the avatar byte cap (the core rejects it)."""
        if message.photo:
            best = message.photo[-1]  # Telegram lists sizes smallest first
            source, name, mime, size = best, "photo.jpg", "image/jpeg", best.file_size
        elif message.document and (message.document.mime_type or "").startswith("image/"):
            doc = message.document
            source, name, mime, size = doc, doc.file_name or "image", doc.mime_type, doc.file_size
        else:
            return ()
        if (size or 0) > self.settings.avatar_max_bytes:
            return (Attachment(name, mime, size, b""),)
        try:
            file = await source.get_file()
            data = bytes(await file.download_as_bytearray())
        except TelegramError:
            log.warning("could not download a picture", exc_info=True)
            data = b""
        return (Attachment(name, mime, len(data) or size, data),)

    async def is_chat_admin(self, chat_id: int, user_id: int) -> bool:
        """True when Telegram says the user is the chat's creator or an administrator (cached)."""
        now = self.clock.monotonic()
        cached = self._admins.get((chat_id, user_id))
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            member = await self.app.bot.get_chat_member(chat_id=chat_id, user_id=user_id)
        except TelegramError:
            log.warning("get_chat_member failed; treating the user as not an admin", exc_info=True)
            return False  # not cached: ask again next time
        is_admin = member.status in ADMIN_STATUSES
        if len(self._admins) > 10_000:
            self._admins = {k: v for k, v in self._admins.items() if v[0] > now}
        self._admins[(chat_id, user_id)] = (now + ADMIN_CACHE_S, is_admin)
        return is_admin

    async def _user_is_admin(self, message: Message, text: str) -> bool:
        # Everyone administers their own DM; in groups Telegram is asked only for admin commands.
        if message.chat.type == ChatType.PRIVATE:
            return True
        # Only commands declared `admin` read User.is_admin.
        if message.from_user is None or not self.core.registry.is_admin_command(normalise_text(text)):
            return False
        if _is_anonymous_admin(message):
            return True
        return await self.is_chat_admin(message.chat_id, message.from_user.id)

    async def to_incoming(self, message: Message) -> IncomingMessage:
        """Translate a Telegram message into the core's IncomingMessage."""
        text = message.text or message.caption or ""
        mentions_bot = self._mentions_bot(message)
        if mentions_bot:
            text = self._strip_bot_mentions(message, text)
        bot_id = self.app.bot.id
        reply = message.reply_to_message
        reply_to_bot = bool(reply and reply.from_user and reply.from_user.id == bot_id)
        has_picture = bool(message.photo) or (
            message.document is not None and (message.document.mime_type or "").startswith("image/")
        )
        if has_picture and not text.strip() and reply is not None:
            # A bare picture sent in reply to "/avatar …" (or to the bot asking for one) sets the avatar.
            replied = (reply.text or reply.caption or "").strip().lower()
            if replied.startswith("/avatar") or (reply_to_bot and "/avatar" in replied):
                text = "/avatar set"
        wants_picture = has_picture and self.core.registry.accepts_attachment(normalise_text(text))
        if wants_picture and len(text.split()) == 1:
            text = "/avatar set"  # a picture captioned "/avatar" means what Discord's /avatar set does
        attachments = await self._attachments(message) if wants_picture else ()
        mentioned = tuple(
            to_user(e.user)
            for e in (message.entities or ())
            if e.type == MessageEntity.TEXT_MENTION and e.user and e.user.id != bot_id
        )
        return IncomingMessage(
            user=to_user(message.from_user, is_admin=await self._user_is_admin(message, text)),
            channel=to_channel(message),
            text=text,
            message_id=str(message.message_id),
            attachments=attachments,
            mentions_bot=mentions_bot,
            reply_to_bot=reply_to_bot,
            reply_to_id=str(reply.message_id) if reply is not None else "",
            mentioned_users=mentioned,
            sent_at=message.date,
        )

    def output_for(self, message: Message) -> TelegramOutput:
        """A ChatOutput that answers in `message`'s chat."""
        return TelegramOutput(
            app=self.app,
            chat_id=message.chat_id,
            reply_to=message.message_id,
            is_group=message.chat.type != ChatType.PRIVATE,
            clock=self.clock,
        )

    # -------------------------------------------------------------- handlers
    @contextlib.asynccontextmanager
    async def _turn(self, update: Update) -> AsyncIterator[bool]:
        """Wait for the update's turn in its chat (across processes); False: another took it."""
        chat = update.effective_chat
        if self.order is None or chat is None:
            yield True
            return
        async with self.order.turn(chat.id, update.update_id) as ours:
            yield ours

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.from_user is None:
            return
        if message.from_user.is_bot and not _is_anonymous_admin(message):
            return
        async with self._turn(update) as ours:
            if ours:
                incoming = await self.to_incoming(message)
                await self.core.handle(incoming, self.output_for(message))

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.message is None or not isinstance(query.message, Message):
            return
        async with self._turn(update) as ours:
            if ours:
                await self._answer_callback(query, query.message)

    async def _answer_callback(self, query: CallbackQuery, message: Message) -> None:
        try:
            await query.answer()
        except TelegramError:
            log.debug("answering a callback query failed", exc_info=True)
        user = to_user(query.from_user, is_admin=message.chat.type == ChatType.PRIVATE)
        incoming = IncomingMessage(
            user=user, channel=to_channel(message), text="", message_id=str(message.message_id)
        )
        out = self.output_for(message)
        out.reply_to = None
        await self.core.handle_action(user, incoming, query.data or "", out)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed: %s", type(context.error).__name__, exc_info=context.error)

    # -------------------------------------------------------------- lifecycle
    async def publish_commands(self) -> None:
        """Publish the command list in English (default) and Chinese."""
        for lang in MENU_LANGUAGES:
            await self.app.bot.set_my_commands(
                [BotCommand(c, d) for c, d in menu_commands(self.core.registry, lang)],
                language_code=None if lang == "en" else lang,
            )

    async def start(self) -> None:
        """Initialise (getMe) and start polling (or the webhook); raises on failure (TokenRejected when
        Telegram refuses the token). Publishing the command menu is best effort, retried in the
        background."""
        try:
            await self.app.initialize()
        except InvalidToken as exc:
            raise TokenRejected(
                "Telegram rejected TELEGRAM_TOKEN (invalid token); check it with @BotFather"
            ) from exc
        self._publish = asyncio.create_task(
            best_effort("telegram: publishing the command menu", self.publish_commands, self.clock),
            name="telegram-publish-commands",
        )
        await self.app.start()
        if self.settings.telegram_webhook_url:
            url = self.settings.telegram_webhook_url
            configured = self.settings.telegram_webhook_secret
            # Only Telegram knows the secret, so forged POSTs to the webhook port are refused (403).
            secret = configured.get_secret_value() if configured else secrets.token_urlsafe(32)
            await self.app.updater.start_webhook(
                listen=self.settings.telegram_webhook_listen,
                port=self.settings.telegram_webhook_port,
                url_path=urlsplit(url).path.strip("/") or "telegram",
                webhook_url=url,
                secret_token=secret,
                drop_pending_updates=False,
            )
            log.info(
                "telegram: webhook mode, listening on %s:%s",
                self.settings.telegram_webhook_listen,
                self.settings.telegram_webhook_port,
            )
        else:
            await self.app.updater.start_polling(drop_pending_updates=False)
            log.info("telegram: polling as @%s", self.app.bot.username)
        self.core.outlets.register(PLATFORM, self.open_chat)

    async def open_chat(self, chat_id: str) -> TelegramOutput | None:
        """An output to a chat by id, for posts nobody asked for."""
        if not re.fullmatch(r"-?\d{1,20}", chat_id):
            return None
        number = int(chat_id)
        return TelegramOutput(
            app=self.app, chat_id=number, reply_to=None, is_group=number < 0, clock=self.clock
        )

    def connected(self) -> bool:
        """True while the application runs and polls (or serves its webhook)."""
        return self.app.running and (self.app.updater is None or self.app.updater.running)

    async def stop(self) -> None:
        """Stop polling and shut the application down (also after a partial start)."""
        self.core.outlets.unregister(PLATFORM, self.open_chat)
        if self._publish is not None:
            self._publish.cancel()
            await asyncio.gather(self._publish, return_exceptions=True)
            self._publish = None
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        if self.order is not None:
            await self.order.aclose()
