"""What a finished session amounts to: the summary page's headline, totals and next steps.

An attempt counts as *answered* only when something was typed and the model answer was not
peeked at first; peeked answers are counted apart. Time allowed adds up only the questions and
follow-ups the session actually asked (started), not those skipped unseen or never reached.
Average grades are shown to one decimal, rounded half up, with a label that says when they fall
between two grades ("Good to Easy"), so Good + Easy never reads as "Easy".
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from questions.models import Attempt
from questions.models.practice import AttemptState, Grade

MISSED_GRADES = (Grade.AGAIN, Grade.HARD)


def outcome(attempt: Attempt) -> str:
    """answered, peeked, blank (submitted empty), skipped or unreached."""
    if attempt.state in (AttemptState.SUBMITTED, AttemptState.GRADED):
        if attempt.peeked:
            return "peeked"
        return "answered" if attempt.answer.strip() else "blank"
    if attempt.state == AttemptState.SKIPPED and attempt.started_at is not None:
        return "skipped"
    if attempt.state == AttemptState.ACTIVE:
        return "answering"
    return "unreached"


def was_asked(attempt: Attempt) -> bool:
    return attempt.started_at is not None


def is_missed(attempt: Attempt) -> bool:
    """A main question to come back to: not answered on its own, or graded Again or Hard."""
    if attempt.sub or attempt.question_id is None:
        return False
    return outcome(attempt) != "answered" or attempt.grade in MISSED_GRADES


def average_grade(grades: Iterable[int]) -> tuple[Decimal | None, str]:
    """(the mean to one decimal, rounded half up; a label), e.g. (3.5, "Good to Easy")."""
    values = list(grades)
    if not values:
        return None, ""
    mean = Decimal(sum(values)) / Decimal(len(values))
    return mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), grade_label(mean)


def grade_label(mean: Decimal | float) -> str:
    """The grade an average is nearest, or "Good to Easy" when it sits between two."""
    mean = Decimal(str(mean))
    low = min(int(mean), Grade.EASY)
    if mean - low < Decimal("0.35") or low == Grade.EASY:
        return Grade(low).label
    if mean - low > Decimal("0.65"):
        return Grade(low + 1).label
    return f"{Grade(low).label} to {Grade(low + 1).label}"


@dataclass
class Totals:
    name: str = ""
    asked: int = 0
    answered: int = 0
    peeked: int = 0
    blank: int = 0
    skipped: int = 0
    unreached: int = 0
    seconds: int = 0
    allowed: int = 0
    grades: list[int] = field(default_factory=list)

    def add(self, attempt: Attempt) -> None:
        kind = outcome(attempt)
        if kind in ("answered", "peeked", "blank", "skipped", "unreached"):
            setattr(self, kind, getattr(self, kind) + 1)
        if was_asked(attempt):
            self.asked += 1
            self.seconds += attempt.seconds_spent or 0
            self.allowed += attempt.allowed_seconds or 0
        if attempt.grade:
            self.grades.append(attempt.grade)

    @property
    def average(self) -> Decimal | None:
        return average_grade(self.grades)[0]

    @property
    def average_label(self) -> str:
        return average_grade(self.grades)[1]


@dataclass
class Summary:
    overall: Totals
    topics: list[Totals]
    main: Totals  # the main questions only, for the headline
    missed: list[Attempt]
    retryable: int  # main questions still in the bank

    @property
    def headline(self) -> str:
        m = self.main
        total = m.answered + m.peeked + m.blank + m.skipped + m.unreached
        parts = [f"You answered {m.answered} of {total} question{'s' if total != 1 else ''}"]
        good = sum(g >= Grade.GOOD for g in m.grades)
        if m.grades:
            parts.append(f"{good} graded Good or Easy")
        if m.peeked:
            parts.append(f"{m.peeked} after peeking at the answer")
        return "; ".join(parts) + "."


def summarise(attempts: list[Attempt]) -> Summary:
    overall, main = Totals(name="All"), Totals(name="Questions")
    topics: dict[str, Totals] = {}
    for attempt in attempts:
        overall.add(attempt)
        if not attempt.sub:
            main.add(attempt)
        name = attempt.topic_name or "Other"
        topics.setdefault(name, Totals(name=name)).add(attempt)
    return Summary(
        overall=overall,
        topics=sorted(topics.values(), key=lambda t: t.name),
        main=main,
        missed=[a for a in attempts if is_missed(a)],
        retryable=sum(1 for a in attempts if not a.sub and a.question_id is not None),
    )
