"""Spaced review: the queue, its settings, and starting a review session."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from interviewprep.http import AuthenticatedHttpRequest
from questions import scheduling, services
from questions.forms import ReviewSettingsForm
from questions.models import (
    ReviewSettings,
)
from questions.models.practice import Grade
from questions.views.home import GRADE_EXPLANATION


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
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def review_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    session = services.start_review(user=request.user, now=timezone.now())
    if session is None:
        messages.info(request, "Nothing is due for review now, or today's limit is reached.")
        return redirect("questions:review")
    return redirect(session)
