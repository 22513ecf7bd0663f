"""Free text to gazetteer places: names in any script, 'City, Country' forms, ranking and ambiguity."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from generators.gazetteer.index import Gazetteer, Place
from generators.landmarks.matcher import MAX_QUERY_CHARS, compact, flat_key, normalise, strip_fillers
from generators.lang import has_cjk

DOMINATES = 10.0  # the top place wins outright when it scores this many times the next one
ALT_WEIGHT = 0.02  # a match on an alternate name counts far less than one on the place's own name
MAX_CHOICES = 4
SAME_PLACE_KM = 30.0

# Famous fictional places: the bare name is refused even where a real town shares it ("Atlantis,
# South Africa" still works with its country).
FICTION = frozenset(
    compact(normalise(n))
    for n in (
        "Atlantis Narnia Hogwarts Hogsmeade Mordor Gotham Wakanda Neverland Asgard Rivendell Westeros "
        "Camelot Lilliput Agrabah Arendelle Hyrule Zootopia Oz Utopia Wonderland Tatooine Pandora Valhalla "
        "Olympus Midgard Shire Eldorado Lemuria Mu Krypton Metropolis Smallville Duckburg Zion Erewhon"
    ).split()
    + [
        "Middle-earth", "Gotham City", "El Dorado", "Emerald City", "King's Landing", "Bikini Bottom",
        "Never Never Land", "Land of Oz", "The Shire", "Winterfell", "Mount Olympus",
        "亚特兰蒂斯", "纳尼亚", "霍格沃茨", "魔多", "哥谭", "哥谭市", "瓦坎达", "梦幻岛", "中土", "中土世界",
        "阿斯加德", "乌托邦", "仙境", "桃花源", "香格里拉国", "アトランティス", "ナルニア", "ホグワーツ",
    ]
)  # fmt: skip

# Islands and regions people travel to that GeoNames lists as no single town: (country, town).
AREAS: dict[str, tuple[str, str]] = {
    compact(normalise(alias)): target
    for aliases, target in (
        ("Bali|巴厘岛|巴厘|峇里島|バリ島|발리", ("ID", "Kuta")),
        ("Hawaii|夏威夷|ハワイ|하와이", ("US", "Honolulu")),
        ("Tahiti|大溪地|塔希提|タヒチ", ("PF", "Papeete")),
        ("Mallorca|Majorca|马略卡|马略卡岛", ("ES", "Palma")),
        ("Sicily|Sicilia|西西里|西西里岛", ("IT", "Palermo")),
        ("Crete|Kreta|克里特|克里特岛", ("GR", "Heraklion")),
        ("Tuscany|Toscana|托斯卡纳", ("IT", "Florence")),
        ("Provence|普罗旺斯", ("FR", "Aix-en-Provence")),
        ("Sardinia|Sardegna|撒丁岛", ("IT", "Cagliari")),
        ("Corsica|Corse|科西嘉|科西嘉岛", ("FR", "Ajaccio")),
        ("Tasmania|塔斯马尼亚", ("AU", "Hobart")),
        ("Lapland|拉普兰", ("FI", "Rovaniemi")),
        ("Bora Bora|波拉波拉", ("PF", "Vaitape")),
        ("Lombok|龙目岛", ("ID", "Mataram")),
        ("Maldives|马尔代夫|モルディブ|몰디브", ("MV", "Malé")),
    )
    for alias in aliases.split("|")
}


_SHORT_QUALIFIERS = frozenset({"usa", "uk", "uae"})


@dataclass(frozen=True)
class GeoMatch:
    """What the gazetteer made of a query: one place, or several to choose from, or nothing."""

    place: Place | None
    choices: tuple[Place, ...] = ()
    qualified: bool = False  # the query named a country or state ("Paris, Texas")
    whole: str = ""  # the compacted key that matched (without a qualifier)
    fuzzy: bool = False


NOTHING = GeoMatch(None)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points."""
    la1, la2 = math.radians(lat1), math.radians(lat2)
    dla, dlo = la2 - la1, math.radians(lon2 - lon1)
    h = math.sin(dla / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlo / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


def score(place: Place, alt: bool) -> float:
    """Population times fame cubed (how many languages name it); much less for an alternate name."""
    return max(place.population, 100) * (place.fame + 1) ** 3 * (ALT_WEIGHT if alt else 1.0)


def _osa(a: str, b: str, cap: int) -> int:
    """Optimal string alignment distance (a swap counts once), giving up above `cap`."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > cap:
            return cap + 1
        prev2, prev = prev, cur
    return prev[-1]


class PlaceSearch:
    """Matches free text against the gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gz = gazetteer

    @cached_property
    def _cjk_countries(self) -> list[tuple[str, str]]:
        pairs = [(k, c) for k, c in self.gz.countries.by_name.items() if has_cjk(k)]
        return sorted(pairs, key=lambda p: -len(p[0]))

    def _qualifier(self, raw: str) -> set[tuple[str, str]]:
        """('FR', '') for a country, ('US', 'IL') for a state, from a normalised qualifier."""
        key = compact(normalise(raw))
        found: set[tuple[str, str]] = set()
        code = self.gz.countries.by_name.get(key)
        if code:
            found.add((code, ""))
        state = self.gz.countries.state_by_name.get(key)
        if state:
            found.add(("US", state))
        if len(key) == 2 and key.upper() in self.gz.countries.us_states and raw.strip().isupper():
            found.add(("US", key.upper()))
        return found

    def _splits(self, text: str, core: str) -> list[tuple[str, set[tuple[str, str]]]]:
        """(city key, qualifiers) readings of the query: 'Paris, Texas', 'Paris Texas', '法国巴黎'."""
        out: list[tuple[str, set[tuple[str, str]]]] = []
        parts = [p for p in text.replace("，", ",").split(",") if p.strip()]
        if len(parts) >= 2:
            quals = set().union(*(self._qualifier(p) for p in parts[1:]))
            if any(state for _, state in quals):
                quals.discard(("US", ""))  # "Springfield, Illinois, United States": the state decides
            if quals:
                out.append((compact(strip_fillers(normalise(parts[0]))), quals))
        words = core.split()
        for n in (3, 2, 1):
            tail = " ".join(words[-n:])
            if len(words) > n and (len(compact(tail)) >= 4 or compact(tail) in _SHORT_QUALIFIERS):
                quals = self._qualifier(tail)
                if quals:
                    out.append(("".join(words[:-n]), quals))
        flat = compact(core)
        if has_cjk(flat):
            for key, code in self._cjk_countries:
                if len(flat) > len(key) and (flat.startswith(key) or flat.endswith(key)):
                    rest = flat[len(key) :] if flat.startswith(key) else flat[: -len(key)]
                    rest = rest.removeprefix("的")
                    out.append((rest, {(code, "")}))
        return out

    def search(self, text: str) -> GeoMatch:
        """The place a query names, the places it might name, or nothing."""
        raw = str(text or "")[:MAX_QUERY_CHARS]
        norm = normalise(raw)
        core = strip_fillers(norm) or norm
        if not compact(core):
            return NOTHING
        # The words as typed first ("La Paz", "Hoi An"), then without filler words ("take me to Kyoto").
        for reading in dict.fromkeys((norm, core)):
            found = self._exact(raw, reading)
            if found is not None:
                return found
        return self._fuzzy(compact(core))

    def _exact(self, raw: str, reading: str) -> GeoMatch | None:
        full = compact(reading)
        for key, quals in self._splits(raw, reading):
            hits = [
                (p, alt)
                for p, alt in self.gz.by_key(key)
                if (p.country_code, "") in quals or (p.country_code, p.admin1) in quals
            ]
            if hits:
                return self._rank(hits, qualified=True, whole=key)
        if full in FICTION:
            return NOTHING
        hits = self.gz.by_key(full)
        if full in AREAS:
            cc, town = AREAS[full]
            area = [(p, False) for p, _ in self.gz.by_key(flat_key(town)) if p.country_code == cc]
            if area:
                return self._rank(area, whole=full)
        country = self.gz.countries.by_name.get(full)
        if country and not any(p.population >= 100_000 for p, _ in hits):
            known = self.gz.countries.get(country)
            capital = flat_key(known.capital) if known else ""
            found = [(p, False) for p, _ in self.gz.by_key(capital) if p.country_code == country]
            if found:
                return self._rank(found, whole=full)
        return self._rank(hits, whole=full) if hits else None

    def _rank(self, hits: list[tuple[Place, bool]], *, qualified: bool = False, whole: str = "") -> GeoMatch:
        best: dict[int, tuple[Place, float]] = {}
        for p, alt in hits:
            s = score(p, alt)
            if p.id not in best or best[p.id][1] < s:
                best[p.id] = (p, s)
        own = [s for p, alt in hits if not alt for s in [best[p.id][1]]]
        if own:  # a place called exactly this beats another known by it too, unless that one dwarfs it
            floor = DOMINATES * max(own)
            named = {p.id for p, alt in hits if not alt}
            best = {i: ps for i, ps in best.items() if i in named or ps[1] >= floor}
        ranked = sorted(best.values(), key=lambda ps: -ps[1])
        kept: list[tuple[Place, float]] = []
        for p, s in ranked:  # GeoNames lists some cities twice (the city and its centre): one is enough
            if any(
                q.country_code == p.country_code and km(p.lat, p.lon, q.lat, q.lon) < SAME_PLACE_KM
                for q, _ in kept
            ):
                continue
            kept.append((p, s))
        if len(kept) == 1 or kept[0][1] >= DOMINATES * kept[1][1]:
            return GeoMatch(kept[0][0], qualified=qualified, whole=whole)
        return GeoMatch(None, tuple(p for p, _ in kept[:MAX_CHOICES]), qualified=qualified, whole=whole)

    def _fuzzy(self, full: str) -> GeoMatch:
        """A one-letter typo in a Latin name of a town of 15,000+ people, when only one place fits."""
        if not full.isascii() or not full.isalpha() or len(full) < 5:
            return NOTHING
        cap = 2 if len(full) >= 9 else 1
        found: dict[int, int] = {}
        for key, gid in self.gz.fuzzy_names.get(full[0], ()):
            if abs(len(key) - len(full)) <= cap:
                d = _osa(full, key, cap)
                if d <= cap and d < found.get(gid, cap + 1):
                    found[gid] = d
        if not found:
            return NOTHING
        nearest = min(found.values())
        places = [p for gid, d in found.items() if d == nearest and (p := self.gz.place(gid))]
        ranked = sorted(places, key=lambda p: -score(p, False))
        if len(ranked) == 1 or score(ranked[0], False) >= DOMINATES * score(ranked[1], False):
            return GeoMatch(ranked[0], whole=full, fuzzy=True)
        return NOTHING
