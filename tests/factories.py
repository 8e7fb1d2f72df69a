"""Small functions that make test data: plain Django ORM, no fixture files."""

from datetime import timedelta
from itertools import count

from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.utils import timezone

from questions import services
from questions.models import (
    Attempt,
    FollowUp,
    Kit,
    KitItem,
    Loop,
    LoopRound,
    PracticeSession,
    Question,
    Topic,
)
from questions.models.practice import AttemptState
from questions.roles import INTERVIEWERS_GROUP
from questions.services import create_share_link, start_session

PASSWORD = "correct-horse-battery-staple"
_seq = count(1)


def make_user(**kwargs) -> User:
    n = next(_seq)
    kwargs.setdefault("username", f"user{n}")
    kwargs.setdefault("email", f"{kwargs['username']}@example.com")
    password = kwargs.pop("password", PASSWORD)
    return User.objects.create_user(password=password, **kwargs)


def make_interviewer(**kwargs) -> User:
    user = make_user(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=INTERVIEWERS_GROUP)[0])
    return user


def make_staff(**kwargs) -> User:
    kwargs.setdefault("is_staff", True)
    kwargs.setdefault("is_superuser", True)
    return make_user(**kwargs)


# The question bank.


def make_topic(**kwargs) -> Topic:
    n = next(_seq)
    kwargs.setdefault("slug", f"topic-{n}")
    kwargs.setdefault("name", f"Topic {n}")
    kwargs.setdefault("position", n)
    return Topic.objects.create(**kwargs)


def make_question(**kwargs) -> Question:
    """A published question with a unique slug; pass topic= to share one."""
    n = next(_seq)
    if "topic" not in kwargs:
        kwargs["topic"] = make_topic()
    kwargs.setdefault("slug", f"question-{n}")
    kwargs.setdefault("title", f"Question {n}")
    kwargs.setdefault("prompt", f"Explain concept number {n}.")
    kwargs.setdefault("answer", f"The model answer to question {n}.")
    kwargs.setdefault("key_points", ["First point", "Second point", "Third point"])
    kwargs.setdefault("roles", ["ml-engineer"])
    kwargs.setdefault("status", Question.Status.PUBLISHED)
    return Question.objects.create(**kwargs)


def make_follow_up(**kwargs) -> FollowUp:
    if "question" not in kwargs:
        kwargs["question"] = make_question()
    siblings = kwargs["question"].follow_ups.filter(parent=kwargs.get("parent"))
    kwargs.setdefault("position", siblings.count())
    kwargs.setdefault("prompt", "And what if the data were twice as large?")
    kwargs.setdefault("answer", "Then the answer changes like this.")
    kwargs.setdefault("key_points", ["Says how it changes"])
    return FollowUp.objects.create(**kwargs)


# Practice sessions.
def make_session(user, *, questions=None, follow_ups: int = 1, now=None, **kwargs):
    """A started session (through the real service) on new questions unless given."""
    if questions is None:
        questions = [make_question(seconds=120)]
        for question in questions:
            for _ in range(follow_ups):
                make_follow_up(question=question, key_points=["a", "b"])
    kwargs.setdefault("clock", "suggested")
    kwargs.setdefault("minutes", None)
    kwargs.setdefault("title", "Mock interview")
    kwargs.setdefault("with_follow_ups", True)
    return start_session(user=user, questions=questions, now=now or timezone.now(), **kwargs)


def make_history(
    user,
    *,
    attempts: int,
    per_session: int = 20,
    end=None,
    topics=("Fundamentals", "Deep learning", "NLP and generative AI"),
):
    """Many finished, graded sessions for one user, written in bulk (for query-count tests)."""
    from django.utils import timezone

    end = end or timezone.now()
    question = make_question()
    sessions = PracticeSession.objects.bulk_create(
        PracticeSession(
            owner=user,
            title=f"Session {i}",
            status="finished",
            started_at=end - timedelta(hours=6 * i + 1),
            deadline=end - timedelta(hours=6 * i - 23),
            finished_at=end - timedelta(hours=6 * i),
            question_count=per_session,
        )
        for i in range(max(1, attempts // per_session))
    )
    rows = []
    for s_index, session in enumerate(sessions):
        for position in range(1, per_session + 1):
            n = s_index * per_session + position
            at = session.started_at + timedelta(minutes=position)
            rows.append(
                Attempt(
                    session=session,
                    question=question,
                    position=position,
                    title=f"Question {n % 50}",
                    topic_name=topics[n % len(topics)],
                    level=("beginner", "intermediate", "experienced")[n % 3],
                    kind="concept",
                    prompt_html="<p>Prompt</p>",
                    answer_html="<p>Answer</p>",
                    key_points=["a", "b", "c"],
                    allowed_seconds=120,
                    state="graded",
                    started_at=at - timedelta(seconds=60 + n % 60),
                    submitted_at=at,
                    time_spent=timedelta(seconds=60 + n % 60),
                    answer=f"answer {n}",
                    revision=1,
                    ticked=[0, 1],
                    grade=1 + n % 4,
                    graded_at=at,
                )
            )
    Attempt.objects.bulk_create(rows, batch_size=2000)
    # Fresh tables have no statistics until autovacuum runs; give the planner what production has.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE questions_practicesession, questions_attempt")
    return sessions


# Interview kits.
def make_kit(owner=None, *, questions=(), **kwargs):
    """A kit owned by a new interviewer unless given, with `questions` added in order."""
    kwargs.setdefault("title", f"Kit {next(_seq)}")
    kwargs.setdefault("round", "ML fundamentals")
    kwargs.setdefault("minutes", 5)
    kit = Kit.objects.create(owner=owner or make_interviewer(), **kwargs)
    KitItem.objects.bulk_create(
        KitItem(kit=kit, question=question, position=n) for n, question in enumerate(questions, 1)
    )
    return kit


def make_share_link(kit, **kwargs):

    kwargs.setdefault("now", timezone.now())
    return create_share_link(kit=kit, **kwargs)


def make_loop(owner=None, *, kits=(), **kwargs):

    kwargs.setdefault("name", f"Loop {next(_seq)}")
    loop = Loop.objects.create(owner=owner or make_interviewer(), **kwargs)
    LoopRound.objects.bulk_create(
        LoopRound(loop=loop, kit=kit, position=n) for n, kit in enumerate(kits, 1)
    )
    return loop


def client_for(user: User | None) -> Client:
    """A test client logged in as `user` (None: anonymous)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def answer_and_grade(session, grade: int, now, *, text: str = "An answer") -> None:
    """Answer the session's active question and grade it, through the real services."""
    attempt = session.attempts.get(state=AttemptState.ACTIVE)
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=now, text=text, base=0)
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=grade, ticked=[], now=now)
