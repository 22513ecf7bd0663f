"""Landmark catalogue integrity, multilingual place matching, filters, local light and autocomplete."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generators.landmarks import Catalogue, Landmark, PlaceMatch, lang_code, normalise
from generators.landmarks.places import LANGS
from generators.landmarks.records import PALETTE_KEYS, SHAPE_EXTRAS
from generators.lang import has_han

IDS = (
    "eiffel_tower colosseum big_ben sagrada_familia brandenburg_gate acropolis saint_basils neuschwanstein "
    "santorini leaning_tower_pisa matterhorn amsterdam_canals great_wall forbidden_city oriental_pearl "
    "mount_fuji tokyo_tower taj_mahal angkor_wat petronas_towers marina_bay_sands burj_khalifa gyeongbokgung "
    "potala_palace giza_pyramids petra table_mountain kilimanjaro victoria_falls hassan_ii_mosque "
    "statue_of_liberty golden_gate grand_canyon niagara_falls cn_tower chichen_itza christ_the_redeemer "
    "machu_picchu iguazu_falls moai_easter_island sydney_opera_house uluru milford_sound hagia_sophia"
).split()
HEX = re.compile(r"^#[0-9a-f]{6}$")


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return Catalogue.load()


# --- integrity ---------------------------------------------------------------------------------------


def test_exactly_the_agreed_ids(cat: Catalogue) -> None:
    ids = [lm.id for lm in cat.all()]
    assert len(IDS) == 44
    assert len(ids) == len(set(ids)) >= 44
    assert set(IDS) <= set(ids)
    assert Catalogue.load() is cat  # cached


def test_every_inhabited_continent_is_covered(cat: Catalogue) -> None:
    continents = {lm.continent for lm in cat.all()}
    assert continents == {"africa", "asia", "europe", "north_america", "south_america", "oceania"}


@pytest.mark.parametrize("landmark_id", IDS)
def test_record_is_complete_and_valid(cat: Catalogue, landmark_id: str) -> None:
    lm = cat.get(landmark_id)
    assert isinstance(lm, Landmark)
    for lang in LANGS:
        assert lm.names[lang] and all(n.strip() for n in lm.names[lang]), lang
        assert lm.city[lang].strip(), lang
        assert lm.name(lang) == lm.names[lang][0]
        assert lm.city_name(lang) == lm.city[lang]
    assert lm.local_script in lm.names and lm.local_name() == lm.names[lm.local_script][0]
    assert re.fullmatch(r"[A-Z]{2}", lm.country_code) and lm.country
    assert -90 <= lm.lat <= 90 and -180 <= lm.lon <= 180
    assert ZoneInfo(lm.timezone).key == lm.timezone
    assert set(lm.palette) == set(PALETTE_KEYS)
    assert all(HEX.match(v) for v in lm.palette.values()), lm.palette
    assert lm.shapes[0] == lm.id
    assert set(lm.shapes[1:]) <= SHAPE_EXTRAS and len(set(lm.shapes)) == len(lm.shapes)
    assert len(lm.description) > 40
    assert 2 <= len(lm.facts["en"]) <= 3 and len(lm.facts["zh"]) == len(lm.facts["en"])
    assert all(f.endswith(".") for f in lm.facts["en"])
    assert all(has_han(f) for f in lm.facts["zh"])
    assert hash(lm) == hash(lm.id)


def test_timezones_match_the_continent(cat: Catalogue) -> None:
    prefixes = {
        "europe": ("Europe/",),
        "asia": ("Asia/",),
        "africa": ("Africa/",),
        "north_america": ("America/",),
        "south_america": ("America/", "Pacific/Easter"),
        "oceania": ("Australia/", "Pacific/"),
    }
    for lm in cat.all():
        assert lm.timezone.startswith(prefixes[lm.continent]), lm.id


MONTHS = {
    m: str(i)
    for i, m in enumerate(
        "January February March April May June July August September October November December".split(),
        start=1,
    )
}


def _numbers_en(text: str) -> list[str]:
    text = text.replace(",", "")  # 1,086: thousands separators are English-only
    for month, num in MONTHS.items():
        text = re.sub(rf"\b{month}\b", f" {num} ", text)
    return sorted(re.findall(r"\d+(?:\.\d+)?", text))


def _numbers_zh(text: str) -> list[str]:
    text = re.sub(r"(\d+)万", lambda m: str(int(m.group(1)) * 10000), text)
    return sorted(re.findall(r"\d+(?:\.\d+)?", text))


def test_facts_carry_the_same_numbers_in_both_languages(cat: Catalogue) -> None:
    for lm in cat.all():
        for en, zh in zip(lm.facts["en"], lm.facts["zh"], strict=True):
            assert _numbers_en(en) == _numbers_zh(zh), (lm.id, en, zh)


def test_no_alias_points_at_two_landmarks(cat: Catalogue) -> None:
    assert cat.index.ambiguous() == {}


def test_unknown_id_is_none(cat: Catalogue) -> None:
    assert cat.get("atlantis") is None


# --- matching ----------------------------------------------------------------------------------------

CASES = [
    # English: names, cities, aliases, typos, extra words
    ("paris", "eiffel_tower"),
    ("Eiffel Tower", "eiffel_tower"),
    ("eifel tower", "eiffel_tower"),
    ("take me to paris please", "eiffel_tower"),
    ("let's visit the pyramids", "giza_pyramids"),
    ("the pyramids", "giza_pyramids"),
    ("Sidney", "sydney_opera_house"),
    ("Sydnee", "sydney_opera_house"),
    ("colloseum", "colosseum"),
    ("Statue of Liberty", "statue_of_liberty"),
    ("NYC", "statue_of_liberty"),
    ("new york", "statue_of_liberty"),
    ("Rio", "christ_the_redeemer"),
    ("machu pichu", "machu_picchu"),
    ("niagra falls", "niagara_falls"),
    ("Cairo", "giza_pyramids"),
    ("beijing", "forbidden_city"),
    ("the great wall near beijing", "great_wall"),
    ("tokyo", "tokyo_tower"),
    ("cape town", "table_mountain"),
    ("ayers rock", "uluru"),
    ("france", "eiffel_tower"),
    ("I want to see the Golden Gate Bridge", "golden_gate"),
    ("eiffel_tower", "eiffel_tower"),
    # Chinese
    ("巴黎", "eiffel_tower"),
    ("埃菲尔铁塔", "eiffel_tower"),
    ("带我去巴黎吧", "eiffel_tower"),
    ("埃菲尔塔", "eiffel_tower"),
    ("长城", "great_wall"),
    ("故宫", "forbidden_city"),
    ("北京", "forbidden_city"),
    ("我想去金字塔", "giza_pyramids"),
    ("悉尼歌剧院", "sydney_opera_house"),
    ("开罗", "giza_pyramids"),
    ("去东京看看", "tokyo_tower"),
    # Japanese
    ("パリ", "eiffel_tower"),
    ("富士山に行きたい", "mount_fuji"),
    ("東京タワー", "tokyo_tower"),
    ("タージマハル", "taj_mahal"),
    ("万里の長城", "great_wall"),
    # Korean
    ("에펠탑으로 가자", "eiffel_tower"),
    ("파리", "eiffel_tower"),
    ("경복궁", "gyeongbokgung"),
    ("서울", "gyeongbokgung"),
    # French
    ("Emmène-moi à Rome", "colosseum"),
    ("Pékin", "forbidden_city"),
    ("colisée", "colosseum"),
    # Spanish
    ("Llévame a París", "eiffel_tower"),
    ("Cataratas del Iguazú", "iguazu_falls"),
    ("Nueva York", "statue_of_liberty"),
    # German
    ("Eiffelturm", "eiffel_tower"),
    ("ich will nach Berlin", "brandenburg_gate"),
    ("Schloß Neuschwanstein", "neuschwanstein"),
    # Russian
    ("Париж", "eiffel_tower"),
    ("в Париже", "eiffel_tower"),
    ("Красная площадь", "saint_basils"),
    ("Колизей", "colosseum"),
    # Arabic
    ("باريس", "eiffel_tower"),
    ("إلى باريس", "eiffel_tower"),
    ("برج خليفة", "burj_khalifa"),
    ("الاهرامات", "giza_pyramids"),
    # Accents, full width, punctuation
    ("ＰＡＲＩＳ", "eiffel_tower"),
    ("PARÍS", "eiffel_tower"),
    ("fussen", "neuschwanstein"),
    ("Sagrada Familia", "sagrada_familia"),
    ("chichen itza", "chichen_itza"),
    ("  eiffel   TOWER!!! ", "eiffel_tower"),
    ("st. basil's cathedral", "saint_basils"),
    ("ｔｏｋｙｏ", "tokyo_tower"),
    # More places, one language each
    ("angkor", "angkor_wat"),
    ("Kilimandscharo", "kilimanjaro"),
    ("victoria falls", "victoria_falls"),
    ("Акрополь", "acropolis"),
    ("Santorin", "santorini"),
    ("마추픽추", "machu_picchu"),
    ("amsterdam", "amsterdam_canals"),
    ("istanbul", "hagia_sophia"),
    ("Matterhorn", "matterhorn"),
    ("ピサの斜塔", "leaning_tower_pisa"),
]


def test_the_table_is_broad() -> None:
    assert len(CASES) >= 40
    assert len({want for _, want in CASES}) >= 25


@pytest.mark.parametrize(("text", "want"), CASES)
def test_match(cat: Catalogue, text: str, want: str) -> None:
    m = cat.match(text)
    assert isinstance(m, PlaceMatch)
    assert m.landmark is not None, (text, [s.id for s in m.suggestions])
    assert m.landmark.id == want
    assert 0.8 <= m.score <= 1.0 and m.matched


def test_exact_names_score_higher_than_typos(cat: Catalogue) -> None:
    assert cat.match("Eiffel Tower").score == 1.0
    assert cat.match("eifel tower").score < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Atlantis",
        "asdfgh",
        "🍕🍕",
        "Hogwarts",
        "Narnia",
        "my pizza",
        "hello there",
        "what is the weather",
        "今天天气很好",
        "я хочу есть",
        "to",
        "me",
        "the",
        "a",
        "",
        "   ",
        "x" * 5000,
        "\u0000\u200b\ufeff",
    ],
)
def test_unknown_places_give_none_and_three_suggestions(cat: Catalogue, text: str) -> None:
    m = cat.match(text)
    assert m.landmark is None
    assert m.score < 0.8
    assert len(m.suggestions) == 3 and len({s.id for s in m.suggestions}) == 3
    assert all(isinstance(s, Landmark) for s in m.suggestions)


def test_a_long_string_with_a_place_early_still_matches(cat: Catalogue) -> None:
    assert cat.match("take me to Tokyo " + "blah " * 1000).landmark.id == "tokyo_tower"


def test_non_string_input_does_not_raise(cat: Catalogue) -> None:
    assert cat.match(None).landmark is None  # type: ignore[arg-type]


def test_typo_suggestions_are_close(cat: Catalogue) -> None:
    m = cat.match("Atlantis")
    assert m.landmark is None
    m = cat.match("Colosssssseum of Rme")
    assert m.landmark is None or m.landmark.id == "colosseum"
    if m.landmark is None:
        assert "colosseum" in [s.id for s in m.suggestions]


@pytest.mark.parametrize(
    ("text", "members"),
    [("japan", {"mount_fuji", "tokyo_tower"}), ("日本", {"mount_fuji", "tokyo_tower"}), ("europe", None)],
)
def test_a_region_with_several_places_asks_and_suggests_them(
    cat: Catalogue, text: str, members: set[str] | None
) -> None:
    m = cat.match(text)
    assert m.landmark is None
    if members:
        assert {s.id for s in m.suggestions} == members
    else:
        assert all(s.continent == "europe" for s in m.suggestions)


def test_normalise_folds_case_accents_width_and_punctuation() -> None:
    assert normalise("ＰＡＲＩＳ") == "paris"
    assert normalise("Füssen") == "fussen"
    assert normalise("Saint-Basile") == "saint basile"
    assert normalise("St. Basil's") == "st basils"
    assert normalise("タージ・マハル") == "タージマハル"
    assert normalise("带我去Paris吧") == "带我去 paris 吧"
    assert normalise("ガ") == "ガ"  # kana voicing survives (no NFKD on CJK)
    assert normalise("أهرامات") == normalise("اهرامات")


# --- filter ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["europe", "Europe", "欧洲", "ヨーロッパ", "유럽", "Europa", "Европа", "أوروبا"]
)
def test_filter_by_continent_in_many_languages(cat: Catalogue, query: str) -> None:
    got = cat.filter(query)
    assert {lm.id for lm in got} == {lm.id for lm in cat.all() if lm.continent == "europe"}
    assert len(got) >= 10


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("japan", {"mount_fuji", "tokyo_tower"}),
        ("日本", {"mount_fuji", "tokyo_tower"}),
        ("Japon", {"mount_fuji", "tokyo_tower"}),
        ("中国", {"great_wall", "forbidden_city", "oriental_pearl", "potala_palace"}),
        ("USA", {"statue_of_liberty", "golden_gate", "grand_canyon"}),
        ("Deutschland", {"brandenburg_gate", "neuschwanstein"}),
        ("Египет", {"giza_pyramids"}),
        ("مصر", {"giza_pyramids"}),
        ("호주", {"sydney_opera_house", "uluru"}),
        ("Südamerika", {"christ_the_redeemer", "machu_picchu", "iguazu_falls", "moai_easter_island"}),
        ("大洋洲", {"sydney_opera_house", "uluru", "milford_sound"}),
        (
            "北美洲的地标",
            {"statue_of_liberty", "golden_gate", "grand_canyon", "niagara_falls", "cn_tower", "chichen_itza"},
        ),
        (
            "places in South America",
            {"christ_the_redeemer", "machu_picchu", "iguazu_falls", "moai_easter_island"},
        ),
        (
            "landmarks in africa",
            {"giza_pyramids", "table_mountain", "kilimanjaro", "victoria_falls", "hassan_ii_mosque"},
        ),
    ],
)
def test_filter_by_country_or_continent(cat: Catalogue, query: str, want: set[str]) -> None:
    assert {lm.id for lm in cat.filter(query)} == want


@pytest.mark.parametrize("query", ["atlantis", "", "   ", "🍕", "in", "to"])
def test_filter_with_no_region_is_empty(cat: Catalogue, query: str) -> None:
    assert cat.filter(query) == []


# --- local time and light ----------------------------------------------------------------------------


def test_local_time_uses_the_landmark_zone(cat: Catalogue) -> None:
    now = datetime(2026, 6, 21, 12, 0, tzinfo=UTC)
    assert cat.get("eiffel_tower").local_time(now).hour == 14  # CEST
    assert cat.get("tokyo_tower").local_time(now).hour == 21
    assert cat.get("statue_of_liberty").local_time(now).hour == 8
    assert cat.get("eiffel_tower").local_time(now.replace(tzinfo=None)).hour == 14  # naive means UTC


def test_paris_and_tokyo_see_different_light_at_the_same_instant(cat: Catalogue) -> None:
    paris, tokyo = cat.get("eiffel_tower"), cat.get("tokyo_tower")
    noon_utc = datetime(2026, 6, 21, 12, 0, tzinfo=UTC)
    assert paris.time_of_day(noon_utc) == "day"
    assert tokyo.time_of_day(noon_utc) == "night"
    early_utc = datetime(2026, 6, 21, 0, 0, tzinfo=UTC)  # 02:00 in Paris, 09:00 in Tokyo
    assert paris.time_of_day(early_utc) == "night"
    assert tokyo.time_of_day(early_utc) == "day"


def test_a_day_passes_through_dawn_day_dusk_and_night_in_order(cat: Catalogue) -> None:
    paris = cat.get("eiffel_tower")
    start = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)
    seen: list[str] = []
    for minutes in range(0, 24 * 60, 10):
        tod = paris.time_of_day(start + timedelta(minutes=minutes))
        if not seen or seen[-1] != tod:
            seen.append(tod)
    assert seen == ["night", "dawn", "day", "dusk", "night"]


def test_sunrise_follows_the_season_not_the_clock(cat: Catalogue) -> None:
    paris = cat.get("eiffel_tower")
    # 05:30 UTC is 07:30 local in both; the sun is up in June, not in December.
    assert paris.time_of_day(datetime(2026, 6, 21, 5, 30, tzinfo=UTC)) == "day"
    assert paris.time_of_day(datetime(2026, 12, 21, 6, 30, tzinfo=UTC)) == "night"


def test_southern_hemisphere_midsummer_evening_is_still_light(cat: Catalogue) -> None:
    sydney = cat.get("sydney_opera_house")
    # 19:30 in Sydney on 21 December (UTC+11) is before sunset (~20:05).
    assert sydney.time_of_day(datetime(2026, 12, 21, 8, 30, tzinfo=UTC)) in {"day", "dusk"}


# --- names, locales, autocomplete --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "code"),
    [
        ("zh-CN", "zh"),
        ("zh-TW", "zh"),
        ("ja", "ja"),
        ("es-ES", "es"),
        ("en-US", "en"),
        ("pt-BR", "en"),
        ("ko", "ko"),
        ("ru", "ru"),
        ("", "en"),
        ("de_DE", "de"),
    ],
)
def test_lang_code(locale: str, code: str) -> None:
    assert lang_code(locale) == code


def test_names_follow_the_locale(cat: Catalogue) -> None:
    lm = cat.get("eiffel_tower")
    assert lm.name("zh-CN") == "埃菲尔铁塔" and lm.city_name("zh-CN") == "巴黎"
    assert lm.name("ja") == "エッフェル塔" and lm.city_name("ko") == "파리"
    assert lm.name("ru") == "Эйфелева башня" and lm.city_name("ar") == "باريس"
    assert lm.name("pt-BR") == "Eiffel Tower"  # fallback to English
    assert lm.local_name() == "Tour Eiffel"
    assert cat.get("forbidden_city").local_name() == "故宫"
    assert cat.get("tokyo_tower").local_name() == "東京タワー"
    assert cat.get("giza_pyramids").local_name() == "أهرامات الجيزة"


def test_autocomplete_in_chinese(cat: Catalogue) -> None:
    items = cat.autocomplete("巴", "zh-CN")
    assert items[0] == ("埃菲尔铁塔 · 巴黎", "eiffel_tower")
    assert all(has_han(label) for label, _ in items)
    assert cat.autocomplete("埃菲", "zh-CN") == [("埃菲尔铁塔 · 巴黎", "eiffel_tower")]
    # an English prefix still finds the place, labelled in Chinese
    assert ("东京塔 · 东京", "tokyo_tower") in cat.autocomplete("tok", "zh-CN")
    # a Chinese prefix on an English client is labelled in Chinese (the script the user typed)
    assert cat.autocomplete("巴", "en-US")[0] == ("埃菲尔铁塔 · 巴黎", "eiffel_tower")
    assert cat.autocomplete("Пар", "fr")[0] == ("Эйфелева башня · Париж", "eiffel_tower")


def test_autocomplete_in_english(cat: Catalogue) -> None:
    items = cat.autocomplete("par", "en-US")
    assert items[0] == ("Eiffel Tower · Paris", "eiffel_tower")
    ids = [i for _, i in cat.autocomplete("tow", "en-GB")]
    assert {"tokyo_tower", "cn_tower", "eiffel_tower", "leaning_tower_pisa"} <= set(ids)
    # a typo with no literal hit falls back to the matcher
    assert cat.autocomplete("eifel", "en")[0][1] == "eiffel_tower"


def test_autocomplete_empty_prefix_and_limit(cat: Catalogue) -> None:
    items = cat.autocomplete("", "ja", limit=25)
    assert len(items) == 25 and items[0] == ("エッフェル塔 · パリ", "eiffel_tower")
    assert len(cat.autocomplete("", "en", limit=5)) == 5
    assert cat.autocomplete("zzzzqqq", "en") == [] or len(cat.autocomplete("zzzzqqq", "en")) <= 3
    assert len({i for _, i in cat.autocomplete("a", "en", limit=100)}) == len(
        cat.autocomplete("a", "en", limit=100)
    )


def test_autocomplete_values_round_trip_through_match(cat: Catalogue) -> None:
    for _, value in cat.autocomplete("", "es-ES", limit=100):
        assert cat.match(value).landmark.id == value


def test_the_data_file_is_small_and_every_record_loads() -> None:
    from generators.landmarks.records import DATA_FILE, load_records

    assert DATA_FILE.stat().st_size < 1024 * 1024
    assert [r.landmark.id for r in load_records()] == [lm.id for lm in Catalogue.load().all()]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda t: t.replace('timezone = "Europe/Paris"', 'timezone = "Europe/Atlantis"', 1), "timezone"),
        (lambda t: t.replace('sky_day = "#8ec5e8"', 'sky_day = "blue"', 1), "palette.sky_day"),
        (lambda t: t.replace('article = "the"', 'article = "a"', 1), "article"),
        (lambda t: t.replace('ja = ["エッフェル塔"]\n', "", 1), "names"),
        (lambda t: t.replace("lat = 48.8584", "lat = 148.8584", 1), "lat"),
        (lambda t: t.replace('country = "France"', 'country = "France"\ncountri = "FR"', 1), "countri"),
    ],
)
def test_a_bad_record_names_the_record_and_the_field(tmp_path: Path, edit, field: str) -> None:
    from generators.landmarks.records import DATA_FILE, LandmarkDataError, load_records

    bad = tmp_path / "landmarks.toml"
    bad.write_text(edit(DATA_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(LandmarkDataError) as err:
        load_records(bad)
    assert "(eiffel_tower)" in str(err.value) and f"field {field!r}" in str(err.value)


def test_english_articles_live_with_the_records(cat: Catalogue) -> None:
    assert cat.get("eiffel_tower").in_sentence("en") == "the Eiffel Tower"
    assert cat.get("mount_fuji").in_sentence("en") == "Mount Fuji"
    assert cat.get("eiffel_tower").in_sentence("fr") == "Tour Eiffel"
