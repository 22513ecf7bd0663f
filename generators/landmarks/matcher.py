"""Free-text place matching: a normalised alias index with exact, substring and fuzzy lookups."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from generators.lang import has_cjk

MAX_QUERY_CHARS = 200  # longer input is cut; a place name never needs more
ACCEPT = 0.8  # below this a match is only a suggestion
MAX_FUZZY_WORDS = 16  # typo-tolerant search looks at the first words (fillers removed) only

# Words that carry no place: stripped before comparing the whole query with an alias.
FILLER = frozenset(
    "take me to the a an please pls lets let's let us go visit see want wanna i i'd id would like fly travel "
    "trip teleport bring send show adventure now today us we our my at in for somewhere there "
    "emmene moi a au aux le la les allons visiter voir je veux aller "
    "llevame lleva me vamos ir quiero visitar ver el los las por favor "
    "bring mich nach zum zur zu ich will moechte mochte besuchen bitte "
    "в во на хочу поехать поедем отвези меня пожалуйста "
    "الى إلى خذني اريد أريد زيارة".split()
)
CJK_FILLER = (
    "带我去",
    "我想去",
    "我要去",
    "想去",
    "去看",
    "我们去",
    "一起去",
    "请",
    "吧",
    "呀",
    "啊",
    "去",
    "に行きたい",
    "へ行きたい",
    "行きたい",
    "に行こう",
    "連れて行って",
    "へ",
    "に",
    "에 가고 싶어",
    "가고 싶어",
    "가자",
    "으로",
    "로",
    "에",
)


def _script(ch: str) -> str:
    """Coarse script class: 'cjk' (no word spaces: Han, kana, Hangul), 'word' (letters/digits), or 'sep'."""
    if has_cjk(ch):
        return "cjk"
    return "word" if ch.isalnum() else "sep"


def _fold_char(ch: str) -> str:
    """Strip accents from Latin, Greek, Cyrillic and Arabic letters; leave CJK untouched (kana voicing)."""
    if ord(ch) < 0x0700:
        return "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return ch


_DROP = frozenset("'’ʼ`´·・.‧ـ")  # apostrophes, middle dots, Arabic tatweel: joined, not split


def normalise(text: str) -> str:
    """Casefold, NFKC (full-width forms), strip accents, punctuation to single spaces, spaces at CJK edges."""
    text = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    prev = "sep"
    for raw in text:
        if raw in _DROP:
            continue
        for ch in _fold_char(raw):
            cls = _script(ch)
            if cls == "sep" or (cls != prev and prev != "sep"):
                out.append(" ")
            if cls != "sep":
                out.append(ch)
            prev = cls
    return " ".join("".join(out).split())


def flat_key(text: str) -> str:
    """compact(normalise(text)), faster: for indexing a million names."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return "".join(ch for ch in text if ch.isalnum())
    return "".join(c for ch in text if ch not in _DROP for c in _fold_char(ch) if c.isalnum())


def strip_fillers(norm: str) -> str:
    """A normalised query without filler words (\"take me to\", \"带我去\")."""
    words = [w for w in norm.split() if w not in FILLER]
    core = " ".join(words)
    if has_cjk(core):
        for f in CJK_FILLER:
            core = core.replace(f, " ")
        core = " ".join(core.split())
    return core


def compact(norm: str) -> str:
    """A normalised string without spaces (CJK and run-together spellings)."""
    return norm.replace(" ", "")


@dataclass(frozen=True)
class Alias:
    """One normalised alias pointing to one landmark id."""

    key: str  # normalised, spaced
    flat: str  # without spaces
    target: str
    weight: float  # 1.0 for landmark names, a little less for cities and countries
    cjk: bool
    lang: str = "en"  # language the alias was written in


@dataclass(frozen=True)
class Hit:
    """A scored candidate."""

    target: str
    score: float
    matched: str


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s}


class AliasIndex:
    """Precomputed aliases with a bigram index for fast fuzzy candidates."""

    def __init__(self, aliases: Iterable[tuple[str, str, float, str]]) -> None:
        best: dict[tuple[str, str], Alias] = {}
        for text, target, weight, lang in aliases:
            key = normalise(text)
            if not key:
                continue
            prev = best.get((key, target))
            if prev is None or prev.weight < weight:
                best[(key, target)] = Alias(key, compact(key), target, weight, has_cjk(key), lang)
        self.aliases: tuple[Alias, ...] = tuple(sorted(best.values(), key=lambda a: -len(a.flat)))
        self.by_key: dict[str, list[Alias]] = {}
        self.grams: dict[str, list[int]] = {}
        for i, a in enumerate(self.aliases):
            self.by_key.setdefault(a.flat, []).append(a)
            for g in _bigrams(a.flat):
                self.grams.setdefault(g, []).append(i)

    def ambiguous(self) -> dict[str, set[str]]:
        """Normalised keys that point at more than one landmark."""
        return {k: {a.target for a in v} for k, v in self.by_key.items() if len({a.target for a in v}) > 1}

    def core(self, norm: str) -> str:
        """The query without filler words (\"take me to\", \"带我去\")."""
        return strip_fillers(norm)

    def exact(self, norm: str) -> list[Hit]:
        """Aliases found whole in the query (words for spaced scripts, substrings for CJK); longest first."""
        padded = f" {norm} "
        flat = compact(norm)
        hits: list[Hit] = []
        for a in self.aliases:
            if a.cjk:
                found = len(a.flat) >= 2 and a.flat in flat
            else:
                found = f" {a.key} " in padded
            if found:
                hits.append(Hit(a.target, a.weight, a.key))
        return hits

    def fuzzy(self, norm: str, limit: int = 12) -> list[Hit]:
        """Best ratio per candidate alias against same-sized windows of the query (typos, inflections)."""
        core = self.core(norm) or norm
        flat_core = compact(core)
        if not flat_core:
            return []
        flat = compact(norm)
        counts: dict[int, int] = {}
        for g in _bigrams(flat):
            for i in self.grams.get(g, ()):
                counts[i] = counts.get(i, 0) + 1
        ranked = sorted(counts, key=lambda i: -counts[i] / max(1, len(self.aliases[i].flat) - 1))[: limit * 3]
        core_words = core.split()[:MAX_FUZZY_WORDS]
        windows: dict[tuple[str, int], set[str]] = {}
        grams: dict[str, set[str]] = {}

        def spans(seq: list[str] | str, width: int, key: str) -> set[str]:
            got = windows.get((key, width))
            if got is None:
                sep = "" if isinstance(seq, str) else " "
                got = {sep.join(seq[s : s + width]) for s in range(0, max(0, len(seq) - width + 1))}
                windows[(key, width)] = got
            return got

        hits: list[Hit] = []
        for i in ranked:
            a = self.aliases[i]
            n = len(a.flat)
            # Whole-query comparison: the user typed (about) just the place.
            texts: set[str] = {flat_core}
            spaced: set[str] = {core}
            if a.cjk:
                if n >= 3:
                    for w in (n - 1, n, n + 1):
                        texts |= spans(flat, w, "flat")
            else:
                # Inside a sentence only longer names may be fuzzy ("eifel tower"), never "soul" ~ "seoul".
                if n >= 7 or len(core_words) <= 2:
                    k = len(a.key.split())
                    for w in {max(1, k - 1), k, k + 1}:
                        got = spans(core_words, w, "core")
                        spaced |= got
                        texts |= {x.replace(" ", "") for x in got}
            best = max(_best_ratio(a.flat, texts, grams), _best_ratio(a.key, spaced, grams))
            floor = 0.9 if n <= 4 else ACCEPT
            score = best * a.weight if best >= floor else best * a.weight * 0.85
            hits.append(Hit(a.target, min(score, 0.99), a.key))
        hits.sort(key=lambda h: -h.score)
        return hits


def _best_ratio(target: str, texts: Iterable[str], grams: dict[str, set[str]], floor: float = 0.6) -> float:
    """max(ratio(text, target)) when at least `floor` (else `floor`), pruning by cheap upper bounds."""
    sm = SequenceMatcher(None, autojunk=False)
    sm.set_seq2(target)
    best, lt = floor, len(target)
    tgrams = _bigrams(target)
    for text in texts:
        lx = len(text)
        if not lx or 2 * min(lx, lt) / (lx + lt) <= best:
            continue
        tg = grams.get(text)
        if tg is None:
            tg = grams[text] = _bigrams(text)
        if 3 * len(tg & tgrams) < len(tgrams):  # shares under a third of the bigrams: not a typo of it
            continue
        sm.set_seq1(text)
        if sm.real_quick_ratio() <= best or sm.quick_ratio() <= best:
            continue
        best = max(best, sm.ratio())
    return best
