"""Errors that carry a message key for the user; the bot localises and shows them."""

from __future__ import annotations


class InputError(Exception):
    """Bad input (a corrupt picture, an invalid card): `key` names a localised text, `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
