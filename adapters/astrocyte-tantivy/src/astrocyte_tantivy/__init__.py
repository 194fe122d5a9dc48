"""Tantivy for Astrocyte: a BM25 DocumentStore on the embedded tantivy search engine."""

from astrocyte_tantivy.store import TantivyDocumentStore

__all__ = ["TantivyDocumentStore"]
