"""Which of a place's untagged GeoNames alternate names reads as which language, by script."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from generators.lang import HAN, HANGUL, KANA

# Code point ranges per script; GeoNames alternate names carry no language tag, so the script decides.
_RANGES: tuple[tuple[str, int, int], ...] = (
    *(("han", lo, hi) for lo, hi in HAN),
    *(("kana", lo, hi) for lo, hi in KANA),
    *(("hangul", lo, hi) for lo, hi in HANGUL),
    ("cyrillic", 0x0400, 0x052F),
    ("arabic", 0x0600, 0x06FF),
    ("arabic", 0x0750, 0x077F),
    ("greek", 0x0370, 0x03FF),
    ("hebrew", 0x0590, 0x05FF),
    ("armenian", 0x0530, 0x058F),
    ("georgian", 0x10A0, 0x10FF),
    ("latin", 0x0041, 0x024F),
)
_KATAKANA = KANA[1]  # katakana proper: a Japanese display name is never hiragana
_PERSIAN_URDU = frozenset("پچژگکیٹڈڑںےہۀ")
_RUSSIAN = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя -")
_ARABIC = frozenset(chr(c) for c in range(0x0621, 0x064B)) | frozenset(" -")
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh sch - y - e yu ya".split(),
        strict=True,
    )
)
_UKRAINIAN = frozenset("іїєґ")

# The language a country writes its place names in, when the postcard can show its script
# (DejaVu and Noto CJK cover these); elsewhere the local name is the GeoNames name (Latin).
LOCAL_LANG: dict[str, str] = {
    **dict.fromkeys("JP".split(), "ja"),
    **dict.fromkeys("CN TW HK MO SG".split(), "zh"),
    **dict.fromkeys("KR KP".split(), "ko"),
    **dict.fromkeys("RU BY KZ KG".split(), "ru"),
    "UA": "uk",
    "BG": "bg",
    "RS": "sr",
    "MK": "mk",
    "MN": "mn",
    **dict.fromkeys("SA AE EG MA DZ TN LY JO IQ SY LB KW QA BH OM YE SD PS MR".split(), "ar"),
    **dict.fromkeys("IR AF".split(), "fa"),
    "PK": "ur",
    **dict.fromkeys("GR CY".split(), "el"),
    "IL": "he",
    "GE": "ka",
    "AM": "hy",
}
_SCRIPT_OF_LANG = {
    "ja": "han",
    "zh": "han",
    "ko": "hangul",
    "ru": "cyrillic",
    "uk": "cyrillic",
    "bg": "cyrillic",
    "sr": "cyrillic",
    "mk": "cyrillic",
    "mn": "cyrillic",
    "ar": "arabic",
    "fa": "arabic",
    "ur": "arabic",
    "el": "greek",
    "he": "hebrew",
    "ka": "georgian",
    "hy": "armenian",
}


@lru_cache(maxsize=8192)
def _script_of(ch: str) -> str:
    o = ord(ch)
    for name, lo, hi in _RANGES:
        if lo <= o <= hi:
            return name
    return "other"


def scripts(text: str) -> set[str]:
    """The scripts of the letters in `text` ('other' for anything not listed)."""
    if text.isascii():
        return {"latin"} if any(c.isalpha() for c in text) else set()
    found: set[str] = set()
    for ch in text:
        if ch.isalpha():
            found.add(_script_of(ch))
    return found


def _simplified(text: str) -> bool:
    """True when every character exists in GB2312 (simplified Chinese): 罗马 yes, 羅馬 no."""
    return _simplified_ok(text, "gb2312")


def strip_suffix(name: str, suffixes: Sequence[str]) -> str:
    """The name without the first of `suffixes` it ends with (when two characters or more remain)."""
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)].strip()
    return name


def _simplified_ok(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _russian_score(cyr: str, latin: str) -> float:
    """How well a Russian spelling, transliterated, agrees with the place's GeoNames name."""
    from difflib import SequenceMatcher

    rom = "".join(_TRANSLIT.get(c, c) for c in cyr.lower()).replace("-", "")
    return SequenceMatcher(None, rom, latin).ratio()


def _pick(cands: list[str], prefer: Sequence[object] = ()) -> str | None:
    """The first candidate by the given sort keys (stable: GeoNames order breaks ties)."""
    if not cands:
        return None
    if not prefer or len(cands) == 1:
        return cands[0]
    return min(cands, key=lambda c: tuple(f(c) for f in prefer))  # type: ignore[operator]


def language_names(name: str, alternates: Sequence[str], country_code: str) -> dict[str, str]:
    """One display name per language code that the alternates can serve, plus 'en' (the GeoNames name)."""
    by_script: dict[str, list[str]] = {}
    for alt in dict.fromkeys(a.strip() for a in alternates):
        if not alt:
            continue
        s = scripts(alt)
        if s == {"han"}:
            by_script.setdefault("han", []).append(alt)
        elif s <= {"han", "kana"} and "kana" in s:
            by_script.setdefault("kana", []).append(alt)
        elif len(s) == 1:
            by_script.setdefault(next(iter(s)), []).append(alt)
    out: dict[str, str] = {"en": name}
    han = [strip_suffix(h, ("市",)) for h in by_script.get("han", [])]
    han = list(dict.fromkeys(han))
    han = [h for h in han if len(h) >= 2] or han
    if country_code == "JP":
        ja = _pick(han, (lambda h: not _simplified_ok(h, "shift_jis"), len)) or _pick(
            [k for k in by_script.get("kana", []) if _katakana(k)]
        )
        zh = _pick(han, (lambda h: not _simplified(h), len))
    else:
        zh = _pick(han, (lambda h: not _simplified(h), lambda h: h.endswith("市")))
        if country_code in ("CN", "TW", "HK", "MO"):
            ja = _pick(han, (lambda h: _simplified(h) and country_code == "CN", len))
        else:
            ja = _pick([k for k in by_script.get("kana", []) if _katakana(k)], (len,)) or (
                han[0] if han else None
            )
    if zh:
        out["zh"] = zh
    if ja:
        out["ja"] = ja
    hangul = [strip_suffix(h, ("광역시", "특별시", " 시", "시")) for h in by_script.get("hangul", [])]
    ko = _pick(hangul, (len,) if country_code in ("KR", "KP") else (lambda h: -len(h),))
    if ko:
        out["ko"] = ko
    cyr = by_script.get("cyrillic", [])
    words = len(name.split())
    ru_ok = [c for c in cyr if set(c.lower()) <= _RUSSIAN and len(c.split()) <= words]
    ru = _pick(ru_ok, (lambda c: -_russian_score(c, name.lower()), len) if len(ru_ok) > 1 else ())
    if ru:
        out["ru"] = ru
    arabic = by_script.get("arabic", [])
    ar = _pick([a for a in arabic if set(a) <= _ARABIC and "أ" not in a[1:]], (lambda a: -len(a),))
    if ar:
        out["ar"] = ar
    local = LOCAL_LANG.get(country_code)
    if local and local not in out:
        script = _SCRIPT_OF_LANG[local]
        pool = by_script.get(script, [])
        if local == "uk":
            pool = [c for c in pool if set(c) & _UKRAINIAN] or pool
        elif local in ("fa", "ur"):
            pool = [a for a in pool if set(a) & _PERSIAN_URDU] or pool
        found = _pick(pool)
        if found:
            out[local] = found
    return out


def exemplar_names(timezone: str, langs: Sequence[str]) -> dict[str, str]:
    """CLDR's name for a time zone's exemplar city per language ('Europe/Moscow' -> ru 'Москва')."""
    from babel.dates import get_timezone, get_timezone_location

    try:
        zone = get_timezone(timezone)
        en = get_timezone_location(zone, locale="en", return_city=True)
        out = {"en": en}
        for lang in langs:
            got = get_timezone_location(zone, locale=lang, return_city=True)
            if got and got != en:
                out[lang] = got
        return out
    except Exception:  # an unknown zone or locale: no exemplar names, the alternates still serve
        return {}


def _katakana(text: str) -> bool:
    lo, hi = _KATAKANA
    return all(lo <= ord(c) <= hi or not c.isalpha() for c in text)


def local_language(country_code: str, names: dict[str, str]) -> str:
    """The key of `names` that holds the place's name as written locally ('en' when it is Latin)."""
    lang = LOCAL_LANG.get(country_code, "en")
    return lang if lang in names else "en"
