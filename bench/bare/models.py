from django.db import models


class Note(models.Model):
    """One row per benchmark client: the bare update writes it, the bare page reads it."""

    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    saved_at = models.DateTimeField(null=True)

    # Declared: type checks run with the app's settings, where this project's app is not installed.
    objects: models.Manager["Note"] = models.Manager()
