"""The interview-date readiness plan: per topic, how much the candidate is predicted to recall on
the day, and what today's session should hold within the minutes they have.

The prediction is FSRS's retrievability: for each question they have reviewed, the probability
of recalling it after the time between its last review and the interview, given the stability
the scheduler has measured from their grades. It assumes no further practice, so it is a floor
for someone who keeps reviewing, not a promise. Questions never graded have no prediction: they
are "not yet practised".

Today's session, most valuable first:
1. due reviews, least likely to be recalled now first: already learnt and being forgotten, each
   is kept for a few minutes' work;
2. then new questions, one per topic in turn, the weakest topic first (the lowest expected share
   of its questions recalled on the day, where a question not yet practised counts as not
   recalled), easier levels first within a topic;
taking each item whose time still fits in the minutes for the day. Reviews respect the daily
review limit. Everything is computed from a handful of queries, whatever the history's size.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from questions import reviewing, scheduling, services
from questions.models import (
    FollowUp,
    InterviewPlan,
    Kit,
    KitItem,
    PracticeSession,
    Question,
    ReviewCard,
    Topic,
)
from questions.models.bank import Level
from questions.models.practice import Clock, Source
from questions.models.readiness import MAX_DAYS_AHEAD

READ_AND_GRADE_SECONDS = 60  # reading the model answer, ticking key points and grading
INTERVIEW_TIME = time(9, 0)  # the prediction is for the morning of the interview day
LEVEL_ORDER: dict[str, int] = {Level.BEGINNER: 0, Level.INTERMEDIATE: 1, Level.EXPERIENCED: 2}


# Reads ----------------------------------------------------------------------------------------


def plan_for(user: Any, *, with_topics: bool = False) -> InterviewPlan | None:
    plans = InterviewPlan.objects.filter(user_id=user.pk).select_related("kit")
    return (plans.prefetch_related("topics") if with_topics else plans).first()


def kits_for(user: Any) -> Any:
    """Kits a candidate can name in a plan: their own, and those shared with them that they
    started a session from."""
    return (
        Kit.objects.filter(Q(owner_id=user.pk) | Q(sessions__owner_id=user.pk))
        .distinct()
        .order_by("title", "pk")
    )


@dataclass
class TopicReadiness:
    topic: Topic
    questions: int  # in the plan's scope
    practised: int  # of them, graded at least once
    recall_sum: float = 0.0  # predicted recall on the day, summed over the practised ones

    @property
    def recall(self) -> float | None:
        """Mean predicted recall of the practised questions on the day; None if none."""
        return self.recall_sum / self.practised if self.practised else None

    @property
    def expected_share(self) -> float:
        """The share of the topic's questions predicted to be recalled, unpractised as 0."""
        return self.recall_sum / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class PlanItem:
    kind: str  # "review" or "new"
    question: Question
    follow_up: FollowUp | None
    seconds: int
    reason: str

    @property
    def title(self) -> str:
        return self.question.title


@dataclass
class Readiness:
    plan: InterviewPlan
    now: datetime
    interview_at: datetime
    topics: list[TopicReadiness]  # weakest first
    today: list[PlanItem]
    due_in_scope: int  # reviews due now within the plan's scope
    due_allowed: int  # how many of them today's review limit still allows
    left_out: int  # candidates that did not fit in the minutes
    open_session: PracticeSession | None = None
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def days_left(self) -> int:
        return (self.plan.interview_date - timezone.localdate(self.now)).days

    @property
    def today_seconds(self) -> int:
        return sum(item.seconds for item in self.today)

    @property
    def new_count(self) -> int:
        return sum(item.kind == "new" for item in self.today)

    @property
    def review_count(self) -> int:
        return sum(item.kind == "review" for item in self.today)


def interview_moment(day: date) -> datetime:
    """9:00 on the interview day, in the viewer's time zone."""
    return datetime.combine(day, INTERVIEW_TIME, tzinfo=timezone.get_current_timezone())


def scope_questions(plan: InterviewPlan) -> list[Question]:
    """The published questions the interview covers: the kit's and the topics' (both, when both
    are given); every published question when neither is."""
    topic_ids = [topic.pk for topic in plan.topics.all()]
    qs = Question.objects.published().select_related("topic")
    if plan.kit_id is not None or topic_ids:
        condition = Q(topic_id__in=topic_ids)
        if plan.kit_id is not None:
            kit_questions = KitItem.objects.filter(kit_id=plan.kit_id).values("question_id")
            condition |= Q(pk__in=kit_questions)
        qs = qs.filter(condition)
    return list(qs.order_by("topic__position", "topic__name", "pk"))


def _item_seconds(question: Question, follow_up: FollowUp | None) -> int:
    answer = services.follow_up_seconds(question.seconds) if follow_up else question.seconds
    return answer + READ_AND_GRADE_SECONDS


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def readiness(*, user: Any, plan: InterviewPlan, now: datetime) -> Readiness:
    """The plan page: predicted recall per topic on the day, and today's session."""
    interview_at = interview_moment(plan.interview_date)
    questions = scope_questions(plan)
    by_id = {question.pk: question for question in questions}
    cards = list(
        ReviewCard.objects.for_user(user).filter(question_id__in=by_id).select_related("follow_up")
    )
    settings = scheduling.settings_for(user.pk)
    scheduler = scheduling.scheduler_for(settings)

    # Per topic: predicted recall on the day, from the main questions' cards.
    topics: dict[int, TopicReadiness] = {}
    for question in questions:
        entry = topics.setdefault(question.topic_id, TopicReadiness(question.topic, 0, 0))
        entry.questions += 1
    practised: set[int] = set()
    for card in cards:
        if card.follow_up_id is not None or card.reps == 0:
            continue
        practised.add(card.question_id)
        entry = topics[by_id[card.question_id].topic_id]
        entry.practised += 1
        entry.recall_sum += scheduling.retrievability(card, interview_at, scheduler)
    weakest = sorted(
        topics.values(),
        key=lambda t: (t.expected_share, t.topic.position, t.topic.name),
    )

    # Today: due reviews, least likely recalled now first, within the daily limit.
    due = [card for card in cards if not card.suspended and card.due <= now]
    allowed = max(0, settings.daily_limit - scheduling.reviews_today(user, now))
    recall_now = {card.pk: scheduling.retrievability(card, now, scheduler) for card in due}
    due.sort(key=lambda card: (recall_now[card.pk], card.due, card.pk))
    candidates: list[PlanItem] = [
        PlanItem(
            "review",
            by_id[card.question_id],
            card.follow_up,
            _item_seconds(by_id[card.question_id], card.follow_up),
            f"Due review: you would recall it now with about {_percent(recall_now[card.pk])} "
            "probability.",
        )
        for card in due[:allowed]
    ]
    # Then new questions, one per topic in turn, weakest topic first.
    carded = {card.question_id for card in cards if card.follow_up_id is None}
    fresh: dict[int, list[Question]] = defaultdict(list)
    for question in sorted(questions, key=lambda q: (LEVEL_ORDER.get(q.level, 3), q.pk)):
        if question.pk not in carded:
            fresh[question.topic_id].append(question)
    queues = [(t, fresh[t.topic.pk]) for t in weakest if fresh[t.topic.pk]]
    while queues:
        for entry, queue in queues:
            question = queue.pop(0)
            standing = (
                "not yet practised"
                if entry.recall is None
                else f"predicted recall {_percent(entry.recall)} on "
                f"{entry.practised} of {entry.questions} practised"
            )
            candidates.append(
                PlanItem(
                    "new",
                    question,
                    None,
                    _item_seconds(question, None),
                    f"New in {entry.topic.name} ({standing}).",
                )
            )
        queues = [(entry, queue) for entry, queue in queues if queue]

    budget = plan.minutes_per_day * 60
    today: list[PlanItem] = []
    spent = 0
    for item in candidates:
        if spent + item.seconds <= budget:
            today.append(item)
            spent += item.seconds
    if not today and candidates:
        today.append(candidates[0])  # one item longer than the day's minutes beats nothing
    return Readiness(
        plan=plan,
        now=now,
        interview_at=interview_at,
        topics=weakest,
        today=today,
        due_in_scope=len(due),
        due_allowed=min(len(due), allowed),
        left_out=len(candidates) - len(today),
        inputs={
            "desired_retention": settings.desired_retention,
            "daily_limit": settings.daily_limit,
            "questions": len(questions),
            "practised": len(practised),
        },
    )


# Writes ---------------------------------------------------------------------------------------


@transaction.atomic
def save_plan(
    *,
    user: Any,
    interview_date: date,
    minutes_per_day: int,
    topics: list[Topic],
    kit: Kit | None,
    now: datetime,
) -> InterviewPlan:
    """Create or replace the candidate's plan; a repeated submit leaves the same plan."""
    reviewing.lock_user(user)
    plan, _ = InterviewPlan.objects.update_or_create(
        user_id=user.pk,
        defaults={
            "interview_date": interview_date,
            "minutes_per_day": minutes_per_day,
            "kit": kit,
            "updated_at": now,
        },
    )
    plan.topics.set(topics)
    return plan


def open_plan_session(user: Any) -> PracticeSession | None:
    return reviewing.open_session(user, Source.PLAN)


def start_or_resume_plan(*, user: Any, now: datetime) -> tuple[PracticeSession | None, bool]:
    """(today's plan session, whether it was already open): an open one is resumed; otherwise a
    session of today's items starts through services.start_session. None without a plan or
    with nothing to practise."""
    with transaction.atomic():
        reviewing.lock_user(user)
        for overdue in PracticeSession.objects.for_user(user).overdue(now):
            services.close_overdue(session=overdue, now=now)
        current = reviewing.open_session(user, Source.PLAN)
        if current is not None:
            return current, True
        plan = plan_for(user, with_topics=True)
        if plan is None:
            return None, False
        items = readiness(user=user, plan=plan, now=now).today
        if not items:
            return None, False
        count = len(items)
        session = services.start_session(
            user=user,
            questions=[item.question for item in items],
            alone=[item.follow_up for item in items],
            clock=Clock.SUGGESTED,
            minutes=None,
            now=now,
            title=f"Today's plan: {count} question{'s' if count != 1 else ''}",
            source=Source.PLAN,
            filters={"plan": [[item.kind, item.question.pk] for item in items]},
            with_follow_ups=False,
        )
        return session, False


def latest_date(now: datetime) -> date:
    """The furthest interview date a plan accepts: a year from today."""
    return timezone.localdate(now) + timedelta(days=MAX_DAYS_AHEAD)
