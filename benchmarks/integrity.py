"""What "nothing lost, nothing half-written" means, checked the same way by every tool that
attacks the archive (fault injection, upload fuzzing): pure reads of the database, the stored
originals and the search index. Each function returns a list of problems, empty when all is well.
"""

from __future__ import annotations

import hashlib


def transcript_problems(transcript) -> list[str]:
    """What is wrong with one written transcript: its rows disagree with each other or with the
    file they record."""
    from django.core.files.storage import default_storage

    where = f"{transcript.interview.slug}/{transcript.slug}"
    turns = list(transcript.turns.order_by("ordinal").values_list("ordinal", "section_id"))
    sections = dict(transcript.sections.values_list("id", "ordinal"))
    problems = []
    if transcript.turn_count != len(turns):
        problems.append(f"partial: {where} says {transcript.turn_count} turns and has {len(turns)}")
    if [ordinal for ordinal, _ in turns] != list(range(len(turns))):
        problems.append(f"partial: {where} has gaps in its turn order")
    if sorted(sections.values()) != list(range(len(sections))):
        problems.append(f"partial: {where} has gaps in its sections")
    if any(section is not None and section not in sections for _, section in turns):
        problems.append(f"partial: {where} has turns in another transcript's section")
    try:
        with default_storage.open(transcript.original_file.name, "rb") as original:
            if hashlib.file_digest(original, "sha256").hexdigest() != transcript.sha256:
                problems.append(f"lost: {where}'s original file does not match its sha256")
    except OSError:
        problems.append(f"lost: {where}'s original file is missing")
    return problems


def index_problems() -> list[str]:
    """The search index against the database: every turn indexed once, no ghosts, nothing pending."""
    from interviews.search import indexing

    report = indexing.check_index()
    problems = []
    if report.missing:
        problems.append(f"lost: {len(report.missing)} turns missing from the index")
    if report.ghosts:
        problems.append(f"ghosts: {len(report.ghosts)} index documents without a turn")
    if report.duplicates:
        problems.append(f"duplicates: {len(report.duplicates)} turns indexed twice")
    if report.pending:
        problems.append(f"pending: {report.pending} index tasks not applied")
    return problems
