"""Character Card V1/V2/V3 import (JSON or PNG) and V3 PNG/JSON export.

Import is lenient about *missing* fields (real cards often omit some, e.g. V3's
group_only_greetings) and strict about *types and sizes*: a field of the wrong
type, an over-long text, bad base64 or bad JSON raise InputError("card_invalid").
Over-long lists (lore entries, examples, tags) are cut with a warning instead.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from generators.lang import has_han
from personas import fields as F
from personas.model import Persona
from personas.png_chunks import PNG_SIGNATURE, add_text_chunks, read_text_chunks
from personas.portrait import draw_portrait
from personas.toml_io import persona_from_dict

EXT_KEY = "avatar_adventures"  # our namespace in data.extensions, for fields cards lack
_check = F.Checker("card_invalid")
_SPEAKER = re.compile(r"^\s*(\{\{user\}\}|<user>|\{\{char\}\}|<bot>)\s*:\s?", re.IGNORECASE)
_START = re.compile(r"^\s*<start>\s*$", re.IGNORECASE | re.MULTILINE)
# Old TavernAI/Pygmalion field names, tolerated for V1 cards.
_V1_ALIASES = {
    "char_name": "name",
    "char_persona": "personality",
    "world_scenario": "scenario",
    "char_greeting": "first_mes",
    "example_dialogue": "mes_example",
}


@dataclass(frozen=True, slots=True)
class CardImport:
    """A persona read from a card, the card's spec version, and warnings about data that was dropped."""

    persona: Persona
    version: str  # "v1" | "v2" | "v3"
    warnings: tuple[str, ...] = ()


def read_card_file(path: Path) -> CardImport:
    """Import a card from a PNG (ccv3 preferred over chara) or a JSON file."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            is_png = fh.read(8) == PNG_SIGNATURE
            if is_png:
                if size > F.MAX_FILE_BYTES:
                    raise _check.fail(f"the file is {size:,} bytes; the limit is {F.MAX_FILE_BYTES:,}")
                fh.seek(0)
                chunks = read_text_chunks(fh, ("ccv3", "chara"))
            else:
                if size > F.MAX_CARD_JSON_BYTES:
                    raise _check.fail(f"the file is {size:,} bytes; the limit is {F.MAX_CARD_JSON_BYTES:,}")
                fh.seek(0)
                raw = fh.read(F.MAX_CARD_JSON_BYTES + 1)
    except OSError as err:
        raise _check.fail(f"the file can't be read ({err.strerror or err})") from err
    if is_png:
        payload = chunks.get("ccv3") or chunks.get("chara")
        if payload is None:
            raise _check.fail("the PNG has no character card data in it")
        raw = decode_base64(payload)
    return card_to_persona(parse_json(raw))


def read_card_bytes(raw: bytes) -> CardImport:
    """Import a card from the bytes of a PNG (ccv3 preferred over chara) or a JSON file."""
    if raw.startswith(PNG_SIGNATURE):
        if len(raw) > F.MAX_FILE_BYTES:
            raise _check.fail(f"the file is {len(raw):,} bytes; the limit is {F.MAX_FILE_BYTES:,}")
        chunks = read_text_chunks(io.BytesIO(raw), ("ccv3", "chara"))
        payload = chunks.get("ccv3") or chunks.get("chara")
        if payload is None:
            raise _check.fail("the PNG has no character card data in it")
        raw = decode_base64(payload)
    return card_to_persona(parse_json(raw))


def decode_base64(payload: bytes) -> bytes:
    """Strictly decode a card chunk's base64 (whitespace and missing padding tolerated)."""
    compact = re.sub(rb"\s+", b"", payload)
    compact += b"=" * (-len(compact) % 4)
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as err:
        raise _check.fail("its card data is not valid base64") from err
    if len(raw) > F.MAX_CARD_JSON_BYTES:
        raise _check.fail(f"its card JSON is {len(raw):,} bytes; the limit is {F.MAX_CARD_JSON_BYTES:,}")
    return raw


def parse_json(raw: bytes) -> dict:
    """Parse card JSON bytes (size-capped) into an object."""
    if len(raw) > F.MAX_CARD_JSON_BYTES:
        raise _check.fail(f"its card JSON is {len(raw):,} bytes; the limit is {F.MAX_CARD_JSON_BYTES:,}")
    try:
        obj = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise _check.fail("its card data is not UTF-8 text") from err
    except (ValueError, RecursionError) as err:  # JSONDecodeError, huge ints, absurd nesting
        raise _check.fail("its card data is not valid JSON") from err
    if not isinstance(obj, dict):
        raise _check.fail("its card data is not a JSON object")
    return obj


def _unwrap(obj: dict) -> tuple[dict, str]:
    spec = obj.get("spec")
    if spec is None:
        data = {_V1_ALIASES.get(k, k): v for k, v in obj.items()}
        if "name" not in data:
            raise _check.fail("it is not a Character Card (no spec and no name)")
        return data, "v1"
    if spec not in ("chara_card_v2", "chara_card_v3"):
        raise _check.fail(f"unsupported card spec {str(spec)[:40]!r}")
    return _check.mapping(obj.get("data"), "data"), "v3" if spec == "chara_card_v3" else "v2"


def replace_macros(text: str, char: str) -> str:
    """Resolve {{char}}/{{user}} for a group chat: speaker labels become 'Name:'/'User:', else 'you'."""
    text = re.sub(r"^(\s*)(\{\{char\}\}|<bot>)\s*:", rf"\g<1>{_esc(char)}:", text, flags=re.I | re.M)
    text = re.sub(r"^(\s*)(\{\{user\}\}|<user>)\s*:", r"\g<1>User:", text, flags=re.I | re.M)
    text = re.sub(r"\{\{char\}\}|<bot>", _esc(char), text, flags=re.I)
    text = re.sub(r"(\{\{user\}\}|<user>)'s\b", "your", text, flags=re.I)
    return re.sub(r"\{\{user\}\}|<user>", "you", text, flags=re.I)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\")


def parse_examples(mes_example: str, char: str) -> list[dict[str, str]]:
    """Split a card's mes_example (<START> blocks of {{user}}:/{{char}}: turns) into user/reply pairs."""
    pairs: list[dict[str, str]] = []
    for block in _START.split(mes_example):
        turns: list[list[str]] = []  # [speaker, text]
        for line in block.split("\n"):
            m = _SPEAKER.match(line)
            if m:
                who = "user" if m.group(1).lower() in ("{{user}}", "<user>") else "char"
                turns.append([who, line[m.end() :]])
            elif turns:
                turns[-1][1] += "\n" + line
        user = ""
        for who, text in turns:
            text = replace_macros(text.strip(), char)
            if who == "user":
                user = f"{user}\n{text}".strip()
            elif text:
                pairs.append({"user": user, "reply": text})
                user = ""
    return pairs


def _wpp(text: str, label: str) -> str:
    """A W++/boostyle attribute list ('[X's Personality= "a", "b"]') as plain 'a, b' text."""
    m = re.search(rf"\b(?:{label})\s*[=:(]\s*([^\]\n)]*)", text, re.IGNORECASE)
    if not m:
        return ""
    items = re.findall(r'"([^"]+)"', m.group(1)) or re.split(r"\s*[,+]\s*", m.group(1))
    return ", ".join(i.strip() for i in items if i.strip())


def _tagline(personality: str, description: str) -> str:
    for source in (personality, _wpp(description, "personality|mind"), description):
        text = re.sub(r"[\[\]{}*_#]", "", source).strip()
        first = re.split(r"(?<=[.!?。！？])\s|\n", text, maxsplit=1)[0].strip()
        if first and "=" not in first:
            first = first[:1].upper() + first[1:]
            return first if len(first) <= 120 else first[:119].rstrip() + "…"
    return ""


def _lorebook(book: object, char: str, warnings: list[str]) -> list[dict]:
    book = _check.mapping(book, "character_book")
    entries = book.get("entries")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise _check.fail("character_book.entries should be a list")
    kept: list[dict] = []
    for i, entry in enumerate(entries):
        if len(kept) >= F.MAX_LORE_ENTRIES:
            warnings.append(
                f"kept the first {F.MAX_LORE_ENTRIES} lore entries; dropped {len(entries) - i} more"
            )
            break
        where = f"character_book.entries[{i}]"
        entry = _check.mapping(entry, where)
        if not _check.boolean(entry.get("enabled"), f"{where}.enabled", True):
            continue
        keys = _check.text_list(entry.get("keys"), f"{where}.keys")
        content = replace_macros(_check.text(entry.get("content"), f"{where}.content"), char)
        prio = entry.get("priority")
        if prio is None:
            prio = entry.get("insertion_order")
        prio = _check.integer(prio, f"{where}.priority")
        keys = [k for k in keys if k][: F.MAX_LORE_KEYS]
        if keys and content:
            kept.append({"keys": keys, "content": content, "priority": prio})
        elif content:
            warnings.append(f"skipped lore entry {i}: it has no keys")
    return kept


def card_to_persona(obj: dict, persona_id: str = "imported") -> CardImport:
    """Map a card object (V1 flat, V2 or V3) onto a Persona with id `persona_id`."""
    data, version = _unwrap(obj)
    warnings: list[str] = []
    name = _check.text(data.get("name"), "name", F.MAX_NAME_CHARS)
    if not name:
        raise _check.fail("the card has no name")
    nick = _check.text(data.get("nickname"), "nickname", F.MAX_NAME_CHARS) if version == "v3" else ""
    char = nick or name

    def text(key: str) -> str:
        return replace_macros(_check.text(data.get(key), key), char)

    description, personality, scenario = text("description"), text("personality"), text("scenario")
    if scenario:
        description = f"{description}\n\nScenario: {scenario}".strip()
    mes_example = _check.text(data.get("mes_example"), "mes_example")
    tags = _check.text_list(data.get("tags"), "tags")
    ext = _check.mapping(_check.mapping(data.get("extensions"), "extensions").get(EXT_KEY), EXT_KEY)
    lang_guess = ["en", "zh"] if has_han(name + description + personality) else ["en"]
    mapped = {
        "id": persona_id,
        "name": name,
        "tagline": ext.get("tagline", _tagline(personality, description)),
        "description": description,
        "personality": personality,
        "greeting": text("first_mes"),
        "examples": parse_examples(mes_example, char),
        "system_prompt": text("system_prompt"),
        "post_history_instructions": text("post_history_instructions"),
        "lorebook": _lorebook(data.get("character_book"), char, warnings),
        "hashtags": tags,
        "languages": ext.get("languages", lang_guess),
        "appearance": ext.get("appearance", _wpp(description, "body|appearance|looks")[: F.MAX_TEXT_CHARS]),
        **{k: ext.get(k) for k in ("speaking_style", "caption_style", "boundaries")},
        "catchphrases": ext.get("catchphrases"),
        "voice": ext.get("voice"),
        "colour": ext.get("colour"),
        "reactions": ext.get("reactions"),
    }
    persona, more = persona_from_dict(mapped, source=f"card_{version}", error_key="card_invalid")
    return CardImport(persona, version, tuple(warnings + more))


def _entry(i: int, keys: tuple[str, ...], content: str, priority: int) -> dict:
    return {
        "keys": list(keys),
        "content": content,
        "extensions": {},
        "enabled": True,
        "insertion_order": priority,
        "case_sensitive": False,
        "use_regex": False,
        "constant": False,
        "name": keys[0] if keys else f"entry {i}",
        "priority": priority,
        "id": i,
        "comment": "",
        "selective": False,
        "secondary_keys": [],
        "position": "before_char",
    }


def persona_to_card(persona: Persona) -> dict:
    """The persona as a Character Card V3 object (all required V3 fields present)."""
    mes_example = "".join(f"<START>\n{{{{user}}}}: {u}\n{{{{char}}}}: {r}\n" for u, r in persona.examples)
    data: dict = {
        "name": persona.name,
        "description": persona.description,
        "personality": persona.personality,
        "scenario": "",
        "first_mes": persona.greeting,
        "mes_example": mes_example,
        "creator_notes": f"{persona.tagline}\n\nExported from Avatar Adventures.".strip(),
        "system_prompt": persona.system_prompt,
        "post_history_instructions": persona.post_history_instructions,
        "alternate_greetings": [],
        "tags": list(persona.hashtags),
        "creator": "Avatar Adventures",
        "character_version": "1.0",
        "extensions": {
            EXT_KEY: {
                "version": 1,
                "tagline": persona.tagline,
                "speaking_style": persona.speaking_style,
                "languages": list(persona.languages),
                "appearance": persona.appearance,
                "caption_style": persona.caption_style,
                "boundaries": persona.boundaries,
                "catchphrases": {k: list(v) for k, v in persona.catchphrases.items()},
                **({"colour": persona.colour} if persona.colour else {}),
                "reactions": [{"words": list(r.words), "emoji": r.emoji} for r in persona.reactions],
                "voice": {
                    "id": persona.voice.id,
                    "server_voice": persona.voice.server_voice,
                    "speed": persona.voice.speed,
                    "pitch": persona.voice.pitch,
                },
            }
        },
        "group_only_greetings": [],
    }
    if persona.lorebook:
        data["character_book"] = {
            "name": f"{persona.name} lore",
            "extensions": {},
            "entries": [_entry(i, e.keys, e.content, e.priority) for i, e in enumerate(persona.lorebook)],
        }
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}


def card_v2_backfill(card_v3: dict) -> dict:
    """The V2 object written next to a V3 one (`chara` chunk) for older readers."""
    data = {
        k: v for k, v in card_v3["data"].items() if k not in ("group_only_greetings", "assets", "nickname")
    }
    if "character_book" in data:
        book = dict(data["character_book"])
        book["entries"] = [{k: v for k, v in e.items() if k != "use_regex"} for e in book["entries"]]
        data["character_book"] = book
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": data}


def _b64(obj: dict) -> bytes:
    return base64.b64encode(json.dumps(obj, ensure_ascii=False).encode("utf-8"))


def export_json(persona: Persona) -> bytes:
    """The persona as V3 card JSON bytes."""
    return json.dumps(persona_to_card(persona), ensure_ascii=False, indent=2).encode("utf-8")


def export_png(persona: Persona) -> bytes:
    """The persona as a V3 card PNG: a drawn portrait with `ccv3` and `chara` (V2 backfill) chunks."""
    buf = io.BytesIO()
    draw_portrait(persona).save(buf, format="PNG", optimize=True)
    card = persona_to_card(persona)
    return add_text_chunks(buf.getvalue(), {"chara": _b64(card_v2_backfill(card)), "ccv3": _b64(card)})
