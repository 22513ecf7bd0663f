"""Persona-conditioned dialogue backends."""

from generators.dialogue.base import ChatTurn, DialogueBackend, DialogueOutput, GenerationConfig

__all__ = ["ChatTurn", "DialogueBackend", "DialogueOutput", "GenerationConfig"]
