"""Chroma for Astrocyte: a VectorStore on chromadb's embedded persistent client."""

from astrocyte_chroma.store import ChromaVectorStore

__all__ = ["ChromaVectorStore"]
