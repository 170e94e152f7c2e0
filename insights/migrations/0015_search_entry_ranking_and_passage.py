"""What search ranks and collapses by: a highlight's pain severity and the passage it quotes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0014_themes_recommendations_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="pain_severity",
            field=models.SmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="searchentry",
            name="passage",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
    ]
