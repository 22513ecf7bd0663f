"""Model backends: dialogue (transformers / OpenAI-compatible HTTP) and images."""
