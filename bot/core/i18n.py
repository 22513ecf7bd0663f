"""The bot's own texts, localised in English and Chinese whatever the chat model.

Texts are plain data (`TEXTS` dicts) in the modules that own them; `bot.texts.build_catalogue` merges
them into one `Catalogue` at composition, and `t` reads the catalogue in use.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from generators.lang import has_han

SUPPORTED = ("en", "zh")


TextTable = Mapping[str, Mapping[str, str]]

TEXTS: dict[str, dict[str, str]] = {
    "help": {
        "en": "Hi, I'm {persona}! Talk to me by mentioning me, replying to me, or saying my name.\nCommands:",
        "zh": "你好，我是{persona}！提到我、回复我或叫我的名字，就可以和我聊天。\n命令：",
    },
    "sorry": {
        "en": "Sorry, something went wrong on my side. Please try again in a moment.",
        "zh": "抱歉，我这边出了点问题，请稍后再试。",
    },
    "model_failed": {
        "en": "Sorry, I couldn't think of a reply just now. Please try again.",
        "zh": "抱歉，我刚才没想好怎么回答，请再试一次。",
    },
    "model_timeout": {
        "en": "Sorry, I took too long to answer. Please try again.",
        "zh": "抱歉，我回答得太慢了，请再试一次。",
    },
    "unknown_command": {
        "en": "I don't know the command /{name}.{hint} Type /help to see what I can do.",
        "zh": "我不认识命令 /{name}。{hint}输入 /help 查看我能做什么。",
    },
    "did_you_mean": {"en": " Did you mean /{name}?", "zh": "你是想用 /{name} 吗？"},
    "message_too_long": {
        "en": "That message is too long for me ({length} characters; the limit is {limit}). Could you shorten it?",
        "zh": "这条消息太长了（{length} 个字符，上限是 {limit}）。能缩短一点吗？",
    },
    "persona_current": {
        "en": "This channel's persona is {name} ({id}): {tagline}\nAvailable: {available}",
        "zh": "本频道的角色是 {name}（{id}）：{tagline}\n可选：{available}",
    },
    "persona_set": {
        "en": "This channel now talks with {name}. {greeting}",
        "zh": "本频道现在由 {name} 陪你聊天。{greeting}",
    },
    "persona_unknown": {
        "en": "I don't know a persona called \u201c{id}\u201d. Available: {available}",
        "zh": "没有名为\u201c{id}\u201d的角色。可选：{available}",
    },
    "persona_admin_only": {
        "en": "Only server admins can change the persona here.",
        "zh": "只有管理员可以在这里更换角色。",
    },
    "memory_empty": {
        "en": "I don't remember anything about you yet, {user}. Tell me with /remember.",
        "zh": "{user}，我还不记得关于你的任何事。用 /remember 告诉我吧。",
    },
    "memory_list": {
        "en": "Here's what I remember about you, {user}:\n{facts}\nTrips in your journal: {trips}.",
        "zh": "{user}，这是我记得的关于你的事：\n{facts}\n旅行日志中的旅程：{trips} 次。",
    },
    "remember_usage": {
        "en": "Tell me what to remember, e.g. /remember I love green tea",
        "zh": "告诉我要记住什么，例如：/remember 我喜欢绿茶",
    },
    "remember_ok": {"en": "Got it, I'll remember: {fact}", "zh": "好的，我记住了：{fact}"},
    "remember_too_long": {
        "en": "That's a bit long to remember ({length} characters; the limit is {limit}).",
        "zh": "这有点太长了（{length} 个字符，上限是 {limit}）。",
    },
    "forget_confirm": {
        "en": "This wipes everything I know about you: facts, messages, avatar and travel journal, "
        "on every linked platform. Press the button, or reply \u201cyes\u201d to this message to confirm; any other reply cancels.",
        "zh": "这会删除我知道的关于你的一切：记忆、消息、头像和旅行日志（包括所有关联平台）。"
        "请按按钮，或回复本条消息\u201c是\u201d确认；其他回复都会取消。",
    },
    "forget_done": {
        "en": "Done. I've forgotten everything about you ({facts} fact{facts_s}, {messages} message{messages_s}, {files} file{files_s}).",
        "zh": "完成。我已忘记关于你的一切（{facts} 条记忆、{messages} 条消息、{files} 个文件）。",
    },
    "forget_cancelled": {"en": "Okay, I won't forget anything.", "zh": "好的，我什么都不会删除。"},
    "reset_done": {
        "en": "Fresh start! I've cleared this channel's recent conversation (your memories are kept).",
        "zh": "重新开始！我已清空本频道最近的对话（你的记忆仍然保留）。",
    },
    "language_unsupported": {
        "en": "Note: my current chat model can't write {language} well, so I'll answer in English. "
        "An operator can set LLM_MODEL to a multilingual model (e.g. Qwen/Qwen2.5-0.5B-Instruct) to fix this.",
        "zh": "提示：我当前的对话模型写不好中文，所以我会用英文回答。"
        "管理员可以把 LLM_MODEL 设置为多语言模型（例如 Qwen/Qwen2.5-0.5B-Instruct）来解决。",
    },
    "not_built": {
        "en": "The {name} adapter is not built yet; only the playground and terminal chat run for now.",
        "zh": "{name} 适配器尚未实现；目前只有本地体验页和终端聊天可用。",
    },
    "bad_argument": {
        "en": "I couldn't understand \u201c{value}\u201d. {usage}",
        "zh": "我看不懂\u201c{value}\u201d。{usage}",
    },
    "empty_message": {
        "en": "I got an empty message. Say something and I'll answer!",
        "zh": "我收到了一条空消息。说点什么吧！",
    },
}


def ui_language(text: str = "", locale: str | None = None) -> str:
    """Pick en or zh for the bot's own texts, from the message script or the user's locale."""
    if text and has_han(text):
        return "zh"
    if locale and locale.lower().startswith("zh"):
        return "zh"
    return "en"


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class UnknownText(KeyError):
    """A text key that no source declares: a bug, since every key must exist in English and Chinese."""


class Catalogue:
    """Every bot text by key and language, merged from the modules that declare them."""

    def __init__(self, *sources: TextTable) -> None:
        merged: dict[str, dict[str, str]] = {}
        for source in sources:
            for key, variants in source.items():
                if key in merged:
                    raise ValueError(f"text {key!r} is declared twice")
                missing = [lang for lang in SUPPORTED if not variants.get(lang)]
                if missing:
                    raise ValueError(f"text {key!r} has no {'/'.join(missing)} version")
                merged[key] = dict(variants)
        self._texts = merged

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def keys(self) -> frozenset[str]:
        """Every declared key."""
        return frozenset(self._texts)

    def template(self, key: str, lang: str = "en") -> str:
        """The unformatted text for `key` in `lang` (English for a language without its own version)."""
        variants = self._texts.get(key)
        if variants is None:
            raise UnknownText(key)
        return variants.get(lang) or variants["en"]

    def text(self, key: str, lang: str = "en", **params: object) -> str:
        """The localised text for `key`, formatted with `params`; unknown params stay visible.

        Every integer param `n` also gives `{n_s}`: "" for one and "s" otherwise (English plurals).
        An unknown key raises `UnknownText`.
        """
        template = self.template(key, lang)
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        if not fields:
            return template
        plurals = {f"{k}_s": "" if v == 1 else "s" for k, v in params.items() if type(v) is int}
        params = {**plurals, **params}
        return template.format_map(_SafeDict({k: params[k] for k in fields if k in params}))


_in_use: Catalogue | None = None


def use_catalogue(catalogue: Catalogue) -> None:
    """Make `catalogue` the one `t` reads (the composition calls this with `build_catalogue()`)."""
    global _in_use
    _in_use = catalogue


def catalogue_in_use() -> Catalogue:
    """The catalogue `t` reads; an error when the composition has not set one."""
    if _in_use is None:
        raise RuntimeError("no text catalogue in use: call use_catalogue(bot.texts.build_catalogue()) first")
    return _in_use


def t(key: str, lang: str = "en", **params: object) -> str:
    """The localised text for `key` from the catalogue in use (see `Catalogue.text`)."""
    return catalogue_in_use().text(key, lang, **params)
