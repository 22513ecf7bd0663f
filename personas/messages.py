"""Message keys used by persona files and Character Card import/export (en and zh).

Plain data: the bot's text catalogue (bot/texts.py) includes it.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "card_invalid": {
        "en": "That character card can't be imported: {reason}. Nothing was changed.",
        "zh": "无法导入这张角色卡：{reason}。没有做任何更改。",
    },
    "persona_invalid": {
        "en": "That persona file can't be used: {reason}. Nothing was changed.",
        "zh": "无法使用这个角色文件：{reason}。没有做任何更改。",
    },
    "persona_export_failed": {
        "en": "I couldn't export the persona to {path}: {reason}.",
        "zh": "无法把角色导出到 {path}：{reason}。",
    },
}
