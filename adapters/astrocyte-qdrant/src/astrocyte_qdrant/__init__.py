"""Qdrant stores for Astrocyte."""
