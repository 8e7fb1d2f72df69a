"""Spaced review: the queue and its settings, the due forecast, measured retention, leeches and
what to do with them (suspend, resume, reset), and starting a review that resumes the open one.

Every card is looked up among the signed-in user's own: another user's card is a 404.
"""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from interviewprep.http import AuthenticatedHttpRequest
from questions import charts, reviewing, scheduling
from questions.forms import ReviewSettingsForm
from questions.models import ReviewCard, ReviewSettings
from questions.models.practice import Grade
from questions.views.home import GRADE_EXPLANATION


def _get_card_for_user(request: AuthenticatedHttpRequest, card_id: int) -> ReviewCard:
    return get_object_or_404(ReviewCard.objects.for_user(request.user), pk=card_id)


def _insights(user: Any, now: datetime, *, desired_retention: float) -> dict[str, Any]:
    """The forecast chart and table, measured and desired retention, and the leeches: a fixed
    handful of queries whatever the history's size."""
    forecast = reviewing.due_forecast(user, now)
    total = sum(day.count for day in forecast)
    return {
        "forecast": forecast,
        "forecast_total": total,
        "forecast_chart": charts.bar_chart(
            "forecast-chart",
            title="Reviews coming due, next 30 days",
            desc=f"{total} reviews fall due over the next 30 days; today includes what is overdue.",
            x_labels=[f"{day.day.day} {day.day:%b}" for day in forecast],
            values=[day.count for day in forecast],
        ),
        "retention": reviewing.measured_retention(user, now),
        "desired_retention": desired_retention,
        "leeches": reviewing.leeches(user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def review(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The review queue and its settings."""
    user, now = request.user, timezone.now()
    instance = ReviewSettings.objects.filter(user=user).first() or ReviewSettings(user=user)
    form = ReviewSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Review settings saved.")
        return redirect("questions:review")
    due, allowed = scheduling.due_today(user, now)
    cards = scheduling.due_cards(user, now, limit=50)
    return render(
        request,
        "questions/review.html",
        {
            "form": form,
            "due": due,
            "allowed": allowed,
            "cards": cards,
            "next_due": scheduling.next_due(user, now),
            "grade_explanation": GRADE_EXPLANATION,
            "grades": Grade.choices,
            **_insights(user, now, desired_retention=instance.desired_retention),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def review_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a review, or go back to the one already open (a second click, a second tab)."""
    session, resumed = reviewing.start_or_resume_review(user=request.user, now=timezone.now())
    if session is None:
        messages.info(request, "Nothing is due for review now, or today's limit is reached.")
        return redirect("questions:review")
    if resumed:
        messages.info(request, "You already had a review open: here it is, where you left it.")
    return redirect(session)


@login_required
@require_POST
def card_suspend(request: AuthenticatedHttpRequest, card_id: int) -> HttpResponse:
    """Suspend a card (it stops coming back) or, with action=resume, let it come back again."""
    card = _get_card_for_user(request, card_id)
    resume = request.POST.get("action") == "resume"
    reviewing.set_suspended(card_id=card.pk, user=request.user, suspended=not resume)
    title = card.question.title
    messages.success(
        request,
        f"“{title}” comes back for review again."
        if resume
        else f"“{title}” is suspended: it stays out of review until you resume it.",
    )
    return redirect("questions:review")


@login_required
@require_POST
def card_reset(request: AuthenticatedHttpRequest, card_id: int) -> HttpResponse:
    """Forget a card's schedule: the question counts as new again; its answers stay."""
    card = _get_card_for_user(request, card_id)
    reviewing.reset_card(card_id=card.pk, user=request.user)
    messages.success(
        request,
        f"“{card.question.title}” is new again: it comes back when you next practise it (your "
        "plan offers it as a new question). Your past answers stay in your history.",
    )
    return redirect("questions:review")
