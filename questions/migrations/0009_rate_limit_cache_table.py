"""The database cache's table (rate-limit counters), so that `migrate` is the only release step."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("questions", "0008_session_clock_modes_and_revisions")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
