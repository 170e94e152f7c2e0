"""The database cache's table (settings.CACHES without REDIS_URL), made by `migrate`.

createcachetable is a command of its own that a deployment could forget, and log-in
throttling (cxresearch/login.py) needs the table from the first request. It skips a table
that exists and caches that are not in the database (Redis), so running it again is harmless.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
