from django.db import migrations

# Keep the search vector in the row (compressed) instead of out of line in TOAST. A question's
# row is wide (prompt, answer and their HTML), so by default Postgres moved the vector out, and
# every match and rank fetched it back from the TOAST table: on 10,000 questions,
# bench/bench_search.py measured a search p95 of 59 ms that way and 22 ms with the vector inline.
# STORAGE applies to rows written from now on, so the UPDATE rewrites the existing ones.
# A migration that recreates the `search` column must set this again.
FORWARD = """
ALTER TABLE questions_question ALTER COLUMN search SET STORAGE MAIN;
UPDATE questions_question SET id = id;
"""
BACKWARD = "ALTER TABLE questions_question ALTER COLUMN search SET STORAGE EXTENDED;"


class Migration(migrations.Migration):
    dependencies = [("questions", "0005_review")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
