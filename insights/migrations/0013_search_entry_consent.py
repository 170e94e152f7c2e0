"""Search entries carry their session and speaking participant, so consent is checked at search.

Entries indexed before this have neither, and a reader outside a study's research team finds
none of them until `manage.py rebuild_index` runs: the safe side.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0012_agreement_snapshots"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="session_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="searchentry",
            name="speaker_participant_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
