"""A person's display preferences: their time zone and how clock times are printed."""

from django.conf import settings
from django.db import models


class ClockFormat(models.TextChoices):
    H24 = "24h", "24-hour (13:05)"
    H12 = "12h", "12-hour (1:05 PM)"


class AccountSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_settings"
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="An IANA zone such as Europe/Paris; empty: the browser's own time zone.",
    )
    clock_format = models.CharField(
        max_length=3, choices=ClockFormat.choices, default=ClockFormat.H24
    )

    def __str__(self) -> str:
        return f"Settings of {self.user_id}"
