"""Each persona's voice: the `[voice]` TOML table, its trip through a Character Card V3, and the
three built-in personas sounding different."""

from __future__ import annotations

import dataclasses
import itertools
import shutil
from pathlib import Path

import pytest

from generators.errors import InputError
from generators.voice.ogg import decode
from generators.voice.style import VoiceStyle
from personas.cards import card_to_persona, persona_to_card
from personas.registry import PersonaRegistry
from personas.toml_io import dumps, parse_toml

BUILTIN = Path(__file__).resolve().parents[1] / "personas"
BUILTIN_IDS = ("luna", "professor", "mango")


@pytest.fixture
def registry(tmp_path: Path) -> PersonaRegistry:
    return PersonaRegistry(BUILTIN, tmp_path / "user")


def test_builtin_personas_have_different_voices(registry: PersonaRegistry) -> None:
    voices = [registry.get(pid).voice for pid in BUILTIN_IDS]
    assert all(v.id and v.server_voice for v in voices)
    for a, b in itertools.combinations(voices, 2):
        assert a.id != b.id and a.server_voice != b.server_voice
        assert (a.speed, a.pitch) != (b.speed, b.pitch)


def test_voice_survives_a_v3_card_round_trip(registry: PersonaRegistry, tmp_path: Path) -> None:
    voice = VoiceStyle(id="klatt4", server_voice="af_heart", speed=0.85, pitch=1.4)
    persona = dataclasses.replace(registry.get("luna"), voice=voice)
    card = persona_to_card(persona)
    assert card["data"]["extensions"]["avatar_adventures"]["voice"] == {
        "id": "klatt4",
        "server_voice": "af_heart",
        "speed": 0.85,
        "pitch": 1.4,
    }
    back = card_to_persona(card, persona_id="luna").persona
    assert back.voice == voice
    # and through the PNG export and import
    out = registry.export("luna", tmp_path / "luna.png")
    assert registry.import_file(out).voice == registry.get("luna").voice


def test_a_card_without_a_voice_gets_the_default() -> None:
    card = {"spec": "chara_card_v3", "spec_version": "3.0", "data": {"name": "Ann", "extensions": {}}}
    assert card_to_persona(card).persona.voice == VoiceStyle()


def test_voice_toml_round_trips_and_clamps_with_a_warning() -> None:
    raw = b'id = "x"\nname = "X"\n[voice]\nid = "m2"\nspeed = 9\npitch = 0.1\nvolume = 3\n'
    persona, warnings = parse_toml(raw, source="user")
    assert persona.voice == VoiceStyle(id="m2", speed=2.0, pitch=0.5)
    assert any("0.5-2.0" in w for w in warnings) and any("volume" in w for w in warnings)
    again, more = parse_toml(dumps(persona).encode(), source="user", strict=True)
    assert again == persona and more == []


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        ('id = "f3; rm -rf /"', "voice.id"),
        ('id = "--stdout"', "voice.id"),
        ("speed = true", "voice.speed"),
        ('pitch = "high"', "voice.pitch"),
        ("speed = nan", "voice.speed"),
    ],
)
def test_bad_voice_fields_are_refused(table: str, reason: str) -> None:
    with pytest.raises(InputError) as err:
        parse_toml(f'id = "x"\nname = "X"\n[voice]\n{table}\n'.encode(), source="user")
    assert reason in str(err.value.params["reason"])


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_the_three_builtin_personas_sound_different(registry: PersonaRegistry) -> None:
    from generators.voice.pipeline import VoiceOptions, VoicePipeline

    pipe = VoicePipeline.from_options(VoiceOptions())
    text = "Another stamp for the passport!"
    spoken = {pid: pipe(text, style=registry.get(pid).voice) for pid in BUILTIN_IDS}
    for a, b in itertools.combinations(BUILTIN_IDS, 2):
        x, _ = decode(spoken[a].audio)
        y, _ = decode(spoken[b].audio)
        assert spoken[a].audio != spoken[b].audio
        # a different length of speech, or a clearly different waveform
        assert abs(len(x) - len(y)) > 0.05 * max(len(x), len(y)), (a, b)
