"""The grade buttons' intervals: when a question comes back after each grade ("Good · 3 days").

Computed with the candidate's own scheduler (their desired retention) from the card as it is now,
through `scheduling.next_card`, the same step that applies a grade, so a button says exactly what
pressing it does at that moment.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from questions import scheduling
from questions.models import Attempt, ReviewCard
from questions.models.practice import Grade


@dataclass(frozen=True)
class GradeOption:
    value: int
    label: str
    interval: timedelta | None  # None when the grade feeds no card (a deleted question)

    @property
    def interval_text(self) -> str:
        return format_interval(self.interval) if self.interval is not None else ""


def format_interval(interval: timedelta) -> str:
    """Anki's way of saying a gap: "10 min", "5 h", "1 day", "3 days", "2.5 months", "1.2 years"."""
    seconds = max(0, interval.total_seconds())
    minutes = seconds / 60
    if minutes < 60:
        return f"{max(1, round(minutes))} min"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)} h"
    days = hours / 24
    if days < 30.5:
        whole = round(days)
        return f"{whole} day{'s' if whole != 1 else ''}"
    if days < 365:
        months = round(days / 30.4375, 1)
        return f"{months:g} month{'s' if months != 1 else ''}"
    years = round(days / 365.25, 1)
    return f"{years:g} year{'s' if years != 1 else ''}"


def next_due_by_grade(
    *, owner_id: int | None, attempt: Attempt, now: datetime
) -> dict[int, datetime]:
    """For each grade 1-4, when the attempt's card would next be due if graded now (nothing for
    a question deleted from the bank, or a session without an owner: no card is fed)."""
    if attempt.question_id is None or owner_id is None:
        return {}
    card = ReviewCard.objects.filter(
        owner_id=owner_id, question_id=attempt.question_id, follow_up_id=attempt.follow_up_id
    ).first() or scheduling.new_card(now)
    scheduler = scheduling.scheduler_for(scheduling.settings_for(owner_id))
    return {
        value: scheduling.next_card(card, value, now=now, scheduler=scheduler).due
        for value in Grade.values
    }


def grade_options(*, owner_id: int | None, attempt: Attempt, now: datetime) -> list[GradeOption]:
    """The four grade buttons, each with the interval it would set."""
    due = next_due_by_grade(owner_id=owner_id, attempt=attempt, now=now)
    return [
        GradeOption(value, str(label), due[value] - now if value in due else None)
        for value, label in Grade.choices
    ]
