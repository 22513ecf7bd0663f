"""Errors that carry a message meant for the user."""

from __future__ import annotations

from generators.errors import InputError


class UserFacingError(InputError):
    """An error whose message key (and params) is shown to the user, localised.

    It is the core's name for `generators.errors.InputError`, which generators and personas raise
    without importing the bot; the core catches `InputError` and so handles both.
    """
