"""Every form of the app, by domain: practice, kits and loops, history, review, accounts."""

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import QueryDict

from interviewprep.names import clean_line
from questions import accounts, preferences
from questions.models import AccountSettings, Kit, Loop, ReviewSettings, Topic
from questions.models.accounts import username_taken_by_look_alike
from questions.models.bank import Kind, Level, Role
from questions.models.kits import MAX_MINUTES, MIN_MINUTES
from questions.models.practice import Clock, Grade, Mode

MAX_SESSION_QUESTIONS = 20
MINUTES_MESSAGES = {
    "min_value": f"Minutes must be from {MIN_MINUTES} to {MAX_MINUTES}.",
    "max_value": f"Minutes must be from {MIN_MINUTES} to {MAX_MINUTES}.",
    "invalid": "Minutes must be a whole number.",
}
MINUTES_FOR_CLOCK = f"Minutes must be from {MIN_MINUTES} to {MAX_MINUTES} for this clock."
CHOOSE_FROM_LIST = {
    "invalid_choice": "Choose from the list.",
    "invalid_list": "Choose from the list.",
}


class StartSessionForm(forms.Form):
    topics = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: all topics.",
        error_messages=CHOOSE_FROM_LIST,
    )
    levels = forms.MultipleChoiceField(
        choices=Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=CHOOSE_FROM_LIST,
    )
    kinds = forms.MultipleChoiceField(
        label="Kinds of question",
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=CHOOSE_FROM_LIST,
    )
    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=CHOOSE_FROM_LIST,
    )
    count = forms.IntegerField(
        label="How many questions",
        min_value=1,
        max_value=MAX_SESSION_QUESTIONS,
        initial=5,
        error_messages={
            "required": f"Say how many questions: from 1 to {MAX_SESSION_QUESTIONS}.",
            "min_value": f"How many questions must be from 1 to {MAX_SESSION_QUESTIONS}.",
            "max_value": f"How many questions must be from 1 to {MAX_SESSION_QUESTIONS}.",
            "invalid": "How many questions must be a whole number.",
        },
    )
    clock = forms.ChoiceField(
        choices=Clock.choices,
        initial=Clock.SUGGESTED,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a clock.", "invalid_choice": "Choose a clock."},
    )
    minutes = forms.IntegerField(
        required=False,
        min_value=MIN_MINUTES,
        max_value=MAX_MINUTES,
        help_text="Per question, or for the whole session, depending on the clock.",
        error_messages=MINUTES_MESSAGES,
    )
    mode = forms.ChoiceField(
        label="With a time limit for the whole session",
        choices=Mode.choices,
        initial=Mode.INTERVIEW,
        widget=forms.RadioSelect,
        required=False,
        help_text="Whether reading the model answer and grading count against the session's time.",
    )
    follow_ups = forms.BooleanField(
        label="Include follow-up questions", required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["topics"]).choices = list(
            Topic.objects.values_list("slug", "name")
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        clock = data.get("clock")
        needs_minutes = clock in (Clock.PER_QUESTION, Clock.SESSION)
        # One message per problem: an invalid number already has its own.
        if needs_minutes and not data.get("minutes") and "minutes" not in self.errors:
            self.add_error("minutes", MINUTES_FOR_CLOCK)
        if clock in (Clock.SUGGESTED, Clock.UNTIMED):
            # This clock has no minutes (the field is hidden): what was typed there is no error.
            self.errors.pop("minutes", None)
            data["minutes"] = None
        data["mode"] = data.get("mode") or Mode.INTERVIEW
        return data


class GradeForm(forms.Form):
    grade = forms.TypedChoiceField(choices=Grade.choices, coerce=int)
    data: QueryDict  # request.POST

    def ticked(self) -> list[int]:
        """The ticked key points as indexes; anything else is ignored (the service range-checks)."""
        return [int(v) for v in self.data.getlist("ticked") if v.isdigit() and len(v) < 4]

    def flagged(self) -> list[int]:
        """The ticked red flags as indexes, read like `ticked`."""
        return [int(v) for v in self.data.getlist("flagged") if v.isdigit() and len(v) < 4]


# Interview kits ---------------------------------------------------------------------------------


class LineField(forms.CharField):
    """One line that others see: NFKC, no bidi controls or zero-width characters (names.py)."""

    def to_python(self, value: Any) -> str:
        return clean_line(super().to_python(value) or "")


class KitForm(forms.ModelForm):
    class Meta:
        model = Kit
        fields = ("title", "round", "description", "minutes")
        field_classes = {"title": LineField, "round": LineField}
        widgets = {
            "round": forms.TextInput(attrs={"list": "round-suggestions", "autocomplete": "off"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.NumberInput(attrs={"min": MIN_MINUTES, "max": MAX_MINUTES}),
        }
        help_texts = {"description": "What the round assesses; candidates see it on the link."}
        error_messages = {"minutes": MINUTES_MESSAGES}


class KitItemForm(forms.Form):
    notes = forms.CharField(
        label="Interviewer notes", required=False, max_length=5000, widget=forms.Textarea
    )
    minutes = forms.IntegerField(
        required=False,
        min_value=MIN_MINUTES,
        max_value=MAX_MINUTES,
        error_messages=MINUTES_MESSAGES,
    )


TAG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)
FILTER_LABELS = {"level": "level", "kind": "kind of question", "role": "role"}


def shown(value: str) -> str:
    """A user-supplied value, made short and printable for a message."""
    value = value.replace("\x00", "")
    return value if len(value) <= 40 else value[:40] + "…"


class QuestionFilterForm(forms.Form):
    """The bank's filters: the question browser and the kit builder's search.

    Filters come from links people share and edit, so a value that is not valid is dropped with
    a notice ("There is no topic …; showing every topic"), never an error page.
    """

    q = forms.CharField(label="Search", required=False, strip=False)
    topic = forms.ChoiceField(required=False)
    level = forms.ChoiceField(choices=[("", "Any level"), *Level.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Kind.choices], required=False)
    role = forms.ChoiceField(choices=[("", "Any role"), *Role.choices], required=False)
    tag = forms.CharField(required=False)

    MAX_QUERY_CHARS = 1000

    def __init__(self, *args: Any, topics: list[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topics = {topic.slug: topic for topic in topics}
        topic = cast(forms.ChoiceField, self.fields["topic"])
        topic.choices = [("", "Any topic")] + [(t.slug, t.name) for t in topics]

    def clean_tag(self) -> str:
        tag = self.cleaned_data["tag"]
        if tag and not TAG.fullmatch(tag):
            raise forms.ValidationError(f"“{shown(tag)}” is not a tag; showing every question.")
        return tag

    def criteria(self) -> dict[str, Any]:
        """The valid filters, as `Question.objects.browse(**criteria)` takes them."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) or "" for name in self.fields}
        data["q"] = data["q"].replace("\x00", "")[: self.MAX_QUERY_CHARS]
        data["topic"] = self.topics.get(data["topic"])
        return data

    @property
    def active(self) -> bool:
        return any(str(value).strip() for value in self.criteria().values() if value)

    def notices(self) -> list[str]:
        """Why a filter in the address was dropped, one sentence each."""
        self.is_valid()
        notices: list[str] = []
        for name in ("tag", "topic", "level", "kind", "role"):
            if name not in self.errors:
                continue
            if name == "tag":
                notices += (str(message) for message in self.errors[name])
                continue
            label = FILTER_LABELS.get(name, name)
            value = shown(self.data.get(name, ""))
            notices.append(f"There is no {label} “{value}”; showing every {label}.")
        return notices


class ShareLinkForm(forms.Form):
    label = LineField(
        required=False,
        max_length=120,
        help_text="Optional: who the link is for. Only you see this.",
    )
    expires_in_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        min_value=1,
        max_value=365,
        help_text="Empty: the link works until you revoke it.",
        error_messages={
            "min_value": "A link must last at least 1 day; leave it empty for no expiry.",
            "max_value": "At most 365 days; leave it empty for no expiry.",
        },
    )


class StartKitForm(forms.Form):
    share_results = forms.BooleanField(
        label="Share my results with the kit's owner",
        required=False,
        help_text="They see your answers, times, ticked key points and grades. "
        "You can withdraw this later from the session summary.",
    )


class LoopForm(forms.ModelForm):
    class Meta:
        model = Loop
        fields = ("name", "description")
        field_classes = {"name": LineField}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"name": "For example “Senior ML engineer, 2026”."}


# History ----------------------------------------------------------------------------------------


class AppDateInput(forms.DateInput):
    """A text box showing dates the way every page prints them ("1 Dec 2026").

    Not type=date: a browser's date box prints the date in the browser's locale (12/01/2026),
    unlike the rest of the app.
    """

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return f"{value.day} {value:%b %Y}"
        return super().format_value(value)


DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%d/%m/%Y"]


DATE_ERRORS = {"invalid": "Enter a date like 1 Dec 2026."}


class HistoryFilterForm(forms.Form):
    topic = forms.ChoiceField(
        required=False, error_messages={"invalid_choice": "Choose a topic from the list."}
    )
    level = forms.ChoiceField(
        required=False,
        choices=[("", "Any level"), *Level.choices],
        error_messages={"invalid_choice": "Choose a level from the list."},
    )
    start = forms.DateField(
        required=False,
        label="From",
        input_formats=DATE_INPUT_FORMATS,
        error_messages=DATE_ERRORS,
        widget=AppDateInput(attrs={"placeholder": "1 Dec 2026", "size": 11}),
    )
    end = forms.DateField(
        required=False,
        label="To",
        input_formats=DATE_INPUT_FORMATS,
        error_messages=DATE_ERRORS,
        widget=AppDateInput(attrs={"placeholder": "31 Dec 2026", "size": 11}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["topic"]).choices = [
            ("", "Any topic"),
            *((name, name) for name in Topic.objects.values_list("name", flat=True)),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "This date is before the From date, so the dates were ignored.")
        return data


# Spaced review ----------------------------------------------------------------------------------


class ReviewSettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = ["daily_limit", "desired_retention"]
        labels = {"daily_limit": "Daily limit", "desired_retention": "Desired retention"}
        widgets = {"desired_retention": forms.NumberInput(attrs={"step": "0.01"})}


# Accounts ---------------------------------------------------------------------------------------


class SignupForm(UserCreationForm):
    """Sign-up with an e-mail address, which activation and password reset need."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        email = self.fields["email"]
        email.help_text = "We send a link there to finish signing up; later, only password resets."

    def clean_username(self) -> str:
        username = super().clean_username()
        if username and username_taken_by_look_alike(username):
            raise ValidationError(
                "This username looks like one that is already taken (letters from another "
                "alphabet, or I for l). Choose another."
            )
        return username


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form whose mail (and the lookup deciding it) runs as a background task."""

    def save(  # type: ignore[override]
        self,
        *,
        domain_override: str | None = None,
        use_https: bool = False,
        request: Any = None,
        **kwargs: Any,
    ) -> None:
        domain = domain_override or (request.get_host() if request else "localhost")
        accounts.send_password_reset.enqueue(
            email=self.cleaned_data["email"], domain=domain, use_https=use_https
        )


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
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            ("", browser),
            *((name, name.replace("_", " ")) for name in sorted(preferences.zone_names())),
        ]
        self.fields["clock_format"].error_messages["invalid_choice"] = "Choose a clock format."


DELETE_PHRASE = "delete my account"


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label=f"Type “{DELETE_PHRASE}” to confirm",
        help_text=(
            "This deletes your account, every session and answer (also results you shared with an "
            "interviewer), review cards, your kits, and your log-ins on every device. It cannot "
            "be undone."
        ),
    )

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip().lower()
        if value != DELETE_PHRASE:
            raise forms.ValidationError(f"Type exactly “{DELETE_PHRASE}” to delete your account.")
        return value
