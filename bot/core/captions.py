"""Postcard captions in the persona's voice, grounded in the catalogue's true facts."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Sequence
from datetime import datetime

from generators.dialogue.base import ChatTurn, DialogueBackend, GenerationConfig
from generators.landmarks import Landmark
from generators.lang import count_han
from personas.model import Persona

log = logging.getLogger(__name__)

_BAD = re.compile(r"[<>{}\[\]|\\#@*_`~^$]|https?:|\b(user|assistant|system)\b", re.I)

TEMPLATES = {
    "en": {
        "arrive": [
            "{catch} {user} made it to {place}!",
            "{catch} Look who's at {place}: {user}!",
            "{catch} Greetings from {place}, where {user} just arrived!",
        ],
        "after": "After {prev} {when}, now {city}!",
        "when": {0: "today", 1: "yesterday", 7: "this week", 14: "last week", 45: "last month"},
        "earlier": "earlier",
        "catch": "What a trip!",
    },
    "zh": {
        "arrive": [
            "{catch}{user}来到了{place}！",
            "{catch}看看谁在{place}：{user}！",
            "{catch}来自{place}的问候，{user}刚刚到达！",
        ],
        "after": "{when}去了{prev}，现在来到{city}！",
        "when": {0: "今天", 1: "昨天", 7: "这周", 14: "上周", 45: "上个月"},
        "earlier": "之前",
        "catch": "好棒的旅行！",
    },
}


def place_in_sentence(landmark: Landmark, lang: str) -> str:
    """The landmark's name as it reads inside a sentence (its article comes from the catalogue data)."""
    return landmark.in_sentence(lang)


def relative_when(then: datetime, now: datetime, lang: str) -> str:
    """'yesterday', 'last week'… in en or zh."""
    days = max(0, (now - then).days)
    table = TEMPLATES[lang if lang in TEMPLATES else "en"]
    for limit, word in table["when"].items():
        if days <= limit:
            return word
    return table["earlier"]


def hashtags(landmark: Landmark, persona: Persona) -> str:
    """#AvatarAdventures, the landmark and city, and the persona's own tags."""

    def tag(s: str) -> str:
        return "#" + re.sub(r"[^\w]", "", s.title() if s.isascii() else s)

    tags = ["#AvatarAdventures", tag(landmark.name("en")), tag(landmark.city_name("en"))]
    tags += [t if t.startswith("#") else "#" + t for t in getattr(persona, "hashtags", ())[:2]]
    seen: list[str] = []
    for t in tags:
        if len(t) > 1 and t not in seen:
            seen.append(t)
    return " ".join(seen)


def template_caption(
    landmark: Landmark,
    persona: Persona,
    *,
    user: str,
    lang: str,
    seed: int,
    previous: tuple[str, datetime] | None,
    now: datetime,
) -> str:
    """A caption built only from catalogue facts and the persona's catchphrases; never broken text."""
    lang = lang if lang in TEMPLATES else "en"
    t = TEMPLATES[lang]
    rng = random.Random(seed)
    catches = list(getattr(persona, "catchphrases", {}).get(lang, ())) or [t["catch"]]
    catch = rng.choice(catches).strip()
    if lang == "en" and catch and catch[-1] not in ".!?":
        catch += "!"
    sep = "" if lang == "zh" else " "
    parts = [
        rng.choice(t["arrive"]).format(
            catch=catch + (sep if catch else ""), user=user, place=place_in_sentence(landmark, lang)
        )
    ]
    facts = list(landmark.facts.get(lang) or landmark.facts.get("en") or ())
    if facts:
        parts.append(rng.choice(facts))
    if previous:
        prev_name, prev_when = previous
        parts.append(
            t["after"].format(
                prev=prev_name, when=relative_when(prev_when, now, lang), city=landmark.city_name(lang)
            )
        )
    body = sep.join(p.strip() for p in parts if p.strip())
    return body.replace("  ", " ").strip()


def names_together(names: Sequence[str], lang: str) -> str:
    """Travellers named as a group: "Ana & Ben", "Ana, Ben & Chen" (zh: "安娜、本和陈")."""
    names = [n for n in names if n.strip()]
    if len(names) <= 1:
        return "".join(names)
    if lang == "zh":
        return "、".join(names[:-1]) + "和" + names[-1]
    return ", ".join(names[:-1]) + " & " + names[-1]


def names_everyone(text: str, names: Sequence[str]) -> bool:
    """True when every traveller's name appears in the line (a caption must say who is there)."""
    low = text.casefold()
    return all(name.casefold() in low for name in names if name.strip())


def looks_clean(text: str, lang: str, banned_digits: set[str]) -> bool:
    """Reject model output that is broken, off-language, or states numbers not in the facts."""
    text = text.strip()
    if not 8 <= len(text) <= 300 or _BAD.search(text):
        return False
    if any(ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t") for ch in text):
        return False
    words = text.split()
    if any(words[i].lower() == words[i + 1].lower() == words[i + 2].lower() for i in range(len(words) - 2)):
        return False
    cjk = count_han(text)
    if lang == "zh" and cjk < len(text) * 0.3:
        return False
    if lang != "zh" and cjk:
        return False
    if lang == "en" and sum(ch.isascii() for ch in text) < len(text) * 0.9:
        return False
    return not (set(re.findall(r"\d+", text)) - banned_digits)


async def model_line(
    dialogue: DialogueBackend,
    persona: Persona,
    landmark: Landmark,
    *,
    user: str,
    lang: str,
    seed: int,
    facts: list[str],
    previous: str | None,
    timeout_s: float,
    names: Sequence[str] = (),
) -> str | None:
    """One sentence in the persona's voice from the chat model, or None when it isn't clean."""
    language = {"en": "English", "zh": "Chinese"}.get(lang, "English")
    system = (
        f"You are {persona.name}. {persona.personality} Speaking style: {persona.speaking_style}\n"
        f"Caption style: {persona.caption_style}\n"
        f"Write ONE short, cheerful sentence in {language} for a postcard of {user} visiting "
        f"{landmark.name(lang)} in {landmark.city_name(lang)}. Do not state numbers or facts; no hashtags."
    )
    prompt = f"{user} is at {landmark.name(lang)}." + (
        f" Their last trip was {previous}." if previous else ""
    )
    turns = [ChatTurn("system", system), ChatTurn("user", prompt)]
    config = GenerationConfig(
        max_new_tokens=48, temperature=0.7, seed=seed, stop=("\n",), timeout_s=timeout_s
    )
    try:
        out = await dialogue.generate(turns, config)
    except Exception:
        log.warning("caption generation failed; using the template caption", exc_info=True)
        return None
    text = out.text.strip().strip('"“”')
    first = re.split(r"(?<=[.!?。！？])\s*", text, maxsplit=1)[0].strip()
    allowed = set(re.findall(r"\d+", " ".join(facts)))
    if not looks_clean(first, lang, allowed) or not names_everyone(first, names or (user,)):
        return None
    return first


async def make_caption(
    dialogue: DialogueBackend,
    persona: Persona,
    landmark: Landmark,
    *,
    user: str,
    lang: str,
    seed: int,
    previous: tuple[str, datetime] | None,
    now: datetime,
    timeout_s: float = 30.0,
    names: Sequence[str] = (),
) -> tuple[str, str]:
    """The caption and its source ("model" or "template"); facts always come from the catalogue."""
    facts = list(landmark.facts.get(lang) or ())
    can_write = lang in dialogue.languages and facts
    base = template_caption(landmark, persona, user=user, lang=lang, seed=seed, previous=previous, now=now)
    tags = hashtags(landmark, persona)
    if not can_write:
        return f"{base}\n{tags}", "template"
    prev_text = f"{previous[0]} {relative_when(previous[1], now, lang)}" if previous else None
    line = await model_line(
        dialogue,
        persona,
        landmark,
        user=user,
        lang=lang,
        seed=seed,
        facts=facts,
        previous=prev_text,
        timeout_s=timeout_s,
        names=names,
    )
    if line is None:
        return f"{base}\n{tags}", "template"
    rng = random.Random(seed)
    fact = rng.choice(facts)
    sep = "" if lang == "zh" else " "
    extra = ""
    if previous:
        extra = sep + TEMPLATES[lang if lang in TEMPLATES else "en"]["after"].format(
            prev=previous[0], when=relative_when(previous[1], now, lang), city=landmark.city_name(lang)
        )
    place = landmark.name(lang)
    if place.casefold() not in line.casefold():
        line = f"📍 {place}, {landmark.city_name(lang)}\n{line}"
    return f"{line}{sep}{fact}{extra}\n{tags}", "model"
