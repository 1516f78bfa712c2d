"""Results in several languages: hits that are the same passage in different transcripts (aligned
turns) are one result, "in 2 languages", ranked where its best version ranks.

Pure: ``group_ranked(keys, pairs)`` takes the hits' keys best first and the aligned pairs among
them, and returns the groups best first, each with its best version first. A group counts once,
so counts and pages follow the groups.
"""

from __future__ import annotations


def group_ranked(keys: list, pairs) -> list[list]:
    """``[[leader, other versions...], ...]`` in the order of ``keys``; ``pairs`` link two keys as
    one passage, and links chain (a German turn aligned with two Chinese ones joins all three)."""
    parent = {key: key for key in keys}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    rank = {key: i for i, key in enumerate(keys)}
    for a, b in pairs:
        if a in parent and b in parent:
            ra, rb = root(a), root(b)
            if ra != rb:  # the better-ranked root leads
                if rank[rb] < rank[ra]:
                    ra, rb = rb, ra
                parent[rb] = ra
    groups: dict = {}
    for key in keys:
        groups.setdefault(root(key), []).append(key)
    return list(groups.values())
