"""Blind coding, its reveal and the coverage count leave the evidence: the analysis app keeps
them now, and its migration that copies the values says it runs before this one."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0008_audit_append_only"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="researchproject",
            name="blind_coding",
        ),
        migrations.RemoveField(
            model_name="researchproject",
            name="codings_revealed",
        ),
        migrations.RemoveField(
            model_name="transcript",
            name="coded_utterance_count",
        ),
    ]
