# A suggestion record carries its owner, so the progress page's calibration reads one range of
# one index (owner, with the counts it sums) instead of probing a user's attempts and sessions
# once per record. Rows of undone grades go: undoing a grade now deletes its record (the regrade
# writes it again), so every row left is a graded answer's; so do rows whose candidate deleted
# the account (their sessions were kept without an owner).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BACKFILL = """
UPDATE questions_suggestionrecord AS record
   SET owner_id = session.owner_id
  FROM questions_attempt AS attempt
  JOIN questions_practicesession AS session ON session.id = attempt.session_id
 WHERE attempt.id = record.attempt_id
"""

UNDONE = """
DELETE FROM questions_suggestionrecord AS record
 USING questions_attempt AS attempt
 WHERE attempt.id = record.attempt_id AND attempt.grade IS NULL
"""

# Shared kit results whose candidate deleted the account keep their attempts with no owner
# (questions.accounts.delete_account); the records were that candidate's, and go too.
ORPHANED = "DELETE FROM questions_suggestionrecord WHERE owner_id IS NULL"


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0024_attempt_session_stats_index_with_id"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="suggestionrecord",
            name="owner",
            field=models.ForeignKey(
                null=True,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL(UNDONE, migrations.RunSQL.noop),
        migrations.RunSQL(ORPHANED, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="suggestionrecord",
            name="owner",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RemoveIndex(model_name="suggestionrecord", name="suggestion_calibration_idx"),
        migrations.AddIndex(
            model_name="suggestionrecord",
            index=models.Index(
                fields=["owner"],
                include=(
                    "key_point_count",
                    "suggested_count",
                    "suggested_ticked",
                    "unsuggested_ticked",
                ),
                name="suggestion_owner_counts_idx",
            ),
        ),
    ]
