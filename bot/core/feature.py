"""What a feature module declares: its commands, button actions and suggestion sources."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.registry import ActionHandler, CommandSpec, Registry, SuggestionSource


class Feature:
    """A feature: built with the ports it uses, it declares what the registry publishes."""

    def commands(self) -> list[CommandSpec]:
        """The feature's commands (each declared once)."""
        return []

    def actions(self) -> dict[str, ActionHandler]:
        """Button actions by name (`reroll`, `forget`, ...)."""
        return {}

    def sources(self) -> dict[str, SuggestionSource]:
        """Suggestion sources for options that autocomplete (`landmarks`, `personas`)."""
        return {}


def install(registry: Registry, features: Iterable[Feature]) -> Registry:
    """Add every feature's commands, actions and sources to `registry`."""
    for feature in features:
        for spec in feature.commands():
            registry.add(spec)
        for name, handler in feature.actions().items():
            registry.add_action(name, handler)
        for name, source in feature.sources().items():
            registry.add_source(name, source)
    return registry
