"""Scripts, language detection, language names and name cleaning (generators/lang.py)."""

from __future__ import annotations

import pytest

from generators.lang import (
    CJK,
    CJK_LANGUAGES,
    HAN,
    HANGUL,
    KANA,
    LANGUAGES,
    NAME_MAX,
    SCRIPT_LANGUAGES,
    clean_name,
    count_cjk,
    count_han,
    detect_language,
    has_cjk,
    has_han,
    language_name,
    prompt_language_name,
    script_language,
)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("你好，今天怎么样？", "zh"),
        ("こんにちは、元気ですか", "ja"),
        ("東京に行きたいです", "ja"),
        ("안녕하세요, 잘 지내요?", "ko"),
        ("Привет, как дела?", "ru"),
        ("مرحبا كيف حالك", "ar"),
        ("Bonjour, comment ça va ?", "fr"),
        ("Hola, ¿cómo estás?", "es"),
        ("Hallo, wie geht es dir? Ich bin müde.", "de"),
        ("Hello, how are you?", "en"),
        ("I want to visit 北京 next year", "en"),
        ("12345 !!!", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, lang: str):
    assert detect_language(text) == lang


def test_script_ranges_are_sorted_and_disjoint() -> None:
    ranges = sorted(r for _, rs in SCRIPT_LANGUAGES for r in rs)
    assert all(lo <= hi for lo, hi in ranges)
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False)), "no code point in two scripts"
    assert set(CJK) == set(HAN) | set(KANA) | set(HANGUL)
    assert {lang for lang, _ in SCRIPT_LANGUAGES} >= CJK_LANGUAGES


@pytest.mark.parametrize(
    ("ch", "lang"),
    [
        ("中", "zh"),
        ("㐀", "zh"),  # extension A
        ("\U00020000", "zh"),  # extension B
        ("\uf900", "zh"),  # compatibility ideograph
        ("あ", "ja"),
        ("カ", "ja"),
        ("ｶ", "ja"),  # half-width katakana
        ("한", "ko"),
        ("ㄱ", "ko"),  # compatibility jamo
        ("ж", "ru"),
        ("ש", "he"),
        ("a", None),
        ("。", None),  # CJK punctuation names no language
        ("䷀", None),  # a Yijing hexagram sits between two Han blocks but is not Han
    ],
)
def test_script_language(ch: str, lang: str | None) -> None:
    assert script_language(ch) == lang


def test_has_and_count() -> None:
    assert has_han("I want to visit 北京") and not has_han("こんにちは") and not has_han("Hello")
    assert has_cjk("こんにちは") and has_cjk("안녕") and has_cjk("北京") and not has_cjk("Привет")
    assert count_han("北京とパリ") == 2
    assert count_cjk("北京とパリ") == 5
    assert count_cjk("Paris!") == 0


def test_language_names_in_english_and_chinese() -> None:
    assert language_name("zh") == "Chinese" and language_name("zh", "zh") == "中文"
    assert language_name("ja", "en") == "Japanese" and language_name("ja", "zh") == "日语"
    assert language_name("he", "fr") == "Hebrew", "a language without its own catalogue falls back to English"
    assert language_name("xx") == "xx" and language_name("xx", "zh") == "xx"
    assert all(lang.english and lang.chinese for lang in LANGUAGES.values())
    assert {lang for lang, _ in SCRIPT_LANGUAGES} <= set(LANGUAGES), "every detected language has a name"


def test_prompt_language_names_add_the_native_name() -> None:
    assert prompt_language_name("en") == "English"
    assert prompt_language_name("zh") == "Chinese (中文)"
    assert prompt_language_name("ko") == "Korean (한국어)"
    assert prompt_language_name("th") == "Thai"
    assert prompt_language_name("tlh") == "tlh"


def test_clean_name() -> None:
    assert clean_name("  Ann \t\n Lee  ") == "Ann Lee"
    assert clean_name("Ann\u00a0Lee") == "Ann Lee", "a no-break space separates words"
    assert clean_name("A\u200bn\x00n") == "Ann", "format and control characters go"
    assert clean_name("x" * 100) == "x" * NAME_MAX
    assert clean_name("abcdef", 3) == "abc"
    assert clean_name(" \n\x01 ") == "" and clean_name("\x01", fallback="Someone") == "Someone"
    assert clean_name("李小龍") == "李小龍"
