"""Persona <-> TOML: a strict reader (tomllib) and a small writer (the stdlib has none)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from generators.voice.style import VoiceStyle
from personas import fields as F
from personas.model import COLOUR_PATTERN, LoreEntry, Persona, Reaction

_TEXT_FIELDS = (
    "description",
    "personality",
    "speaking_style",
    "greeting",
    "appearance",
    "caption_style",
    "boundaries",
    "system_prompt",
    "post_history_instructions",
)
_KNOWN = {
    "id",
    "name",
    "tagline",
    "languages",
    "hashtags",
    "catchphrases",
    "examples",
    "lorebook",
    "voice",
    "reactions",
    "source",
    "colour",
    *_TEXT_FIELDS,
}
USER_SOURCES = ("user", "toml", "card_v1", "card_v2", "card_v3")


def persona_from_dict(
    data: dict, *, source: str, strict: bool = False, error_key: str = "persona_invalid"
) -> tuple[Persona, list[str]]:
    """Validate a TOML-shaped dict into a Persona; returns it with warnings about dropped data."""
    check = F.Checker(error_key)
    warnings: list[str] = []
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        if strict:
            raise check.fail(f"unknown field(s): {', '.join(unknown)}")
        warnings.append(f"ignored unknown field(s): {', '.join(unknown)}")
    pid = check.text(data.get("id"), "id", F.MAX_ID_CHARS)
    if not F.ID_PATTERN.match(pid):
        raise check.fail("id must be 1-40 lowercase letters, digits, '-' or '_'")
    name = F.one_line(check.text(data.get("name"), "name", F.MAX_NAME_CHARS))
    if not name:
        raise check.fail("name is missing")
    texts = {k: check.text(data.get(k), k) for k in _TEXT_FIELDS}
    languages = _languages(check, data.get("languages"), warnings) or ["en"]
    hashtags = [h for h in (F.hashtag(t) for t in check.text_list(data.get("hashtags"), "hashtags")) if h]
    catchphrases = _catchphrases(check, data.get("catchphrases"), warnings)
    examples = _examples(check, data.get("examples"), warnings)
    lorebook = _lorebook(check, data.get("lorebook"), warnings)
    voice = voice_from_dict(check, data.get("voice"), warnings)
    colour = check.text(data.get("colour"), "colour", 7)
    if colour and not COLOUR_PATTERN.match(colour):
        raise check.fail("colour must look like #rrggbb (for example #8e44ad)")
    reactions = reactions_from_list(check, data.get("reactions"), warnings)
    if source == "user" and data.get("source") in USER_SOURCES:
        source = data["source"]
    persona = Persona(
        id=pid,
        name=name,
        tagline=check.text(data.get("tagline"), "tagline", F.MAX_SHORT_CHARS),
        languages=tuple(languages),
        hashtags=tuple(_cap(hashtags, F.MAX_TAGS, "hashtags", warnings)),
        catchphrases=catchphrases,
        examples=examples,
        lorebook=lorebook,
        voice=voice,
        reactions=reactions,
        source=source,
        colour=colour.lower(),
        **texts,
    )
    return persona, warnings


def _cap(items: list, limit: int, where: str, warnings: list[str]) -> list:
    if len(items) > limit:
        warnings.append(f"kept the first {limit} of {len(items)} {where}")
    return items[:limit]


def _languages(check: F.Checker, value: object, warnings: list[str]) -> list[str]:
    langs = check.text_list(value, "languages", 16)
    for lang in langs:
        if not F.LANG_PATTERN.match(lang):
            raise check.fail(f"{lang!r} is not a language code like 'en' or 'zh'")
    return _cap(list(dict.fromkeys(langs)), F.MAX_LANGUAGES, "languages", warnings)


def _catchphrases(check: F.Checker, value: object, warnings: list[str]) -> dict[str, tuple[str, ...]]:
    table = check.mapping(value, "catchphrases")
    out: dict[str, tuple[str, ...]] = {}
    for lang, phrases in list(table.items())[: F.MAX_LANGUAGES]:
        if not F.LANG_PATTERN.match(lang):
            raise check.fail(f"catchphrases.{lang[:20]!r} is not a language code")
        items = [p for p in check.text_list(phrases, f"catchphrases.{lang}") if p]
        out[lang] = tuple(_cap(items, F.MAX_CATCHPHRASES, f"{lang} catchphrases", warnings))
    return out


def _examples(check: F.Checker, value: object, warnings: list[str]) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise check.fail("examples should be a list of {user, reply} tables")
    out = []
    for i, ex in enumerate(_cap(value, F.MAX_EXAMPLES, "examples", warnings)):
        ex = check.mapping(ex, f"examples[{i}]")
        reply = check.text(ex.get("reply"), f"examples[{i}].reply")
        if reply:
            out.append((check.text(ex.get("user"), f"examples[{i}].user"), reply))
    return tuple(out)


def _lorebook(check: F.Checker, value: object, warnings: list[str]) -> tuple[LoreEntry, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise check.fail("lorebook should be a list of {keys, content} tables")
    out = []
    for i, entry in enumerate(_cap(value, F.MAX_LORE_ENTRIES, "lore entries", warnings)):
        entry = check.mapping(entry, f"lorebook[{i}]")
        keys = [k for k in check.text_list(entry.get("keys"), f"lorebook[{i}].keys") if k]
        content = check.text(entry.get("content"), f"lorebook[{i}].content")
        if keys and content:
            prio = check.integer(entry.get("priority"), f"lorebook[{i}].priority")
            out.append(LoreEntry(tuple(keys[: F.MAX_LORE_KEYS]), content, prio))
    return tuple(out)


def reactions_from_list(check: F.Checker, value: object, warnings: list[str]) -> tuple[Reaction, ...]:
    """`[[reactions]]` tables: `words` (favourite topics or places) and the `emoji` to react with.

    The emoji must be an emoji and nothing else; words are short plain text. Extra entries or words
    are dropped with a warning."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise check.fail("reactions should be a list of {words, emoji} tables")
    out = []
    for i, entry in enumerate(_cap(value, F.MAX_REACTIONS, "reactions", warnings)):
        entry = check.mapping(entry, f"reactions[{i}]")
        emoji = check.text(entry.get("emoji"), f"reactions[{i}].emoji", F.MAX_EMOJI_CHARS)
        if not F.is_emoji(emoji):
            raise check.fail(f"reactions[{i}].emoji should be one emoji, like 🍵")
        words = check.text_list(entry.get("words"), f"reactions[{i}].words", F.MAX_REACTION_WORD_CHARS)
        words = [F.one_line(w) for w in words]
        words = list(dict.fromkeys(w for w in words if w))
        words = _cap(words, F.MAX_REACTION_WORDS, f"reactions[{i}].words", warnings)
        if words:
            out.append(Reaction(tuple(words), emoji))
    return tuple(out)


_VOICE_KEYS = {"id", "server_voice", "speed", "pitch"}


def voice_from_dict(check: F.Checker, value: object, warnings: list[str]) -> VoiceStyle:
    """The `[voice]` table: engine voice id, server voice name, speed and pitch (factors 0.5-2.0)."""
    table = check.mapping(value, "voice")
    unknown = sorted(set(table) - _VOICE_KEYS)
    if unknown:
        warnings.append(f"ignored unknown voice field(s): {', '.join(unknown)}")
    ids = {}
    for key in ("id", "server_voice"):
        ids[key] = check.text(table.get(key), f"voice.{key}", F.MAX_ID_CHARS)
        if ids[key] and not F.VOICE_ID_PATTERN.match(ids[key]):
            raise check.fail(f"voice.{key} {ids[key]!r} should be letters, digits and - _ . : + only")
    speed = check.number(table.get("speed"), "voice.speed", 1.0)
    pitch = check.number(table.get("pitch"), "voice.pitch", 1.0)
    style = VoiceStyle(id=ids["id"], server_voice=ids["server_voice"], speed=speed, pitch=pitch)
    if (style.speed, style.pitch) != (round(speed, 2), round(pitch, 2)):
        warnings.append("voice speed and pitch are kept within 0.5-2.0")
    return style


def read_toml(path: Path, *, source: str, strict: bool = False) -> tuple[Persona, list[str]]:
    """Load and validate one persona TOML file (size-capped)."""
    check = F.Checker("persona_invalid")
    try:
        if path.stat().st_size > F.MAX_CARD_JSON_BYTES:
            raise check.fail(f"the file is larger than {F.MAX_CARD_JSON_BYTES // 1024 // 1024} MB")
        raw = path.read_bytes()
    except OSError as err:
        raise check.fail(f"the file can't be read ({err.strerror or err})") from err
    return parse_toml(raw, source=source, strict=strict)


def parse_toml(raw: bytes, *, source: str, strict: bool = False) -> tuple[Persona, list[str]]:
    """Validate persona TOML bytes."""
    check = F.Checker("persona_invalid")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise check.fail("the file is not UTF-8 text") from err
    except tomllib.TOMLDecodeError as err:
        raise check.fail(f"TOML syntax error ({err})") from err
    except RecursionError as err:  # tomllib recurses once per nested array or inline table
        raise check.fail("its tables or arrays are nested too deeply") from err
    return persona_from_dict(data, source=source, strict=strict)


def _s(text: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes once \u2028-style
    # characters are allowed raw; ensure_ascii=False keeps CJK readable.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def dumps(persona: Persona) -> str:
    """Serialise a Persona as TOML that `parse_toml` reads back to an equal Persona."""
    lines = [f"id = {_s(persona.id)}", f"name = {_s(persona.name)}", f"tagline = {_s(persona.tagline)}"]
    for key in _TEXT_FIELDS:
        value = getattr(persona, key)
        if value or key not in ("system_prompt", "post_history_instructions"):
            lines.append(f"{key} = {_s(value)}")
    lines.append(f"languages = [{', '.join(_s(x) for x in persona.languages)}]")
    lines.append(f"hashtags = [{', '.join(_s(x) for x in persona.hashtags)}]")
    lines.append(f"source = {_s(persona.source)}")
    if persona.colour:
        lines.append(f"colour = {_s(persona.colour)}")
    lines += ["", "[catchphrases]"]
    for lang, phrases in persona.catchphrases.items():
        lines.append(f"{_s(lang)} = [{', '.join(_s(p) for p in phrases)}]")
    voice = persona.voice
    lines += ["", "[voice]", f"id = {_s(voice.id)}", f"server_voice = {_s(voice.server_voice)}"]
    lines += [f"speed = {voice.speed!r}", f"pitch = {voice.pitch!r}"]
    for reaction in persona.reactions:
        words = ", ".join(_s(w) for w in reaction.words)
        lines += ["", "[[reactions]]", f"words = [{words}]", f"emoji = {_s(reaction.emoji)}"]
    for user, reply in persona.examples:
        lines += ["", "[[examples]]", f"user = {_s(user)}", f"reply = {_s(reply)}"]
    for entry in persona.lorebook:
        keys = ", ".join(_s(k) for k in entry.keys)
        lines += ["", "[[lorebook]]", f"keys = [{keys}]", f"content = {_s(entry.content)}"]
        lines.append(f"priority = {entry.priority}")
    return "\n".join(lines) + "\n"
