"""The interview-date readiness plan: set the date, minutes a day and what the interview covers;
see the predicted recall per topic and today's session; start it.

Everything reads and writes the signed-in user's own plan only; there is no plan id in a URL.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from interviewprep.http import AuthenticatedHttpRequest
from questions import readiness
from questions.forms import PlanForm
from questions.models import InterviewPlan


def _initial(plan: InterviewPlan | None) -> dict[str, Any]:
    if plan is None:
        return {"minutes_per_day": 30}
    return {
        "interview_date": plan.interview_date,
        "minutes_per_day": plan.minutes_per_day,
        "topics": [topic.slug for topic in plan.topics.all()],
        "kit": plan.kit_id,
    }


@login_required
@require_http_methods(["GET", "POST"])
def plan_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The plan, and the form that sets it."""
    user, now = request.user, timezone.now()
    plan = readiness.plan_for(user, with_topics=True)
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        initial=_initial(plan),
        kits=readiness.kits_for(user),
        today=timezone.localdate(now),
    )
    if request.method == "POST" and form.is_valid():
        readiness.save_plan(
            user=user,
            interview_date=form.cleaned_data["interview_date"],
            minutes_per_day=form.cleaned_data["minutes_per_day"],
            topics=list(form.cleaned_data["topics"]),
            kit=form.cleaned_data["kit"],
            now=now,
        )
        messages.success(request, "Plan saved.")
        return redirect("questions:plan")
    context: dict[str, Any] = {"form": form, "plan": plan}
    if plan is not None:
        context["readiness"] = readiness.readiness(user=user, plan=plan, now=now)
        context["open_session"] = readiness.open_plan_session(user)
    return render(request, "questions/plan.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def plan_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start today's plan, or go back to the plan session already open."""
    session, resumed = readiness.start_or_resume_plan(user=request.user, now=timezone.now())
    if session is None:
        messages.info(
            request,
            "Nothing to practise today in your plan: set your interview date first, or everything "
            "in it is done for today.",
        )
        return redirect("questions:plan")
    if resumed:
        messages.info(request, "Today's plan was already open: here it is, where you left it.")
    return redirect(session)
