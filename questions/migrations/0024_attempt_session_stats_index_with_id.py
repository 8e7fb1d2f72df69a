# The progress page's key-point calibration (suggestion records joined to a user's graded
# attempts) from indexes alone: the attempts' covering index gains the id, and the records get a
# covering index of the counts it sums. Built CONCURRENTLY (no write lock while they build), the
# new attempts index before the old one goes.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("questions", "0023_attempt_session_stats_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="attempt",
            index=models.Index(
                fields=["session"],
                include=(
                    "id",
                    "state",
                    "grade",
                    "graded_at",
                    "submitted_at",
                    "time_spent",
                    "topic_name",
                    "level",
                ),
                name="attempt_session_stats_id_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="attempt", name="attempt_session_stats_idx"),
        AddIndexConcurrently(
            model_name="suggestionrecord",
            index=models.Index(
                fields=["attempt"],
                include=(
                    "key_point_count",
                    "suggested_count",
                    "suggested_ticked",
                    "unsuggested_ticked",
                ),
                name="suggestion_calibration_idx",
            ),
        ),
    ]
