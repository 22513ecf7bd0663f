"""The local web playground: a group-chat page served by aiohttp, wired to the core over websockets."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from aiohttp import WSMsgType, web

from bot.core.engine import BotCore
from bot.core.i18n import t, ui_language
from bot.core.models import Attachment, Channel, ChannelKind, IncomingMessage, User
from bot.core.output import Button, PersonaIdentity, SentMessage, VoiceNote
from bot.health import Operations
from generators.lang import clean_name

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
PLATFORM = "web"
SPACE = "playground"
DEFAULT_GROUPS = {"lobby": "lobby", "travel": "travel"}
MAX_GROUPS = 100
NAME_MAX = 40
FIELD_MAX = 1024
UPLOAD_FIELDS = ("name", "channel", "lang")  # the text fields an upload may carry; others are refused
MAX_UPLOAD_PARTS = 8
UPLOAD_SLACK = 64 * 1024  # multipart framing and the text fields, on top of the picture's own cap
HISTORY_LIMIT = 50
MEDIA_KEEP = 2000
ACTIONS_KEEP = 2000
SEND_TIMEOUT_S = 5.0
MAX_INFLIGHT = 6  # unanswered messages per tab
IMAGE_SUFFIXES = {
    ".ogg": "audio/ogg",  # voice notes (the name stays: everything /media/ serves)
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".mp4": "video/mp4",  # motion loops
}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def slugify(name: str, limit: int = NAME_MAX) -> str:
    """A lowercase id made of word characters and dashes (unicode letters kept)."""
    return re.sub(r"[\W_]+", "-", name.casefold()).strip("-")[:limit].strip("-")


def safe_filename(name: str) -> str:
    """The last path component of an uploaded file's name (percent-decoded), printable, short."""
    base = re.split(r"[/\\]", unquote(name))[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[-120:] or "upload"


def human_size(n: int) -> str:
    """Bytes as a short human string, e.g. `10 MB` or `200 KB`."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.3g} MB"
    if n >= 1024:
        return f"{n / 1024:.3g} KB"
    return f"{n} bytes"


class MediaStore:
    """Hands out opaque tokens for image files that live under the data directory."""

    def __init__(self, root: Path, keep: int = MEDIA_KEEP) -> None:
        self.root = Path(root).resolve()
        self.keep = keep
        self._by_token: OrderedDict[str, Path] = OrderedDict()
        self._by_path: dict[Path, str] = {}

    def _inside(self, path: Path) -> Path | None:
        try:
            resolved = Path(path).resolve()
        except (OSError, RuntimeError):
            return None
        if not resolved.is_relative_to(self.root) or resolved.suffix.lower() not in IMAGE_SUFFIXES:
            return None
        return resolved

    def add(self, path: Path) -> str | None:
        """A token for `path`, or None when it is not an image under the root."""
        resolved = self._inside(path)
        if resolved is None:
            return None
        token = self._by_path.get(resolved)
        if token is None:
            token = secrets.token_urlsafe(18)
            self._by_path[resolved] = token
        self._by_token[token] = resolved
        self._by_token.move_to_end(token)
        while len(self._by_token) > self.keep:
            _, old = self._by_token.popitem(last=False)
            self._by_path.pop(old, None)
        return token

    def get(self, token: str) -> Path | None:
        """The file behind a token, if it still exists under the root."""
        if not _TOKEN.match(token):
            return None
        path = self._by_token.get(token)
        if path is None:
            return None
        resolved = self._inside(path)
        return resolved if resolved is not None and resolved.is_file() else None


@dataclass
class WebChatOutput:
    """The core's `ChatOutput` for one incoming message: every event goes to every tab in the channel."""

    playground: Playground
    channel_id: str
    max_len: int = 4000
    min_edit_interval: float = 0.2
    author: str = ""

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> SentMessage:
        """Broadcast a new bot message."""
        mid = self.playground.new_id()
        await self.playground.broadcast(
            self.channel_id, self.playground.bot_event(mid, text, buttons, self.author)
        )
        return SentMessage(id=mid)

    async def send_as(
        self, speaker: PersonaIdentity, text: str, buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Broadcast a bot message under a persona's name, which the page shows in its colour."""
        mid = self.playground.new_id()
        event = self.playground.bot_event(mid, text, buttons, speaker.name)
        event["colour"] = speaker.colour
        await self.playground.broadcast(self.channel_id, event)
        return SentMessage(id=mid)

    async def edit(self, message: SentMessage, text: str) -> None:
        """Broadcast a new text for a bot message (streaming updates)."""
        await self.playground.broadcast(self.channel_id, {"type": "edit", "id": message.id, "text": text})

    async def send_image(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Broadcast an image served from /media/ by token, with its caption and buttons."""
        mid = self.playground.new_id()
        token = self.playground.media.add(Path(path))
        if token is None:
            log.warning("refusing to serve an image outside the data directory")
        event = self.playground.bot_event(mid, caption, buttons, self.author)
        event["image"] = f"/media/{token}" if token else None
        await self.playground.broadcast(self.channel_id, event)
        return SentMessage(id=mid)

    async def send_voice(
        self, note: VoiceNote, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Broadcast a voice note, played by an audio player, with its label and buttons."""
        mid = self.playground.new_id()
        token = self.playground.media.add(Path(note.path))
        if token is None:
            log.warning("refusing to serve a voice note outside the data directory")
        event = self.playground.bot_event(mid, caption, buttons, self.author)
        event["audio"] = f"/media/{token}" if token else None
        event["duration"] = round(note.duration_s, 1)
        await self.playground.broadcast(self.channel_id, event)
        return SentMessage(id=mid)

    async def send_animation(
        self, path: Path, caption: str = "", buttons: tuple[Button, ...] = ()
    ) -> SentMessage:
        """Broadcast a motion loop: the page plays an MP4 muted and looping, and shows a WebP/GIF as is."""
        mid = self.playground.new_id()
        token = self.playground.media.add(Path(path))
        if token is None:
            log.warning("refusing to serve an animation outside the data directory")
        event = self.playground.bot_event(mid, caption, buttons, self.author)
        url = f"/media/{token}" if token else None
        if Path(path).suffix.lower() == ".mp4":
            event["video"] = url
        else:
            event["image"] = url
        event["animation"] = True
        await self.playground.broadcast(self.channel_id, event)
        return SentMessage(id=mid)

    async def typing(self) -> None:
        """Show the typing indicator in the channel."""
        await self.playground.broadcast(self.channel_id, {"type": "typing"})

    async def react(self, message_id: str, emoji: str) -> None:
        """Show the emoji under the message in every tab of the channel."""
        await self.playground.broadcast(
            self.channel_id, {"type": "reaction", "id": message_id, "emoji": emoji}
        )


class PlaygroundExposed(RuntimeError):
    """PLAYGROUND_HOST is beyond loopback without PLAYGROUND_PUBLIC=true."""


@dataclass
class _Tab:
    ws: web.WebSocketResponse
    user: User
    channel: Channel
    inflight: int = 0


@dataclass
class Playground:
    """The embedded web playground. `start(host, port)` serves it; `app` is the aiohttp application."""

    core: BotCore
    ops: Operations | None = None  # mounts /healthz and /metrics when given
    port: int | None = None
    _app: web.Application | None = None
    _runner: web.AppRunner | None = None
    _subs: dict[str, set[web.WebSocketResponse]] = field(default_factory=dict)
    _groups: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_GROUPS))
    _actions: OrderedDict[str, dict[str, str]] = field(default_factory=OrderedDict)
    _tasks: set[asyncio.Task] = field(default_factory=set)
    _persona_shown: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _loopback_only: bool = False

    def __post_init__(self) -> None:
        self.settings = self.core.settings
        self.media = MediaStore(self.settings.avatar_data_dir)
        self._prefix = secrets.token_hex(3)

    # ------------------------------------------------------------------ lifecycle
    @property
    def app(self) -> web.Application:
        """The aiohttp application (built once)."""
        if self._app is None:
            self._app = self._build_app()
        return self._app

    async def start(self, host: str, port: int) -> None:
        """Serve on host:port (0 picks a free port, exposed as `.port`). A bind beyond loopback needs
        PLAYGROUND_PUBLIC=true: the playground has no login and everyone in it is an admin."""
        self._loopback_only = host in _LOOPBACK
        if not self._loopback_only:
            if not self.settings.playground_public:
                raise PlaygroundExposed(
                    f"PLAYGROUND_HOST={host} would serve the playground beyond this machine, where it has "
                    "no login and everyone is an admin. Set PLAYGROUND_PUBLIC=true to allow it, or bind "
                    "127.0.0.1 and put an authenticating proxy in front."
                )
            log.warning(
                "!!! PLAYGROUND_PUBLIC: the playground on %s has NO LOGIN and everyone who reaches it is "
                "an ADMIN (can change personas, channels and forget users). Use only on a trusted network.",
                host,
            )
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        addresses = self._runner.addresses
        self.port = addresses[0][1] if addresses else port
        log.info("playground listening on %s:%s", host, self.port)

    async def stop(self) -> None:
        """Close every socket, cancel replies still running, and stop serving."""
        await self._shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _startup(self, _app: web.Application) -> None:
        self.core.outlets.register(PLATFORM, self.open_channel)  # the daily postcard may post now

    async def _shutdown(self, _app: web.Application | None = None) -> None:
        self.core.outlets.unregister(PLATFORM, self.open_channel)
        sockets = [ws for subs in self._subs.values() for ws in subs]
        if sockets:
            await asyncio.gather(
                *(asyncio.wait_for(ws.close(), SEND_TIMEOUT_S) for ws in sockets), return_exceptions=True
            )
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[self._guard],
            client_max_size=self.settings.avatar_max_bytes + 1024 * 1024,
        )
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False, append_version=False)
        app.router.add_get("/api/config", self._config)
        app.router.add_get("/api/personas", self._personas)
        app.router.add_get("/api/commands", self._commands)
        app.router.add_get("/api/channels", self._channels)
        app.router.add_post("/api/channels", self._add_channel)
        app.router.add_get("/api/history", self._history)
        app.router.add_post("/api/action", self._action)
        app.router.add_post("/api/upload", self._upload)
        app.router.add_get("/media/{token}", self._media)
        app.router.add_get("/ws", self._ws)
        if self.ops is not None:
            self.ops.add_routes(app.router)
        app.on_startup.append(self._startup)
        app.on_shutdown.append(self._shutdown)
        return app

    # ------------------------------------------------------------------ helpers
    async def open_channel(self, channel_id: str) -> WebChatOutput | None:
        """An output to a playground channel (its open tabs), for posts nobody asked for."""
        if slugify(channel_id) != channel_id:
            return None
        kind = ChannelKind.DIRECT if channel_id.startswith("dm-") else ChannelKind.GROUP
        persona = await self.core.persona_for(Channel(PLATFORM, channel_id, kind, space=SPACE))
        return WebChatOutput(self, channel_id, author=persona.name)

    def new_id(self) -> str:
        """A message id unique for this server run."""
        return f"m{self._prefix}-{next(self._ids)}"

    def bot_event(self, mid: str, text: str, buttons: tuple[Button, ...], author: str = "") -> dict[str, Any]:
        """A `message` event for a bot message; remembers its buttons so presses can be checked."""
        if buttons:
            self._actions[mid] = {b.action: b.label for b in buttons}
            while len(self._actions) > ACTIONS_KEEP:
                self._actions.popitem(last=False)
        return {
            "type": "message",
            "id": mid,
            "role": "bot",
            "author": author,
            "text": text,
            "buttons": [{"label": b.label, "action": b.action} for b in buttons],
            "image": None,
            "at": self.core.clock.now().isoformat(),
        }

    async def broadcast(self, channel_id: str, event: dict[str, Any]) -> None:
        """Send an event to every tab in the channel; closed or stuck sockets are dropped, never raised."""
        sockets = self._subs.get(channel_id)
        if not sockets:
            return
        data = _dumps(event)
        for ws in list(sockets):
            if ws.closed:
                sockets.discard(ws)
                continue
            try:
                await asyncio.wait_for(ws.send_str(data), SEND_TIMEOUT_S)
            except Exception:  # a tab that went away must not disturb the reply
                log.debug("dropping a websocket that failed to receive", exc_info=True)
                sockets.discard(ws)

    def _user(self, name: str, lang: str | None) -> User:
        if not _is_text(name) or (lang is not None and not _is_text(lang)):
            raise _http(web.HTTPBadRequest, "web_bad_name", lang if _is_text(lang) else None)
        display = clean_name(name, NAME_MAX)
        slug = slugify(display)
        if not slug:
            raise _http(web.HTTPBadRequest, "web_bad_name", lang)
        locale = (lang or "")[:16] or None
        return User(platform=PLATFORM, platform_id=slug, display_name=display, locale=locale, is_admin=True)

    def _dm_id(self, user: User) -> str:
        return f"dm-{user.platform_id}"

    def _channel(self, channel_id: str, user: User) -> Channel:
        cid = channel_id.strip().casefold()
        if not cid or slugify(cid) != cid:
            raise _http(web.HTTPBadRequest, "web_bad_channel", user.locale)
        if cid.startswith("dm-"):
            if cid != self._dm_id(user):
                raise _http(web.HTTPForbidden, "web_not_your_dm", user.locale)
            return Channel(PLATFORM, cid, ChannelKind.DIRECT, title=f"DM {user.display_name}", space=SPACE)
        if cid not in self._groups:
            if len(self._groups) >= MAX_GROUPS and not self._evict_group():
                raise _http(web.HTTPBadRequest, "web_bad_channel", user.locale)
            self._groups[cid] = cid
        return Channel(PLATFORM, cid, ChannelKind.GROUP, title=self._groups[cid], space=SPACE)

    def _evict_group(self) -> bool:
        """Drop the oldest added group nobody has open (its history stays in memory); False if none."""
        for cid in self._groups:
            if cid not in DEFAULT_GROUPS and not self._subs.get(cid):
                del self._groups[cid]
                return True
        return False

    def _from_query(self, request: web.Request) -> tuple[User, Channel]:
        q = request.query
        user = self._user(q.get("name", ""), q.get("lang"))
        return user, self._channel(q.get("channel", ""), user)

    async def _persona_info(self, channel: Channel) -> dict[str, str]:
        persona = await self.core.persona_for(channel)
        return {"id": persona.id, "name": persona.name, "tagline": persona.tagline}

    def _spawn(self, coro, tab: _Tab | None = None) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if tab is not None:
            tab.inflight += 1

            def _done(_task: asyncio.Task) -> None:
                tab.inflight -= 1

            task.add_done_callback(_done)

    async def _run(self, msg: IncomingMessage, out: WebChatOutput, action: str | None = None) -> None:
        """Hand one message (or button press) to the core, then refresh the header if the persona changed."""
        try:
            out.author = (await self.core.persona_for(msg.channel)).name
            if action is None:
                await self.core.handle(msg, out)
            else:
                await self.core.handle_action(msg.user, msg, action, out)
            info = await self._persona_info(msg.channel)
            if self._persona_shown.get(msg.channel.platform_id) != info["id"]:
                self._persona_shown[msg.channel.platform_id] = info["id"]
                await self.broadcast(msg.channel.platform_id, {"type": "persona", "persona": info})
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("playground failed to deliver a reply in %s", msg.channel.key)

    async def _echo(self, user: User, channel: Channel, text: str, **extra: Any) -> str:
        mid = self.new_id()
        limit = self.settings.max_message_chars
        shown = text if len(text) <= limit else text[:limit] + "…"
        event = {
            "type": "message",
            "id": mid,
            "role": "user",
            "author": user.display_name,
            "author_id": user.platform_id,
            "text": shown,
            "buttons": [],
            "image": None,
            "at": self.core.clock.now().isoformat(),
            **extra,
        }
        await self.broadcast(channel.platform_id, event)
        return mid

    # ------------------------------------------------------------------ middleware
    @web.middleware
    async def _guard(self, request: web.Request, handler):
        """Refuse cross-site requests (other origins, DNS rebinding) and set strict headers."""
        origin = request.headers.get("Origin")
        if origin and urlsplit(origin).netloc != request.host:
            raise web.HTTPForbidden(text="cross-origin requests are not allowed")
        if self._loopback_only and _hostname(request.host) not in _LOOPBACK:
            raise web.HTTPForbidden(text="unexpected Host header")
        response = await handler(request)
        if not isinstance(response, web.WebSocketResponse):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    # ------------------------------------------------------------------ pages and JSON
    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def _config(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "max_upload_bytes": self.settings.avatar_max_bytes,
                "max_message_chars": self.settings.max_message_chars,
                "default_persona": self.settings.default_persona,
            }
        )

    async def _commands(self, request: web.Request) -> web.Response:
        """The quick buttons and the command list, generated from the command registry."""
        registry = self.core.registry
        commands = [
            {"name": spec.name, "description": {"en": spec.description.en, "zh": spec.description.zh}}
            for spec in registry.menu(PLATFORM)
        ]
        return web.json_response({"quick": registry.quick_buttons(), "commands": commands})

    async def _personas(self, request: web.Request) -> web.Response:
        personas = [
            {"id": p.id, "name": p.name, "tagline": p.tagline, "greeting": p.greeting}
            for p in self.core.personas.list()
        ]
        return web.json_response(personas)

    async def _channels(self, request: web.Request) -> web.Response:
        user = self._user(request.query.get("name", ""), request.query.get("lang"))
        rows = [{"id": cid, "title": title, "kind": "group"} for cid, title in self._groups.items()]
        rows.append({"id": self._dm_id(user), "title": "DM", "kind": "direct"})
        return web.json_response(rows)

    async def _add_channel(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        lang = _opt_field(body, "lang", None)
        user = self._user(_field(body, "name", lang), lang)
        cid = slugify(_field(body, "title", lang))
        if not cid or cid.startswith("dm-") or cid == "dm":
            raise _http(web.HTTPBadRequest, "web_bad_channel", user.locale)
        channel = self._channel(cid, user)
        return web.json_response({"id": channel.platform_id, "title": channel.title, "kind": "group"})

    async def _history(self, request: web.Request) -> web.Response:
        _, channel = self._from_query(request)
        rows = await self.core.memory.messages.recent(channel.key, HISTORY_LIMIT)
        cast = await self.core.conversation.cast.members(channel.key, await self.core.persona_for(channel))
        # Only a channel with several personas colours their names, as its live messages do.
        colours = {p.name: p.shown_colour for p in cast} if len(cast) > 1 else {}
        return web.json_response(
            [
                {
                    "role": "bot" if row.role == "assistant" else "user",
                    "author": row.speaker or "",
                    "text": row.text,
                    "at": row.at.isoformat(),
                    **(
                        {"colour": colours[row.speaker]}
                        if row.role == "assistant" and row.speaker in colours
                        else {}
                    ),
                }
                for row in rows
            ]
        )

    async def _media(self, request: web.Request) -> web.StreamResponse:
        path = self.media.get(request.match_info["token"])
        if path is None:
            raise web.HTTPNotFound(text="no such image")
        return web.FileResponse(
            path,
            headers={
                "Content-Type": IMAGE_SUFFIXES[path.suffix.lower()],
                "Cache-Control": "private, max-age=3600",
            },
        )

    async def _action(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        lang = _opt_field(body, "lang", None)
        user = self._user(_field(body, "name", lang), lang)
        channel = self._channel(_field(body, "channel", lang), user)
        action = _field(body, "action", lang)
        label = self._actions.get(_field(body, "message_id", lang), {}).get(action)
        if label is None:
            raise _http(web.HTTPNotFound, "web_button_expired", user.locale)
        await self.broadcast(
            channel.platform_id,
            {
                "type": "notice",
                "text": f"{user.display_name} → {label}",
                "at": self.core.clock.now().isoformat(),
            },
        )
        msg = IncomingMessage(user=user, channel=channel, text="", message_id=self.new_id())
        out = WebChatOutput(self, channel.platform_id)
        self._spawn(self._run(msg, out, action=action))
        return web.json_response({"ok": True}, status=202)

    async def _upload(self, request: web.Request) -> web.Response:
        """Multipart upload of an avatar picture; the byte cap is enforced while reading."""
        cap = self.settings.avatar_max_bytes
        lang = request.query.get("lang")
        if request.content_length is not None and request.content_length > cap + UPLOAD_SLACK:
            return _too_big(cap, lang)
        if not request.content_type.startswith("multipart/"):
            raise _http(web.HTTPBadRequest, "web_upload_missing", lang)
        # The whole body (chunked or not) is counted while it streams in: at most one picture and the
        # few known text fields are kept, and reading stops as soon as a cap is passed.
        fields: dict[str, str] = {}
        upload: Attachment | None = None
        budget = _Budget(cap + UPLOAD_SLACK)
        reader = await request.multipart()
        parts = 0
        while (part := await reader.next()) is not None:
            parts += 1
            is_file = part.filename is not None
            if parts > MAX_UPLOAD_PARTS or (is_file and upload is not None):
                raise _http(web.HTTPBadRequest, "web_upload_fields", fields.get("lang") or lang)
            if not is_file and (part.name not in UPLOAD_FIELDS or part.name in fields):
                raise _http(web.HTTPBadRequest, "web_upload_fields", fields.get("lang") or lang)
            data, over = await _read_capped(part, cap if is_file else FIELD_MAX, budget)
            if budget.spent:
                return _too_big(cap, fields.get("lang") or lang)
            if not is_file:
                fields[part.name or ""] = data.decode("utf-8", "replace")
                continue
            if over:
                return _too_big(cap, fields.get("lang") or lang)
            upload = Attachment(
                filename=safe_filename(part.filename),
                content_type=part.headers.get("Content-Type"),
                size=len(data),
                data=data,
            )
        lang = fields.get("lang") or lang
        user = self._user(fields.get("name", ""), lang)
        channel = self._channel(fields.get("channel", ""), user)
        if upload is None or not upload.data:
            raise _http(web.HTTPBadRequest, "web_upload_missing", lang)
        text = "/avatar set"
        await self._echo(user, channel, text, attachment=upload.filename)
        msg = IncomingMessage(
            user=user,
            channel=channel,
            text=text,
            message_id=self.new_id(),
            attachments=(upload,),
            mentions_bot=True,
            sent_at=self.core.clock.now(),
        )
        self._spawn(self._run(msg, WebChatOutput(self, channel.platform_id)))
        return web.json_response({"ok": True, "size": upload.size}, status=202)

    # ------------------------------------------------------------------ websocket
    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        user, channel = self._from_query(request)
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=1024 * 1024)
        await ws.prepare(request)
        cid = channel.platform_id
        self._subs.setdefault(cid, set()).add(ws)
        tab = _Tab(ws, user, channel)
        try:
            persona = await self._persona_info(channel)
            self._persona_shown.setdefault(cid, persona["id"])
            hello = {
                "type": "hello",
                "channel": {"id": cid, "kind": channel.kind.value, "title": channel.title},
                "persona": persona,
                "you": {"id": user.platform_id, "name": user.display_name},
            }
            await ws.send_str(json.dumps(hello, ensure_ascii=False))
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                await self._on_frame(tab, frame.data)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            sockets = self._subs.get(cid)
            if sockets is not None:
                sockets.discard(ws)
                if not sockets:
                    self._subs.pop(cid, None)
        return ws

    async def _refuse_frame(self, tab: _Tab) -> None:
        """Tell only the sender that their frame was unreadable; the channel carries on."""
        notice = {
            "type": "notice",
            "error": True,
            "text": t("web_bad_frame", ui_language("", tab.user.locale)),
        }
        await tab.ws.send_str(_dumps(notice))

    async def _on_frame(self, tab: _Tab, data: str) -> None:
        try:
            event = json.loads(data)
        except ValueError:
            await self._refuse_frame(tab)
            return
        if not isinstance(event, dict) or event.get("type") != "say":
            await self._refuse_frame(tab)
            return
        text = event.get("text")
        extras = (event.get("lang"), event.get("reply_to"))
        if not _is_text(text) or any(v is not None and not _is_text(v) for v in extras):
            await self._refuse_frame(tab)
            return
        if not text.strip():
            return
        if tab.inflight >= MAX_INFLIGHT:
            # A runaway tab must not pile up work in the core; say so instead of silently dropping.
            notice = {
                "type": "notice",
                "error": True,
                "text": t("web_slow_down", ui_language("", tab.user.locale)),
            }
            await tab.ws.send_str(json.dumps(notice, ensure_ascii=False))
            return
        user = tab.user
        lang = event.get("lang")
        if isinstance(lang, str) and lang[:16] != (user.locale or ""):
            user = self._user(user.display_name, lang)
            tab.user = user
        mention = bool(event.get("mention"))
        reply = bool(event.get("reply"))
        reply_to = event.get("reply_to")
        reply_to = reply_to[:64] if reply and isinstance(reply_to, str) else ""
        shown_id = await self._echo(user, tab.channel, text, mention=mention, reply=reply)
        msg = IncomingMessage(
            user=user,
            channel=tab.channel,
            text=text,
            message_id=shown_id,  # what the tabs show, so a reaction lands under it
            mentions_bot=mention,
            reply_to_bot=reply,
            reply_to_id=reply_to,
            sent_at=self.core.clock.now(),
        )
        self._spawn(self._run(msg, WebChatOutput(self, tab.channel.platform_id)), tab)


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _http(kind: type[web.HTTPException], key: str, lang: str | None, **params: object) -> web.HTTPException:
    text = t(key, ui_language("", lang), **params)
    return kind(text=json.dumps({"error": text}, ensure_ascii=False), content_type="application/json")


def _too_big(cap: int, lang: str | None) -> web.Response:
    text = t("web_upload_too_big", ui_language("", lang), limit=human_size(cap))
    return web.json_response({"error": text}, status=413)


@dataclass
class _Budget:
    """Bytes a whole request body may still use; `spent` once it ran out."""

    left: int
    spent: bool = False

    def take(self, n: int) -> bool:
        """Count `n` more bytes; False once the budget is exhausted."""
        self.left -= n
        self.spent = self.left < 0
        return not self.spent


async def _read_capped(part, cap: int, budget: _Budget) -> tuple[bytes, bool]:
    """Read a multipart part keeping at most `cap` bytes; the rest is drained and discarded, and reading
    stops altogether once the whole body's `budget` is used up."""
    buf = bytearray()
    over = False
    while chunk := await part.read_chunk(64 * 1024):
        if not budget.take(len(chunk)):
            return b"", True
        if over:
            continue
        if len(buf) + len(chunk) > cap:
            over = True
            buf.clear()
            continue
        buf += chunk
    return bytes(buf), over


def _is_text(value: object) -> bool:
    """A str that can be written as UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _dumps(event: dict[str, Any]) -> str:
    """JSON for a websocket event; falls back to ASCII escapes when a string is not valid UTF-8."""
    data = json.dumps(event, ensure_ascii=False)
    return data if _is_text(data) else json.dumps(event)


def _opt_field(body: dict[str, Any], key: str, lang: str | None) -> str | None:
    """An optional text field of a JSON body (None when absent), checked like `_field`."""
    return None if body.get(key) is None else _field(body, key, lang)


def _field(body: dict[str, Any], key: str, lang: str | None) -> str:
    """A text field of a JSON body: a 400 with the reason when it is missing, not text, or too long."""
    value = body.get(key)
    reason = None
    if value is None:
        reason = ("is missing", "缺失")
    elif not _is_text(value):
        reason = ("must be text", "必须是文本")
    elif len(value) > FIELD_MAX:
        reason = (f"is longer than {FIELD_MAX} characters", f"超过 {FIELD_MAX} 个字符")
    if reason is None:
        return value
    lang = lang if _is_text(lang) else None
    ui = ui_language("", lang)
    raise _http(web.HTTPBadRequest, "web_bad_field", lang, field=key, reason=reason[ui == "zh"])


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(
            text='{"error": "expected a JSON object"}', content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"error": "expected a JSON object"}', content_type="application/json")
    return body
