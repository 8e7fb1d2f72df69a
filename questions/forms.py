"""Forms for starting and answering practice sessions."""

from typing import Any

from django import forms

from interviewprep.names import clean_line
from questions.models import Kit, Loop, Topic
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
NAVIGATOR_NEEDS_SESSION_CLOCK = (
    "The question navigator needs a time limit for the whole session: choose that clock, "
    "or untick the navigator."
)
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
    navigator = forms.BooleanField(
        label="Question navigator",
        required=False,
        help_text="See every question at once, answer them in any order, flag some to come back "
        "to and change earlier answers while time remains; review, then finish. The model "
        "answers come after you finish. No follow-ups.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = list(Topic.objects.values_list("slug", "name"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
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
        if data.get("navigator") and clock and clock != Clock.SESSION:
            self.add_error("navigator", NAVIGATOR_NEEDS_SESSION_CLOCK)
        return data


class GradeForm(forms.Form):
    grade = forms.TypedChoiceField(choices=Grade.choices, coerce=int)

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
        return clean_line(super().to_python(value))


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


class KitSearchForm(forms.Form):
    """The builder's search: unknown filter values are dropped, never an error page."""

    q = forms.CharField(label="Search", required=False, max_length=200, strip=True)
    topic = forms.ChoiceField(required=False)
    level = forms.ChoiceField(choices=[("", "Any level"), *Level.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Kind.choices], required=False)

    def __init__(self, *args: Any, topics: list[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topics = {topic.slug: topic for topic in topics}
        self.fields["topic"].choices = [("", "Any topic")] + [(t.slug, t.name) for t in topics]

    def values(self) -> dict[str, Any]:
        """The valid parts of the search (an invalid field counts as not given)."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) or "" for name in self.fields}
        data["q"] = data["q"].replace("\x00", "")
        data["topic"] = self.topics.get(data["topic"])
        return data

    @property
    def active(self) -> bool:
        return any(self.values().values())


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
