from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0008_merge_duplicate_highlights"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="highlight",
            constraint=models.UniqueConstraint(
                condition=models.Q(("transcript__isnull", False)),
                fields=("transcript", "start", "end", "coder"),
                name="highlight_unique_transcript_span",
            ),
        ),
        migrations.AddConstraint(
            model_name="highlight",
            constraint=models.UniqueConstraint(
                condition=models.Q(("field_note__isnull", False)),
                fields=("field_note", "start", "end", "coder"),
                name="highlight_unique_note_span",
            ),
        ),
    ]
