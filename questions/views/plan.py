"""The interview-date readiness plan: set the date, minutes a day and what the interview covers;
see the predicted recall per topic and today's session; start it.

Everything reads and writes the signed-in user's own plan only; there is no plan id in a URL.
"""

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from interviewprep.http import AuthenticatedHttpRequest
from questions import readiness
from questions.models import InterviewPlan, Kit, Topic
from questions.models.readiness import MAX_DAYS_AHEAD, MAX_MINUTES_PER_DAY

DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%d/%m/%Y"]


class DayInput(forms.DateInput):
    """A text box showing dates as every page prints them ("14 Jan 2027"), not in the browser's
    locale as type=date would."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return f"{value.day} {value:%b %Y}"
        return super().format_value(value)


class PlanForm(forms.Form):
    interview_date = forms.DateField(
        label="Interview date",
        input_formats=DATE_INPUT_FORMATS,
        help_text="The day of the interview, like 14 Jan 2027: from today to a year ahead.",
        error_messages={
            "required": "Enter the day of your interview.",
            "invalid": "Enter a date like 14 Jan 2027.",
        },
        widget=DayInput(attrs={"placeholder": "14 Jan 2027", "size": 12}),
    )
    minutes_per_day = forms.IntegerField(
        label="Minutes a day",
        help_text=f"How long you can practise each day (1 to {MAX_MINUTES_PER_DAY}).",
        error_messages={
            "required": "Enter how many minutes a day you can practise.",
            "invalid": "Enter a whole number of minutes, like 30.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 5}),
    )
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(),
        to_field_name="slug",
        required=False,
        label="Topics the interview covers",
        help_text="Leave all unticked for every topic.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "There is no topic “%(value)s”: choose topics from the list.",
            "invalid_pk_value": "There is no topic “%(pk)s”: choose topics from the list.",
        },
    )
    kit = forms.ModelChoiceField(
        queryset=Kit.objects.none(),
        required=False,
        label="Interview kit it covers",
        empty_label="No kit",
        help_text="A kit of your own, or one shared with you that you have practised.",
        error_messages={"invalid_choice": "Choose a kit from the list."},
    )

    def __init__(self, *args: Any, user: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        kit_field = self.fields["kit"]
        assert isinstance(kit_field, forms.ModelChoiceField)
        kit_field.queryset = readiness.kits_for(user)

    def clean_interview_date(self) -> date:
        day: date = self.cleaned_data["interview_date"]
        if day < self.today:
            raise forms.ValidationError("That day has passed: choose today or a later day.")
        if (day - self.today).days > MAX_DAYS_AHEAD:
            raise forms.ValidationError(
                "Choose a day within a year from today: a plan further ahead would mostly be "
                "forgotten by then."
            )
        return day

    def clean_minutes_per_day(self) -> int:
        minutes: int = self.cleaned_data["minutes_per_day"]
        if minutes <= 0:
            raise forms.ValidationError("Give at least 1 minute a day.")
        if minutes > MAX_MINUTES_PER_DAY:
            raise forms.ValidationError(f"At most {MAX_MINUTES_PER_DAY} minutes (8 hours) a day.")
        return minutes


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
        user=user,
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
