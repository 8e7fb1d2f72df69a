"""Forms for starting and answering practice sessions."""

from typing import Any

from django import forms

from questions.models import Topic
from questions.models.bank import Kind, Level, Role
from questions.models.practice import Clock, Grade


class StartSessionForm(forms.Form):
    topics = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="None ticked: all topics."
    )
    levels = forms.MultipleChoiceField(
        choices=Level.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    kinds = forms.MultipleChoiceField(
        label="Kinds of question",
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    count = forms.IntegerField(label="How many questions", min_value=1, max_value=20, initial=5)
    clock = forms.ChoiceField(
        choices=Clock.choices, initial=Clock.SUGGESTED, widget=forms.RadioSelect
    )
    minutes = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=240,
        help_text="Minutes per question, or for the whole session, depending on the clock.",
    )
    follow_ups = forms.BooleanField(
        label="Include follow-up questions", required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = list(Topic.objects.values_list("slug", "name"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        clock = data.get("clock")
        if clock in (Clock.PER_QUESTION, Clock.SESSION) and not data.get("minutes"):
            self.add_error("minutes", "Say how many minutes this clock allows.")
        if clock in (Clock.SUGGESTED, Clock.UNTIMED):
            data["minutes"] = None
        return data


class GradeForm(forms.Form):
    grade = forms.TypedChoiceField(choices=Grade.choices, coerce=int)

    def ticked(self) -> list[int]:
        """The ticked key points as indexes; anything else is ignored (the service range-checks)."""
        return [int(v) for v in self.data.getlist("ticked") if v.isdigit() and len(v) < 4]
