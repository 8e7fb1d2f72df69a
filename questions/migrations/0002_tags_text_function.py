from django.db import migrations

# array_to_string() is STABLE, which a generated column may not use; for text[] it is in fact
# immutable, so this wrapper says so. Used by Question.search (questions.models.bank.TagsText).
CREATE = """
CREATE OR REPLACE FUNCTION questions_tags_text(tags varchar[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(array_to_string(tags, ' '), '') $$;
"""
DROP = "DROP FUNCTION IF EXISTS questions_tags_text(varchar[]);"


class Migration(migrations.Migration):
    dependencies = [("questions", "0001_interviewers_group")]

    operations = [migrations.RunSQL(CREATE, DROP)]
