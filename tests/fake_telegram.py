"""A fake Telegram Bot API at the network boundary: a PTB BaseRequest that answers with Bot API JSON."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

BOT_ID = 999
BOT_USERNAME = "luna_bot"


@dataclass
class Call:
    """One recorded Bot API call."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


class FakeBotAPI(BaseRequest):
    """Records every request and returns what the Bot API would; can inject 429s and network errors.

    `files` maps a file_id to the bytes getFile + the file download serve (downloads are recorded as
    method "file"); `member_status` maps (chat_id, user_id) to a getChatMember status (default "member").
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[tuple[int, dict]]] = defaultdict(list)
        self.files: dict[str, bytes] = {}
        self.member_status: dict[tuple[int, int], str] = {}
        self._next_id = 1000
        self.messages: dict[int, dict] = {}

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def fail_next(self, method: str, status: int = 429, retry_after: int = 3, times: int = 1) -> None:
        """Make the next `times` calls of `method` fail: 429 is flood control, 502 a bad gateway,
        0 a timeout after Telegram has already carried out the call (the answer is lost on the way)."""
        if status == 429:
            description = f"Too Many Requests: retry after {retry_after}"
        else:
            description = "Bad Gateway"
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if status == 429:
            body["parameters"] = {"retry_after": retry_after}
        self.failures[method].extend([(status, body)] * times)

    def of(self, method: str) -> list[Call]:
        """Recorded calls of one method."""
        return [c for c in self.calls if c.method == method]

    def _message(self, chat_id: int, **extra: Any) -> dict:
        self._next_id += 1
        msg = {
            "message_id": self._next_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private" if int(chat_id) > 0 else "group", "title": "g"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Luna", "username": BOT_USERNAME},
            **extra,
        }
        self.messages[self._next_id] = msg
        return msg

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **_: Any):
        if "/file/" in url:
            path = url.split("/file/bot", 1)[1].split("/", 1)[1]
            self.calls.append(Call("file", {"path": path}))
            return 200, self.files[path]
        api_method = url.rsplit("/", 1)[1]
        params = dict(request_data.parameters) if request_data else {}
        files = {}
        if request_data and request_data.contains_files:
            for p in request_data._parameters:
                for f in p.input_files or ():
                    files[p.name] = f.input_file_content
        self.calls.append(Call(api_method, params, files))
        if self.failures.get(api_method):
            status, body = self.failures[api_method].pop(0)
            if status == 0:
                self._result(api_method, params)
                raise TimedOut("fake Bot API: the answer was lost")
            return status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(api_method, params)}).encode()

    def _result(self, method: str, p: dict) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Luna",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "sendMessage":
            return self._message(p["chat_id"], text=p.get("text", ""))
        if method == "editMessageText":
            msg = self.messages.get(int(p["message_id"])) or self._message(p["chat_id"])
            msg["text"] = p.get("text", "")
            return msg
        if method == "sendPhoto":
            photo = [{"file_id": "sent-photo", "file_unique_id": "u1", "width": 1080, "height": 1080}]
            return self._message(p["chat_id"], photo=photo, caption=p.get("caption"))
        if method == "sendVoice":
            voice = {
                "file_id": "sent-voice",
                "file_unique_id": "v1",
                "duration": int(p.get("duration", 1)),
                "mime_type": "audio/ogg",
            }
            return self._message(p["chat_id"], voice=voice, caption=p.get("caption"))
        if method == "sendAnimation":
            animation = {
                "file_id": "sent-animation",
                "file_unique_id": "a1",
                "width": 720,
                "height": 720,
                "duration": 3,
                "mime_type": "video/mp4",
            }
            return self._message(p["chat_id"], animation=animation, caption=p.get("caption"))
        if method == "sendDocument":
            document = {"file_id": "sent-document", "file_unique_id": "d1"}
            return self._message(p["chat_id"], document=document, caption=p.get("caption"))
        if method == "getChatMember":
            return self._member(int(p["chat_id"]), int(p["user_id"]))
        if method == "getFile":
            fid = p["file_id"]
            return {
                "file_id": fid,
                "file_unique_id": fid + "-u",
                "file_size": len(self.files.get(fid, b"")),
                "file_path": fid,
            }
        return True

    def _member(self, chat_id: int, user_id: int) -> dict:
        status = self.member_status.get((chat_id, user_id), "member")
        member: dict[str, Any] = {
            "status": status,
            "user": {"id": user_id, "is_bot": False, "first_name": "U"},
        }
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                dict.fromkeys(
                    (
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    ),
                    True,
                ),
                can_be_edited=False,
                is_anonymous=False,
                can_promote_members=False,
                can_change_info=False,
            )
        return member


class UpdateFactory:
    """Builds Bot API update dicts."""

    def __init__(self) -> None:
        self.n = 0

    def message(
        self,
        text: str | None,
        *,
        user_id: int = 1,
        name: str = "Ana",
        chat_id: int = 1,
        entities: list[dict] | None = None,
        reply_to: dict | None = None,
        photo_file: str | None = None,
        photo_size: int = 1000,
        document_file: str | None = None,
        mime_type: str = "image/png",
        caption: str | None = None,
        language_code: str = "en",
        as_group: bool = False,
    ) -> dict:
        self.n += 1
        chat = (
            {"id": chat_id, "type": "private", "first_name": name}
            if chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "Travellers"}
        )
        msg: dict[str, Any] = {
            "message_id": self.n,
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": name, "language_code": language_code},
        }
        if as_group:  # an anonymous group admin: Telegram sends GroupAnonymousBot plus sender_chat
            msg["from"] = {
                "id": 1087968824,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
            msg["sender_chat"] = {"id": chat_id, "type": chat["type"], "title": chat.get("title", "")}
        if text is not None:
            msg["text"] = text
        if entities:
            msg["entities" if text is not None else "caption_entities"] = entities
        if reply_to:
            msg["reply_to_message"] = reply_to
        if photo_file:
            msg["photo"] = [
                {
                    "file_id": photo_file + "-small",
                    "file_unique_id": "s",
                    "width": 90,
                    "height": 90,
                    "file_size": 10,
                },
                {
                    "file_id": photo_file,
                    "file_unique_id": "b",
                    "width": 512,
                    "height": 512,
                    "file_size": photo_size,
                },
            ]
        if document_file:
            msg["document"] = {
                "file_id": document_file,
                "file_unique_id": "d",
                "file_name": "me.png",
                "mime_type": mime_type,
                "file_size": photo_size,
            }
        if caption is not None:
            msg["caption"] = caption
        return {"update_id": self.n, "message": msg}

    def callback(self, data: str, message: dict, *, user_id: int = 1, name: str = "Ana") -> dict:
        self.n += 1
        return {
            "update_id": self.n,
            "callback_query": {
                "id": f"cb{self.n}",
                "chat_instance": "ci",
                "data": data,
                "message": message,
                "from": {"id": user_id, "is_bot": False, "first_name": name},
            },
        }
