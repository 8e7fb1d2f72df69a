from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.roles import INTERVIEWERS_GROUP


class Command(BaseCommand):
    help = "Make users interviewers (they can build and share interview kits), or --revoke it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="+")
        parser.add_argument("--revoke", action="store_true", help="Remove the role instead.")

    def handle(self, *args: object, **options: object) -> None:
        usernames: list[str] = options["usernames"]  # type: ignore[assignment]
        revoke = bool(options["revoke"])
        group, _ = Group.objects.get_or_create(name=INTERVIEWERS_GROUP)
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        missing = [name for name in usernames if name not in users]
        if missing:
            raise CommandError(f"No such user: {', '.join(missing)}")
        for user in users.values():
            if revoke:
                user.groups.remove(group)
            else:
                user.groups.add(group)
        verb = "is no longer an interviewer" if revoke else "is now an interviewer"
        for name in usernames:
            self.stdout.write(f"{name} {verb}.")
