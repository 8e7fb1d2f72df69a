"""The question bank in Django admin: topics, questions with their follow-ups, import and export."""

import io
import re
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe

from questions import admin_stats, bankio  # noqa: F401 - admin_stats registers its admin
from questions.models import FollowUp, Question, Topic
from questions.models.bank import CONTENT_FIELDS, MAX_FOLLOW_UP_DEPTH, Role, Status, Weight

MAX_UPLOAD_BYTES = bankio.MAX_FILE_BYTES
MAX_UPLOAD_FILES = 50


class LinesField(forms.Field):
    """A list of texts edited one per line: key points contain commas, so commas can't split."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 90})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(v).strip() for v in value if str(v).strip()]
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        # PostgreSQL text cannot hold NUL: a field error, not a database error.
        if any("\x00" in line for line in value):
            raise forms.ValidationError("Null characters are not allowed.", code="null_characters")


WEIGHT_TAG = re.compile(r"^\[([^\]]*)\]\s*(.*)$")
WEIGHTS_HELP = (
    "One per line, most important first. A line is a must-have; start it with [should] or "
    "[bonus] to weight it less (the suggested grade counts must 3, should 2, bonus 1)."
)


class WeightedKeyPointsForm(forms.ModelForm):
    """Key points edited one per line with an optional weight tag: `[should] Names the trade-off`.

    The lines become `key_points` (texts) and `key_point_weights` (one per point).
    """

    key_points = LinesField(required=False, help_text=WEIGHTS_HELP)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["key_points"] = [
                text if weight == Weight.MUST else f"[{weight}] {text}"
                for text, weight in self.instance.weighted_key_points
            ]

    def clean_key_points(self) -> list[str]:
        texts, weights, problems = [], [], []
        for number, line in enumerate(self.cleaned_data["key_points"], start=1):
            weight, text = Weight.MUST.value, line
            tagged = WEIGHT_TAG.match(line)
            if tagged:
                weight, text = tagged.group(1).strip().lower(), tagged.group(2).strip()
                if weight not in Weight.values:
                    problems.append(
                        f"Line {number}: [{tagged.group(1)}] is not a weight; "
                        "use [must], [should] or [bonus]."
                    )
                if not text:
                    problems.append(f"Line {number}: the weight has no key point after it.")
            texts.append(text)
            weights.append(weight)
        if problems:
            raise forms.ValidationError(problems)
        self.instance.key_point_weights = weights
        return texts


class QuestionForm(WeightedKeyPointsForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    red_flags = LinesField(
        required=False,
        help_text="Statements that show a misunderstanding, one per line. A candidate who ticks "
        "one gets at most Hard as the suggested grade.",
    )

    class Meta:
        model = Question
        exclude = ("key_point_weights",)


class FollowUpForm(WeightedKeyPointsForm):
    class Meta:
        model = FollowUp
        fields = ("parent", "position", "prompt", "answer", "key_points")
        widgets = {
            "prompt": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "answer": forms.Textarea(attrs={"rows": 6, "cols": 60}),
        }
        help_texts = {
            "parent": "Empty: a follow-up of the question. Otherwise asked right after that "
            "follow-up (save a new follow-up once before chaining under it).",
        }


class FollowUpFormSet(forms.BaseInlineFormSet):
    """Parents come from the same question; chains stay acyclic, at most MAX_FOLLOW_UP_DEPTH
    deep, and siblings (same parent) have distinct positions."""

    def add_fields(self, form: forms.ModelForm, index: int | None) -> None:
        super().add_fields(form, index)
        if "parent" in form.fields:
            siblings = FollowUp.objects.filter(question_id=self.instance.pk or 0)
            parent = cast(forms.ModelChoiceField, form.fields["parent"])
            parent.queryset = siblings.order_by("parent_id", "position")

    def clean(self) -> None:
        super().clean()
        kept = [
            f
            for f in self.forms
            if f.is_valid()
            and (f.instance.pk is not None or f.has_changed())
            and not self._should_delete_form(f)  # type: ignore[attr-defined]  # not in django-stubs
        ]
        parents = dict(
            FollowUp.objects.filter(question_id=self.instance.pk or 0).values_list("pk", "parent")
        )
        for form in kept:
            if form.instance.pk is not None:
                parent = form.cleaned_data.get("parent")
                parents[form.instance.pk] = parent.pk if parent else None
        places: set[tuple[int | None, int | None]] = set()
        for form in kept:
            parent = form.cleaned_data.get("parent")
            place = (parent.pk if parent else None, form.cleaned_data.get("position"))
            if place in places:
                form.add_error("position", "Another follow-up with the same parent has it.")
            places.add(place)
            depth, seen, node = 1, {form.instance.pk}, place[0]
            while node is not None:
                if node in seen:
                    form.add_error("parent", "This would make the chain a loop.")
                    break
                seen.add(node)
                depth += 1
                node = parents.get(node)
            if depth > MAX_FOLLOW_UP_DEPTH:
                form.add_error("parent", f"Chains are at most {MAX_FOLLOW_UP_DEPTH} deep.")


class FollowUpInline(admin.StackedInline):
    model = FollowUp
    form = FollowUpForm
    formset = FollowUpFormSet
    ordering = ["parent_id", "position"]
    extra = 0


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(Role.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Question]) -> QuerySet[Question]:
        if self.value() in Role.values:
            return queryset.filter(roles__contains=[self.value()])
        return queryset


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": ".yaml,.yml"})

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        uploads = data if isinstance(data, list | tuple) else [data]
        if not uploads and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(upload, initial) for upload in uploads]


class ImportBankForm(forms.Form):
    # A declared field, which the form's metaclass moves into base_fields; the stubs see it
    # clash with the form's `files` attribute (the uploads), which it does not at run time.
    files = MultipleFileField(  # type: ignore[assignment]
        label="Bank files",
        help_text="One or more .yaml files in the bank format, one topic per file.",
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run: check the files and report what would change"
    )

    def clean_files(self) -> list[UploadedFile]:
        uploads: list[UploadedFile] = self.cleaned_data["files"]
        if len(uploads) > MAX_UPLOAD_FILES:
            raise forms.ValidationError(f"Upload at most {MAX_UPLOAD_FILES} files at a time.")
        names = set()
        for upload in uploads:
            name = upload.name or ""
            if not name.lower().endswith((".yaml", ".yml")):
                raise forms.ValidationError(f"{name}: only .yaml or .yml files can be imported.")
            if (upload.size or 0) > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(f"{name}: larger than {MAX_UPLOAD_BYTES // 2**20} MB.")
            if name in names:
                raise forms.ValidationError(f"{name} was chosen twice.")
            names.add(name)
        return uploads


class TopicPositionForm(forms.ModelForm):
    """The list's position boxes, each labelled with its topic (a table cell is no label)."""

    class Meta:
        model = Topic
        fields = ("position",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name = self.instance.name if self.instance.pk else "new topic"
        self.fields["position"].widget.attrs["aria-label"] = f"Position of {name}"


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position", "question_count")
    list_editable = ("position",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("position", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        return TopicPositionForm

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, topic: Topic) -> int:
        return topic.question_count  # type: ignore[attr-defined]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionForm
    inlines = [FollowUpInline]
    change_list_template = "admin/questions/question/change_list.html"
    list_display = ("title", "topic", "level", "kind", "status", "version", "updated_at")
    list_filter = ("topic", "level", "kind", "status", RoleFilter)
    list_select_related = ("topic",)
    search_fields = ("slug", "title", "prompt")
    ordering = ("topic__position", "position", "title")
    actions = ["publish_selected", "retire_selected", "export_selected"]
    readonly_fields = (
        "prompt_preview", "answer_preview", "version", "sources", "created_at", "updated_at",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("topic", "slug", "title", "status", "position")}),
        ("Classification", {"fields": ("kind", "level", "roles", "tags", "seconds")}),
        ("Prompt", {"fields": ("prompt", "prompt_preview")}),
        ("Model answer", {"fields": ("answer", "answer_preview", "key_points", "red_flags")}),
        ("Record", {"fields": ("version", "sources", "created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        # The search vector is large and only the database reads it.
        return super().get_queryset(request).defer("search")

    def get_readonly_fields(self, request: HttpRequest, obj: Question | None = None) -> Any:
        # The slug is the import/export key: fixed once the question exists.
        if obj is not None:
            return ("slug", *self.readonly_fields)
        return self.readonly_fields

    @admin.display(description="rendered prompt")
    def prompt_preview(self, question: Question) -> SafeString | str:
        return _preview(question.prompt_html)

    @admin.display(description="rendered answer")
    def answer_preview(self, question: Question) -> SafeString | str:
        return _preview(question.answer_html)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        question: Question = form.instance
        content_changed = any(name in form.changed_data for name in CONTENT_FIELDS)
        # Follow-ups are part of what a candidate answered: changing them is a new version,
        # unless saving the question itself already counted one.
        if change and not content_changed and any(fs.has_changed() for fs in formsets):
            question.bump_version()

    @admin.action(description="Publish selected questions", permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        count = queryset.exclude(status=Status.PUBLISHED).update(
            status=Status.PUBLISHED, updated_at=timezone.now()
        )
        self.message_user(request, f"Published {count} question(s).", messages.SUCCESS)

    @admin.action(description="Retire selected questions", permissions=["change"])
    def retire_selected(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        count = queryset.exclude(status=Status.RETIRED).update(
            status=Status.RETIRED, updated_at=timezone.now()
        )
        self.message_user(request, f"Retired {count} question(s).", messages.SUCCESS)

    @admin.action(description="Export selected questions as YAML")
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Question]) -> HttpResponse:
        """One topic: its YAML file. Several: a .zip with one file per topic."""
        with tempfile.TemporaryDirectory() as tmp:
            paths = bankio.export_bank(Path(tmp), queryset)
            if len(paths) == 1:
                filename = paths[0].name
                response = HttpResponse(
                    paths[0].read_bytes(), content_type="application/yaml; charset=utf-8"
                )
            else:
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    for bank_path in paths:
                        archive.write(bank_path, bank_path.name)
                filename = f"question-bank-{timezone.now():%Y%m%d-%H%M%S}.zip"
                response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="questions_question_import",
            )
        ]
        return custom + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload bank files: every problem is listed and nothing is written, or all is applied."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        posted = request.method == "POST"
        form = ImportBankForm(request.POST, request.FILES) if posted else ImportBankForm()
        errors: list[bankio.BankError] = []
        if posted and form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            try:
                report = _import_uploads(form.cleaned_data["files"], dry_run=dry_run)
            except bankio.BankInvalid as invalid:
                errors = invalid.errors
                messages.error(request, f"{len(errors)} problem(s) found; nothing was imported.")
            else:
                _report_import(request, report, dry_run=dry_run)
                if not dry_run:
                    return HttpResponseRedirect(reverse("admin:questions_question_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import question bank YAML",
            "form": form,
            # AdminForm works with any form; django-stubs types it for ModelForm only.
            "adminform": helpers.AdminForm(
                form,  # type: ignore[arg-type]
                [(None, {"fields": ["files", "dry_run"]})],
                prepopulated_fields={},
            ),
            "bank_errors": errors,
            "max_files": MAX_UPLOAD_FILES,
        }
        status = 422 if errors or form.errors else 200
        return TemplateResponse(
            request, "admin/questions/question/import_bank.html", context, status=status
        )


def _preview(html: str) -> SafeString | str:
    if not html:
        return "Shown after saving."
    # Stored HTML was sanitised by questions.markdown when the question was saved.
    return mark_safe(f'<div class="bank-preview" hx-disable>{html}</div>')


def _import_uploads(uploads: list[UploadedFile], *, dry_run: bool) -> bankio.Report:
    """Validate uploaded bank files with read_bank, then apply them; errors name the uploads."""
    with tempfile.TemporaryDirectory() as tmp:
        names: dict[str, str] = {}
        paths = []
        for index, upload in enumerate(uploads):
            # A folder per upload keeps each file's own name without collisions.
            target = Path(tmp) / str(index) / Path(upload.name or "bank.yaml").name
            target.parent.mkdir()
            with target.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            names[str(target)] = upload.name or target.name
            paths.append(target)
        try:
            files = bankio.read_bank(paths)
        except bankio.BankInvalid as invalid:
            raise bankio.BankInvalid(
                [replace(e, file=names.get(e.file, e.file)) for e in invalid.errors]
            ) from None
        return bankio.apply_bank(files, dry_run=dry_run)


def _report_import(request: HttpRequest, report: bankio.Report, *, dry_run: bool) -> None:
    if dry_run:
        messages.info(request, f"Dry run, nothing was written. It would give {report.summary()}.")
    elif report.changed:
        messages.success(request, f"Imported: {report.summary()}.")
    else:
        messages.info(request, f"Nothing to change: {report.summary()}.")
    for label, slugs in (("created", report.created), ("updated", report.updated)):
        if slugs:
            more = f" and {len(slugs) - 20} more" if len(slugs) > 20 else ""
            shown = ", ".join(slugs[:20]) + more
            verb = f"Would be {label}" if dry_run else label.capitalize()
            messages.info(request, f"{verb}: {shown}.")
