"""Account records beside Django's user: display settings (time zone, clock), login sessions
that know their user, and the look-alike forms of usernames."""

from typing import Any

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from interviewprep.names import skeletons


class LoginSession(AbstractBaseSession):
    """A database session with its user's id, so that deleting an account deletes its sessions
    in every browser (Django's own session table keeps the user only inside the signed data).

    No database constraint: a session saved just after its user was deleted must not fail the
    request; the ORM still cascades on delete.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )

    @classmethod
    def get_session_store_class(cls) -> type:
        from questions.login_sessions import SessionStore

        return SessionStore


def end_login_sessions(user_id: int) -> None:
    """End every login of a user, in the shared cache and in the database."""
    from questions.login_sessions import forget_cached

    sessions = LoginSession.objects.filter(user_id=user_id)
    forget_cached(list(sessions.values_list("session_key", flat=True)))
    sessions.delete()


@receiver(post_delete, sender=LoginSession)
def _forget_deleted_session(sender: type, instance: LoginSession, **kwargs: Any) -> None:
    """A session row deleted by a cascade (account deletion) leaves the shared cache too."""
    from questions.login_sessions import forget_cached

    forget_cached([instance.session_key])


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def _note_credential_change(sender: type, instance: Any, **kwargs: Any) -> None:
    # set_password() keeps the new raw password in `_password` until the save.
    instance._ends_logins = not instance._state.adding and (
        getattr(instance, "_password", None) is not None or not instance.is_active
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _end_logins_on_credential_change(sender: type, instance: Any, **kwargs: Any) -> None:
    """A new password or a deactivated account ends every login of that account, in the store.

    Django's own check would refuse those sessions on the next request that reads the user row;
    ending them here lets hot endpoints trust the session without reading the row
    (questions.login_sessions.signed_in_user_id). The browser that changed its own password is
    logged in again by `update_session_auth_hash`, which saves the session under a new key.
    """
    if getattr(instance, "_ends_logins", False):
        instance._ends_logins = False
        end_login_sessions(instance.pk)


class UsernameSkeleton(models.Model):
    """A username's look-alike forms (interviewprep.names.skeletons), kept in step by a signal,
    so that sign-up refuses a name that looks like an existing one with one indexed query."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="username_skeletons"
    )
    skeleton = models.CharField(max_length=600, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "skeleton"], name="username_skeleton_unique")
        ]

    def __str__(self) -> str:
        return self.skeleton


def username_taken_by_look_alike(username: str, *, exclude_user_id: int | None = None) -> bool:
    found = UsernameSkeleton.objects.filter(skeleton__in=skeletons(username))
    if exclude_user_id is not None:
        found = found.exclude(user_id=exclude_user_id)
    return found.exists()


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _record_username_skeletons(sender: type, instance: Any, **kwargs: Any) -> None:
    wanted = skeletons(instance.get_username())
    kept = set(UsernameSkeleton.objects.filter(user=instance).values_list("skeleton", flat=True))
    if kept != wanted:
        UsernameSkeleton.objects.filter(user=instance).exclude(skeleton__in=wanted).delete()
        UsernameSkeleton.objects.bulk_create(
            UsernameSkeleton(user=instance, skeleton=s) for s in wanted - kept
        )


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
