"""Every source of the bot's texts, merged into one catalogue at composition (bot/app.py)."""

from __future__ import annotations

from bot.core.i18n import Catalogue


def build_catalogue() -> Catalogue:
    """The catalogue of every bot text; a key declared twice or missing a language is an error."""
    from bot.adapters import web_texts
    from bot.core import (
        admin,
        cast,
        daily,
        i18n,
        identity,
        memories,
        texts_adventure,
        travel_map,
        trips,
        voice,
    )
    from bot.memory import errors as memory_errors
    from personas import messages as persona_messages

    return Catalogue(
        i18n.TEXTS,  # the core: help, errors, persona, memory
        memories.TEXTS,  # /forget's buttons
        identity.TEXTS,  # /link
        admin.TEXTS,  # /config
        cast.TEXTS,  # /cast: several personas in a channel
        daily.TEXTS,  # /config daily and the daily postcard
        texts_adventure.TEXTS,  # avatars, adventures, landmarks, journal
        voice.TEXTS,  # /say, /voice, spoken postcards
        travel_map.TEXTS,  # /map
        trips.TEXTS,  # /trip, group postcards
        memory_errors.TEXTS,  # the store
        persona_messages.TEXTS,  # persona files and character cards
        web_texts.TEXTS,  # the playground
    )
