"""The gazetteer: any real town or city resolves (any script), fiction does not, landmarks still win."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generators.gazetteer import Gazetteer, PlaceResolver
from generators.gazetteer.kinds import KINDS, PlaceFacts, scene_kind
from generators.landmarks import Catalogue
from generators.landmarks.records import PALETTE_KEYS

CITIES = Path(__file__).with_name("data") / "gazetteer_cities.tsv"
KYOTO = "geo:1857910"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    """The index in the tests' cache directory (conftest sets it), built on first use and kept."""
    gz = Gazetteer.default()
    gz.db()
    return gz


@pytest.fixture(scope="session")
def places(gazetteer: Gazetteer) -> PlaceResolver:
    return PlaceResolver(Catalogue.load(), gazetteer)


def city_list() -> list[tuple[str, str]]:
    rows = []
    for line in CITIES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, code = line.split("\t")
            rows.append((query, code))
    return rows


@pytest.mark.parametrize(
    ("query", "code", "name"),
    [
        ("kyoto", "JP", "Kyoto"),
        ("京都", "JP", "Kyoto"),
        ("Venice", "IT", "Venice"),
        ("Prague", "CZ", "Prague"),
        ("布拉格", "CZ", "Prague"),
        ("威尼斯", "IT", "Venice"),
        ("Bangkok", "TH", "Bangkok"),
        ("Hong Kong", "HK", "Hong Kong"),
        ("Lisbon", "PT", "Lisbon"),
        ("Buenos Aires", "AR", "Buenos Aires"),
        ("Marrakech", "MA", "Marrakesh"),
        ("Hanoi", "VN", "Hanoi"),
        ("Bali", "ID", None),
        ("Reykjavik", "IS", "Reykjavík"),
        ("take me to kyoto please", "JP", "Kyoto"),
        ("Ciudad de México", "MX", "Mexico City"),
        ("Paris, Texas", "US", "Paris"),
        ("Springfield, Illinois", "US", "Springfield"),
        ("Atlantis, South Africa", "ZA", "Atlantis"),
        ("Kyotto", "JP", "Kyoto"),  # one typo in a well-known Latin name
    ],
)
def test_real_places_resolve(places: PlaceResolver, query: str, code: str, name: str | None) -> None:
    found = places.resolve(query)
    assert found.landmark is not None, query
    assert found.landmark.id.startswith("geo:") and found.landmark.country_code == code
    assert found.landmark.shapes[0] == "generic" and found.landmark.shapes[1] in KINDS
    if name:
        assert found.landmark.name("en") == name


@pytest.mark.parametrize("query", ["Atlantis", "Narnia", "Hogwarts", "xqzvbwk", "asdfgh", "纳尼亚", "Mordor"])
def test_fiction_and_gibberish_are_refused(places: PlaceResolver, query: str) -> None:
    found = places.resolve(query)
    assert found.landmark is None and not found.choices
    assert found.suggestions  # the refusal still offers signature scenes


@pytest.mark.parametrize(
    ("query", "landmark_id"),
    [
        ("paris", "eiffel_tower"),
        ("巴黎", "eiffel_tower"),
        ("take me to rome", "colosseum"),
        ("Eifel towr", "eiffel_tower"),
    ],
)
def test_signature_landmarks_still_win(places: PlaceResolver, query: str, landmark_id: str) -> None:
    found = places.resolve(query)
    assert found.landmark is not None and found.landmark.id == landmark_id


def test_a_country_with_several_landmarks_still_suggests_them(places: PlaceResolver) -> None:
    found = places.resolve("japan")
    assert found.landmark is None and {lm.country_code for lm in found.suggestions} == {"JP"}


@pytest.mark.parametrize(
    ("query", "must_include"),
    [
        ("Springfield", {"Springfield, Illinois, United States", "Springfield, Missouri, United States"}),
        ("San Jose", {"San Jose, California, United States", "San José, Costa Rica"}),
        ("Córdoba", {"Córdoba, Argentina", "Córdoba, Spain"}),
        ("Victoria", {"Victoria, Canada", "Victoria, Seychelles"}),
    ],
)
def test_ambiguous_names_ask_with_labels(places: PlaceResolver, query: str, must_include: set[str]) -> None:
    found = places.resolve(query)
    assert found.landmark is None and 2 <= len(found.choices) <= 4
    assert must_include <= set(found.labels)
    assert len(set(found.labels)) == len(found.labels)
    assert all(lm.id.startswith("geo:") for lm in found.choices)


def test_labels_follow_the_language(places: PlaceResolver) -> None:
    found = places.resolve("Córdoba", "zh")
    assert "阿根廷" in " ".join(found.labels) and "西班牙" in " ".join(found.labels)


def test_a_gazetteer_place_is_a_complete_landmark(places: PlaceResolver) -> None:
    kyoto = places.resolve("京都").landmark
    assert kyoto is not None and kyoto.id == KYOTO
    assert kyoto.name("en") == "Kyoto" and kyoto.name("zh") == "京都" and kyoto.name("ja") == "京都"
    assert kyoto.name("fr") == "Kyoto"  # no French name in the data: English
    assert kyoto.local_name() == "京都" and kyoto.city_name("en") == "Kyoto"
    assert (kyoto.country, kyoto.country_code, kyoto.continent, kyoto.timezone) == (
        "Japan",
        "JP",
        "asia",
        "Asia/Tokyo",
    )
    assert abs(kyoto.lat - 35.02) < 0.1 and abs(kyoto.lon - 135.75) < 0.1
    assert kyoto.description == "the streets of Kyoto, Japan" and kyoto.article == ""
    assert "Japan" in kyoto.facts["en"][0] and "1.5 million" in kyoto.facts["en"][0]
    assert "日本" in kyoto.facts["zh"][0] and "146万" in kyoto.facts["zh"][0]
    assert tuple(kyoto.palette) == PALETTE_KEYS
    assert kyoto.shapes == ("generic", "old_town")


def test_local_names_use_the_local_script(places: PlaceResolver) -> None:
    def local(q: str) -> str:
        lm = places.resolve(q).landmark
        assert lm is not None, q
        return lm.local_name()

    assert local("Busan") == "부산"
    assert local("Kyiv") == "Київ"
    assert local("Marrakech") == "مراكش"
    assert local("Novosibirsk") == "Новосибирск"
    assert local("Lisbon") == "Lisbon"  # a Latin-script country: the GeoNames name


@pytest.mark.parametrize(
    ("facts", "kind"),
    [
        (PlaceFacts("JP", "40", 35.7, 139.7, 9_700_000, True), "megacity"),
        (PlaceFacts("EG", "26", 25.7, 32.6, 400_000, False), "desert_city"),
        (PlaceFacts("US", "AZ", 33.4, -112.0, 1_600_000, False), "desert_city"),
        (PlaceFacts("FJ", "C", -18.1, 178.4, 77_000, True), "tropical_island"),
        (PlaceFacts("PT", "14", 38.7, -9.1, 517_000, True), "harbour"),
        (PlaceFacts("CH", "VS", 46.0, 7.7, 5_600, False), "mountain_village"),
        (PlaceFacts("NO", "18", 68.2, 14.6, 3_000, False), "mountain_village"),
        (PlaceFacts("CZ", "52", 50.1, 14.4, 1_165_000, False), "old_town"),
    ],
)
def test_scene_kind(facts: PlaceFacts, kind: str) -> None:
    assert scene_kind(facts) == kind


def test_real_places_get_sensible_kinds(places: PlaceResolver) -> None:
    def kind(q: str) -> str:
        lm = places.resolve(q).landmark
        assert lm is not None, q
        return lm.shapes[1]

    assert kind("Bangkok") == "megacity"
    assert kind("Lisbon") == "harbour"
    assert kind("Marrakech") == "desert_city"
    assert kind("Suva") == "tropical_island"
    assert kind("Honolulu") == "tropical_island"
    assert kind("Prague") == "old_town"


def test_city_list_resolves_to_the_right_country(places: PlaceResolver) -> None:
    rows = city_list()
    assert len(rows) >= 200
    wrong = []
    for query, code in rows:
        lm = places.resolve(query).landmark
        if lm is None or lm.country_code != code:
            wrong.append((query, code, lm.id if lm else None))
    assert len(wrong) <= 0.05 * len(rows), wrong


def test_autocomplete_offers_towns_after_landmarks(places: PlaceResolver) -> None:
    got = places.autocomplete("kyo", "en")
    ids = [value for _, value in got]
    assert ids[0] == "tokyo_tower" and KYOTO in ids
    assert ids.index(KYOTO) > ids.index("tokyo_tower")
    label = dict((v, k) for k, v in got)[KYOTO]
    assert label == "Kyoto, Japan"
    assert places.resolve(KYOTO).landmark.id == KYOTO  # the value an autocomplete pick sends back
    han = places.autocomplete("京", "zh")
    assert any(value.startswith("geo:") for _, value in han), (
        "towns after the landmarks, not only the catalogue"
    )


def test_resolver_get_resolves_gazetteer_ids_in_a_fresh_process(gazetteer: Gazetteer) -> None:
    code = (
        "from generators.gazetteer import Gazetteer, PlaceResolver; from generators.landmarks import Catalogue; "
        "lm = PlaceResolver(Catalogue.load(), Gazetteer.default()).get('geo:1857910'); print(lm.name('zh'), lm.country)"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "京都 Japan"
    resolver = PlaceResolver(Catalogue.load(), gazetteer)
    assert resolver.get("geo:999999999") is None and resolver.get("geo:abc") is None
    assert Catalogue.load().get("geo:1857910") is None  # the catalogue holds signature landmarks only


def test_autocomplete_labels_follow_the_typed_script(places: PlaceResolver) -> None:
    got = dict((v, k) for k, v in places.autocomplete("京都", "en-US"))
    assert got[KYOTO].startswith("京都")


def test_warm_opens_the_index_in_the_background(gazetteer: Gazetteer) -> None:
    fresh = Gazetteer(gazetteer.directory)
    assert not fresh.ready()
    fresh.warm().join()
    assert fresh.ready() and fresh.landmark(KYOTO).name("ja") == "京都"
