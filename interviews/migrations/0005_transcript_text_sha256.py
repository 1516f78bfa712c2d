from django.core.files.storage import default_storage
from django.db import migrations, models


def fill_text_sha256(apps, schema_editor):
    """Hash the stored original of every transcript; a missing or unreadable file leaves the hash
    empty (that transcript is then found as a duplicate by its bytes only, as before)."""
    # The parser is pure Python with no models: safe to use from a migration.
    from interviews.parsing.decoding import decode, text_sha256
    from interviews.parsing.types import ParseError

    Transcript = apps.get_model("interviews", "Transcript")
    for transcript in Transcript.objects.only("pk", "original_file").iterator():
        try:
            with default_storage.open(transcript.original_file.name, "rb") as original:
                text = decode(original.read())
        except (OSError, ValueError, ParseError):
            continue
        Transcript.objects.filter(pk=transcript.pk).update(text_sha256=text_sha256(text))


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0004_turn_times_and_media_url"),
    ]

    operations = [
        migrations.AddField(
            model_name="transcript",
            name="text_sha256",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="Hash of the normalised text: finds re-saved duplicates.",
                max_length=64,
            ),
        ),
        migrations.RunPython(fill_text_sha256, migrations.RunPython.noop),
    ]
