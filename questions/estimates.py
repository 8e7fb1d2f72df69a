"""What a start form's filters would give: how many questions match and the time it would take.

Shown on the start page as the filters change; the numbers are estimates because the session
picks its questions at random among those that match.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, QuerySet, Sum
from django.db.models.functions import Greatest

from questions.models import FollowUp, Question
from questions.models.practice import Clock
from questions.services import MIN_FOLLOW_UP_SECONDS, follow_up_seconds
from questions.templatetags.timefmt import format_duration


def matching_questions(
    *,
    topics: Sequence[str] = (),
    levels: Sequence[str] = (),
    kinds: Sequence[str] = (),
    roles: Sequence[str] = (),
) -> QuerySet[Question]:
    """Published questions matching every filter given (the same rules as choosing them)."""
    return Question.objects.published().matching(
        topics=topics, levels=levels, kinds=kinds, roles=roles
    )


@dataclass(frozen=True)
class Estimate:
    matching: int
    asked: int
    follow_ups: int
    seconds: int | None  # the time allowed; None when untimed
    suggested_seconds: int  # the same questions at their suggested times

    @property
    def text(self) -> str:
        if not self.matching:
            return "No published questions match these filters."
        match = f"{self.matching} question{'s' if self.matching != 1 else ''} match"
        asked = f"this session asks {self.asked}"
        if self.follow_ups:
            asked += f" and about {self.follow_ups} follow-up{'s' if self.follow_ups != 1 else ''}"
        if self.seconds is None:
            timing = f"untimed (about {format_duration(self.suggested_seconds)} at suggested times)"
        else:
            timing = f"estimated total time {format_duration(self.seconds)}"
        return f"{match}; {asked}; {timing}."


def estimate(
    *,
    topics: Sequence[str] = (),
    levels: Sequence[str] = (),
    kinds: Sequence[str] = (),
    roles: Sequence[str] = (),
    count: int,
    clock: str,
    minutes: int | None,
    with_follow_ups: bool,
) -> Estimate:
    """Averages over the matching questions, scaled to how many the session would ask."""
    qs = matching_questions(topics=topics, levels=levels, kinds=kinds, roles=roles)
    totals = qs.aggregate(n=Count("pk"), seconds=Sum("seconds"))
    follow_ups_of = FollowUp.objects.filter(question__in=qs).aggregate(
        fu=Count("pk"),
        fu_seconds=Sum(
            Greatest(MIN_FOLLOW_UP_SECONDS, F("question__seconds") / 2),
            output_field=IntegerField(),
        ),
    )
    totals |= follow_ups_of
    matching = totals["n"] or 0
    if not matching:
        return Estimate(0, 0, 0, None if clock == Clock.UNTIMED else 0, 0)
    asked = min(count, matching)
    share = asked / matching
    follow_ups = round((totals["fu"] or 0) * share) if with_follow_ups else 0
    suggested = (totals["seconds"] or 0) * share
    if with_follow_ups:
        suggested += (totals["fu_seconds"] or 0) * share
    seconds: float | None
    if clock == Clock.PER_QUESTION and minutes:
        seconds = asked * minutes * 60 + follow_ups * follow_up_seconds(minutes * 60)
    elif clock == Clock.SESSION and minutes:
        seconds = minutes * 60
    elif clock == Clock.UNTIMED:
        seconds = None
    else:
        seconds = suggested
    return Estimate(
        matching=matching,
        asked=asked,
        follow_ups=follow_ups,
        seconds=None if seconds is None else round(seconds),
        suggested_seconds=round(suggested),
    )
