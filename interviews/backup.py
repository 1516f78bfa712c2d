"""Export the whole archive to one versioned ZIP, and restore it into an empty instance.

The ZIP holds `manifest.json` (format version, schema, row counts, files with their sha256), one
JSON Lines file per model under `data/` (Django's serialization, primary keys included, so turn
keys and permalinks survive), and every stored original file under `originals/`.

It works over whatever models the interviews app has, in dependency order, rather than a
hand-kept list of fields: a model or field added later is exported without touching this file.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from interviews import outbox
from interviews.models import IndexTask, Turn

FORMAT_VERSION = 1
APP = "interviews"
BATCH = 2000

Progress = Callable[[str], None]


class BackupError(Exception):
    """An export or import that cannot go ahead; the message says why and is shown as is."""


def _quiet(message: str) -> None:
    pass


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder rounds times to milliseconds; a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            if timezone.is_aware(o) and isinstance(o, datetime.datetime):
                return o.isoformat().replace("+00:00", "Z")
            return o.isoformat()
        return super().default(o)


# --- Which models, in which order ---------------------------------------------------------------


def archive_models() -> list[type[models.Model]]:
    """Every model of the app whose rows are archive content, parents before children."""
    # The outbox holds index work in flight, not content; import queues every turn afresh.
    transient = {IndexTask}
    chosen = [m for m in apps.get_app_config(APP).get_models() if m not in transient]
    return dependency_order(chosen)


def dependency_order(candidates: list[type[models.Model]]) -> list[type[models.Model]]:
    """Models sorted so that each comes after those its foreign keys point to (stable otherwise)."""
    remaining = list(candidates)
    ordered: list[type[models.Model]] = []
    while remaining:
        for model in remaining:
            parents = {
                f.related_model
                for f in model._meta.get_fields()
                # forward FKs, one-to-ones and many-to-manys (reverse relations are auto_created)
                if f.is_relation and not f.auto_created and f.related_model not in (None, model)
            }
            if not (parents & set(remaining)):
                ordered.append(model)
                remaining.remove(model)
                break
        else:
            raise BackupError("the models' foreign keys form a cycle: " + ", ".join(m._meta.label for m in remaining))
    return ordered


def _label(model) -> str:
    return model._meta.label_lower


def _file_fields(model) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _applied_migrations() -> list[str]:
    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    return sorted(name for app, name in recorder.applied_migrations() if app == APP)


@contextmanager
def _snapshot():
    """Read every table as of one moment, without holding the write lock: uploads go on."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:  # already inside a transaction (a test, a caller's atomic())
        yield
    elif connection.vendor == "sqlite":
        # Django's atomic() here is BEGIN IMMEDIATE (see settings): it would block every upload
        # for the whole export. A deferred transaction in WAL mode is a read snapshot instead.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            try:
                yield
            finally:
                cursor.execute("ROLLBACK")
    else:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield


# --- Export -------------------------------------------------------------------------------------


def export_archive(path: Path, *, progress: Progress = _quiet) -> dict:
    """Write the archive to a ZIP at `path` (replaced only once the new file is complete)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)
    try:
        with _snapshot(), zipfile.ZipFile(temp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            manifest = _write_archive(archive, progress)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return manifest


def _write_archive(archive: zipfile.ZipFile, progress: Progress) -> dict:
    manifest = {
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "app": APP,
        "migrations": _applied_migrations(),
        "models": [],
        "counts": {},
        "files": [],
    }
    stored_names: set[str] = set()
    for model in archive_models():
        label = _label(model)
        member = f"data/{label}.jsonl"
        total = model._default_manager.count()
        file_fields = _file_fields(model)
        written = 0
        with archive.open(_entry(member), "w") as raw:
            for batch in _batches(model._default_manager.order_by("pk").iterator(chunk_size=BATCH), BATCH):
                for row in serializers.serialize("python", batch, use_natural_foreign_keys=True):
                    raw.write(json.dumps(row, cls=ExactJSONEncoder, ensure_ascii=False).encode() + b"\n")
                for obj in batch:
                    stored_names.update(getattr(obj, f.attname).name for f in file_fields if getattr(obj, f.attname))
                written += len(batch)
                if total > 10 * BATCH:
                    progress(f"  {label}: {written}/{total}")
        manifest["models"].append({"model": label, "file": member, "count": written})
        manifest["counts"][label] = written
        progress(f"{label}: {written}")

    missing = sorted(name for name in stored_names if not default_storage.exists(name))
    if missing:
        raise BackupError(
            f"{len(missing)} stored file(s) are missing from {default_storage.location}, so the export "
            f"would not be complete: {', '.join(missing[:5])}"
        )
    total_bytes = 0
    for number, name in enumerate(sorted(stored_names), 1):
        with default_storage.open(name, "rb") as stored:
            data = stored.read()
        sha = hashlib.sha256(data).hexdigest()
        member = f"originals/{sha}{PurePosixPath(name).suffix.lower()}"
        if member not in archive.namelist():
            archive.writestr(_entry(member), data)
        manifest["files"].append({"name": name, "member": member, "sha256": sha, "size": len(data)})
        total_bytes += len(data)
        if number % 100 == 0:
            progress(f"  originals: {number}/{len(stored_names)}")
    progress(f"originals: {len(stored_names)} files, {total_bytes / 1e6:.1f} MB")
    archive.writestr(_entry("manifest.json"), json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def _entry(member: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(member, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _batches(iterable: Iterable, size: int):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Import -------------------------------------------------------------------------------------


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except KeyError:
        raise BackupError("not an archive export: it has no manifest.json") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"manifest.json is not readable JSON ({exc})") from None
    version = manifest.get("format_version") if isinstance(manifest, dict) else None
    if version != FORMAT_VERSION:
        raise BackupError(
            f"export format version {version!r} is not supported here (this version reads {FORMAT_VERSION})"
        )
    return manifest


def non_empty_tables() -> dict[str, int]:
    counts = {_label(m): m._default_manager.count() for m in archive_models()}
    return {label: n for label, n in counts.items() if n}


def import_archive(path: Path, *, progress: Progress = _quiet) -> dict:
    """Restore an export into an empty instance: all of it, in one transaction, or nothing."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{path}: not a readable ZIP file ({exc})") from None
    with archive:
        manifest = read_manifest(archive)
        _check_compatible(manifest)
        _verify_files(archive, manifest)
        written: list[str] = []
        try:
            with transaction.atomic():
                _refuse_unless_empty()  # inside the transaction: no upload can slip in meanwhile
                counts = _load_rows(archive, manifest, progress)
                written = _store_files(archive, manifest, progress)
                _queue_for_indexing(progress)
        except BaseException:
            for name in written:  # nothing half-restored: the files go with the rolled-back rows
                default_storage.delete(name)
            raise
    return counts


def _refuse_unless_empty() -> None:
    occupied = non_empty_tables()
    if occupied:
        rows = ", ".join(f"{label.split('.')[-1]}: {n}" for label, n in occupied.items())
        raise BackupError(
            f"this instance already holds data ({rows}); import only restores into an empty "
            "archive. Point ARCHIVE_DATA_DIR (or DATABASE_URL) at a new location and run "
            "`manage.py migrate` first."
        )


def _check_compatible(manifest: dict) -> None:
    known = {_label(m) for m in archive_models()}
    unknown = [entry["model"] for entry in manifest["models"] if entry["model"] not in known]
    if unknown:
        raise BackupError(f"the export has data this version does not know: {', '.join(unknown)}; upgrade first")
    newer = sorted(set(manifest.get("migrations", [])) - set(_applied_migrations()))
    if newer:
        raise BackupError(
            f"the export comes from a newer database schema ({', '.join(newer)}); "
            "upgrade this installation and run `manage.py migrate` first"
        )


def _verify_files(archive: zipfile.ZipFile, manifest: dict) -> None:
    """Check every stored file against the manifest's sha256 before anything is written."""
    for entry in manifest["files"]:
        name = PurePosixPath(entry["name"])
        if name.is_absolute() or ".." in name.parts:
            raise BackupError(f"the manifest names a file outside the archive's storage: {entry['name']!r}")
        try:
            digest = _sha256_of(archive, entry["member"])
        except KeyError:
            raise BackupError(f"the export is incomplete: {entry['member']} is missing") from None
        if digest != entry["sha256"]:
            raise BackupError(f"{entry['member']} is damaged: its sha256 does not match the manifest")
        if default_storage.exists(entry["name"]):
            with default_storage.open(entry["name"], "rb") as existing:
                if hashlib.file_digest(existing, "sha256").hexdigest() != digest:
                    raise BackupError(
                        f"{entry['name']} already exists in {default_storage.location} with different content"
                    )


def _sha256_of(archive: zipfile.ZipFile, member: str) -> str:
    with archive.open(member) as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def _load_rows(archive: zipfile.ZipFile, manifest: dict, progress: Progress) -> dict:
    connection = connections[DEFAULT_DB_ALIAS]
    by_label = {_label(m): m for m in archive_models()}
    order = {label: i for i, label in enumerate(by_label)}
    entries = sorted(manifest["models"], key=lambda e: order[e["model"]])
    counts, loaded = {}, []
    unattributed = 0
    with connection.constraint_checks_disabled():
        for entry in entries:
            model = by_label[entry["model"]]
            outside = _foreign_keys_outside(model, set(by_label.values()))
            count = 0
            with archive.open(entry["file"]) as lines:
                for line in lines:
                    try:
                        row = json.loads(line)
                        unattributed += _resolve_outside_keys(row, outside)
                        # Raw saves, as loaddata does: primary keys and timestamps exactly as exported.
                        for obj in serializers.deserialize("python", [row]):
                            obj.save()
                    except BackupError:
                        raise
                    except (
                        ValueError,
                        LookupError,
                        TypeError,
                        DeserializationError,
                        FieldDoesNotExist,
                        DatabaseError,
                    ) as exc:
                        raise BackupError(f"{entry['file']}, row {count + 1}: cannot be restored ({exc})") from None
                    count += 1
                    if count % (10 * BATCH) == 0:
                        progress(f"  {entry['model']}: {count}/{entry['count']}")
            if count != entry["count"]:
                raise BackupError(f"{entry['file']} has {count} rows, the manifest says {entry['count']}")
            counts[entry["model"]] = count
            loaded.append(model)
            progress(f"{entry['model']}: {count}")
    try:
        connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
    except Exception as exc:
        raise BackupError(f"the export is inconsistent: {exc}") from None
    # Rows came with their primary keys; new rows must continue after them (PostgreSQL sequences).
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), loaded):
            cursor.execute(statement)
    if unattributed:
        progress(f"{unattributed} rows referred to user accounts this instance does not have: left unattributed")
    return counts


def _foreign_keys_outside(model, exported: set) -> list[models.ForeignKey]:
    """Foreign keys to models the export does not carry (the uploading user, for one)."""
    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model not in exported]


def _resolve_outside_keys(row: dict, fields: list[models.ForeignKey]) -> int:
    """Point references to outside rows (exported by natural key, e.g. a username) at this
    instance's matching row, or at nothing when there is none and the field allows it."""
    dropped = 0
    for field in fields:
        value = row["fields"].get(field.name)
        if value is None:
            continue
        manager = field.related_model._default_manager
        try:
            if isinstance(value, list):
                row["fields"][field.name] = manager.get_by_natural_key(*value).pk
            else:
                manager.get(pk=value)
        except ObjectDoesNotExist:
            if not field.null:
                raise BackupError(
                    f"{row['model']} {row['pk']} needs {field.related_model._meta.label} {value!r}, "
                    "which this instance does not have"
                ) from None
            row["fields"][field.name] = None
            dropped += 1
    return dropped


def _store_files(archive: zipfile.ZipFile, manifest: dict, progress: Progress) -> list[str]:
    written = []
    for entry in manifest["files"]:
        name = entry["name"]
        if default_storage.exists(name):
            continue  # checked identical above
        saved = default_storage.save(name, ContentFile(archive.read(entry["member"])))
        written.append(saved)
        if saved != name:
            raise BackupError(f"could not store {name} under its own name (got {saved})")
    progress(f"originals: {len(manifest['files'])} files")
    return written


def _queue_for_indexing(progress: Progress) -> None:
    keys = list(Turn.objects.values_list("key", flat=True))
    outbox.enqueue(keys)
    progress(f"queued {len(keys)} turns for the search index")
