"""The account's display settings: time zone and clock format."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from interviewprep.http import AuthenticatedHttpRequest
from questions import preferences
from questions.models import AccountSettings
from questions.templatetags.timefmt import format_moment


class AccountSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        error_messages={"invalid_choice": "Choose a time zone from the list."},
    )

    class Meta:
        model = AccountSettings
        fields = ("time_zone", "clock_format")
        labels = {"clock_format": "Clock"}
        widgets = {"clock_format": forms.RadioSelect}

    def __init__(self, *args: Any, browser_zone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        browser = (
            f"Your browser's time zone ({browser_zone})"
            if browser_zone
            else ("Your browser's time zone")
        )
        self.fields["time_zone"].choices = [
            ("", browser),
            *((name, name.replace("_", " ")) for name in sorted(preferences.zone_names())),
        ]
        self.fields["clock_format"].error_messages["invalid_choice"] = "Choose a clock format."


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    instance = AccountSettings.objects.filter(user=request.user).first() or AccountSettings(
        user=request.user
    )
    browser_zone = preferences.browser_zone(request)
    form = AccountSettingsForm(request.POST or None, instance=instance, browser_zone=browser_zone)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        preferences.remember(request, saved)
        messages.success(request, "Settings saved.")
        return redirect("questions:account_settings")
    return render(
        request,
        "questions/account_settings.html",
        {"form": form, "now_text": format_moment(timezone.now())},
        status=422 if form.errors else 200,
    )
