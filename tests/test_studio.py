"""The image studio: built from options without loading anything, each component loaded once on first use."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from generators.images.options import ImageOptions
from generators.images.studio import ImageStudio, Lazy


def test_a_component_loads_once_however_many_threads_ask() -> None:
    calls: list[int] = []
    gate = threading.Event()

    def load() -> object:
        gate.wait(5)
        calls.append(1)
        return object()

    lazy = Lazy(load)
    assert not lazy.loaded
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(lazy.get())) for _ in range(4)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    assert calls == [1] and len({id(g) for g in got}) == 1 and lazy.loaded


def test_built_components_are_used_as_given() -> None:
    from tests.tiny_diffusers import tiny_studio

    studio = tiny_studio(size=128)
    assert studio.scenes.path_name == "illustrated" and studio.scenes.size == 128
    assert studio.cut_out(studio.cartoon("short black hair", seed=1).image).method == "alpha"


def test_from_options_loads_nothing_until_first_use() -> None:
    studio = ImageStudio.from_options(ImageOptions(size=256))
    assert studio.loaded == frozenset()
    assert studio.scenes.path_name == "illustrated"
    assert studio.scenes.fallback_reason == "no IMAGE_MODEL configured"
    assert studio.loaded == {"scenes"}


def test_a_required_diffusers_model_that_fails_raises_on_use_and_is_retried(tmp_path: Path) -> None:
    from generators.images.diffusion import DiffusionLoadError

    studio = ImageStudio.from_options(ImageOptions(model=str(tmp_path / "missing"), backend="diffusers"))
    for _ in range(2):
        with pytest.raises(DiffusionLoadError):
            studio.scenes  # noqa: B018
    assert "scenes" not in studio.loaded
