"""Errors that carry a message meant for the user."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message key (and params) is shown to the user, localised."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
