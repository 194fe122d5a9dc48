"""Embedding providers that ship with the core."""
