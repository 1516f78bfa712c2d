"""Haystack finds an app's indexes by this module name (``<app>.search_indexes``); they live in
:mod:`interviews.search.indexes`."""

from interviews.search.indexes import TurnIndex

__all__ = ["TurnIndex"]
