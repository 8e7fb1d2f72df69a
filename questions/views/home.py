"""The front page: the product for visitors, the dashboard for a signed-in candidate."""

from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from interviewprep.http import AuthenticatedHttpRequest, HtmxHttpRequest
from questions import progress, readiness, scheduling, services
from questions.models import (
    PracticeSession,
    ReviewCard,
)

GRADE_EXPLANATION = (
    "Your self-grade decides when a question comes back. Again means you could not answer it: it "
    "returns within minutes. Hard means you recalled it with effort, not that you forgot: it "
    "returns sooner than Good would. Good means a solid answer; Easy means effortless, and the "
    "gap grows fastest."
)


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The product's front page; signed in, the candidate's dashboard."""
    if request.user.is_authenticated:
        return dashboard(request)  # type: ignore[arg-type]
    return render(
        request,
        "home.html",
        {
            "start_url": reverse("questions:session_start"),
            "browse_url": reverse("questions:browse"),
        },
    )


def close_my_overdue_sessions(user: Any, now: Any) -> None:
    """Sessions left open past their deadline close on next access, with the last saved answers."""
    for session in PracticeSession.objects.for_user(user).overdue(now):
        services.close_overdue(session=session, now=now)


def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in home page."""
    user, now = request.user, timezone.now()
    close_my_overdue_sessions(user, now)
    due, allowed = scheduling.due_today(user, now)
    stats = progress.attempt_stats(
        user,
        days_since=(now - timedelta(days=400)).date(),
        standings_since=now - timedelta(days=90),
    )
    days = stats.days
    weakest = [s for s in stats.standings if s.graded >= 3][:3]
    recent = progress.recent_sessions(user, 5)
    leeches = list(
        ReviewCard.objects.for_user(user).leeches().select_related("question", "follow_up")[:5]
    )
    return render(
        request,
        "questions/dashboard.html",
        {
            "due": due,
            "allowed": allowed,
            "streak": progress.streak(days, now.date()),
            "days_this_year": sum(
                1 for d, n in days.items() if n and d > now.date() - timedelta(days=365)
            ),
            "recent": recent,
            "weakest": weakest,
            "leeches": leeches,
            "next_due": None if due else scheduling.next_due(user, now),
            "grade_explanation": GRADE_EXPLANATION,
            "plan": readiness.plan_for(user),
        },
    )
