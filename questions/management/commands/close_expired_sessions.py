from django.core.management.base import BaseCommand
from django.utils import timezone

from questions.services import close_expired_sessions


class Command(BaseCommand):
    help = (
        "Close practice sessions past their deadline and time out questions past theirs, keeping "
        "the last saved answers. Run it from a scheduler (e.g. every minute)."
    )

    def handle(self, *args: object, **options: object) -> None:
        closed, timed_out = close_expired_sessions(now=timezone.now())
        self.stdout.write(f"Closed {closed} session(s); timed out {timed_out} question(s).")
