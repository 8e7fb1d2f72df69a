from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    """QuestionSet was always called a kit on every page; the model now says so too."""

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("questions", "0016_shared_results_outlive_the_account"),
    ]

    operations = [
        migrations.RenameModel(old_name="QuestionSet", new_name="Kit"),
    ]
