"""Bank statistics in admin: which questions people find hardest, skip or peek at.

A read-only list over a proxy of Question, aggregated in the database from every main attempt
(follow-ups count towards their own rows, not here). Hardest first: the lowest average grade.
"""

from datetime import timedelta

from django.contrib import admin
from django.db.models import F, QuerySet
from django.db.models.expressions import Combinable
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from questions.models import QuestionStatistics
from questions.models.practice import attempt_statistics
from questions.templatetags.stats import format_grade, format_percent
from questions.templatetags.timefmt import format_duration


@admin.register(QuestionStatistics)
class QuestionStatisticsAdmin(admin.ModelAdmin):
    list_display = (
        "question_link",
        "topic",
        "level",
        "status",
        "attempt_count",
        "average_grade_shown",
        "average_time_shown",
        "skip_rate_shown",
        "peek_rate_shown",
    )
    # No link to this read-only row: the question's own link is the first column (a second,
    # wrapping link would nest <a> in <a> and leave an empty link behind).
    list_display_links = None
    list_filter = ("status", "topic", "level", "kind")
    search_fields = ("title", "slug")
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("topic")
            .only("title", "slug", "level", "status", "topic__name")
            .annotate(**attempt_statistics("attempts__"))
        )

    def get_ordering(self, request: HttpRequest) -> list[Combinable | str]:
        # Hardest first; questions nobody has graded yet go last. (Expressions here, because the
        # `ordering` option only accepts model fields.)
        return [F("average_grade").asc(nulls_last=True), F("attempt_count").desc(), "title"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Whoever may view questions may view their statistics.
        return (
            request.user.is_active
            and request.user.is_staff
            and (
                request.user.has_perm("questions.view_question")
                or request.user.has_perm("questions.change_question")
            )
        )

    @admin.display(description="question", ordering="title")
    def question_link(self, obj: QuestionStatistics) -> SafeString:
        url = reverse("admin:questions_question_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.title)

    @admin.display(description="attempts", ordering="attempt_count")
    def attempt_count(self, obj: QuestionStatistics) -> int:
        return obj.attempt_count  # type: ignore[attr-defined]

    @admin.display(description="average grade", ordering="average_grade")
    def average_grade_shown(self, obj: QuestionStatistics) -> str:
        return format_grade(obj.average_grade, places=2)  # type: ignore[attr-defined]

    @admin.display(description="average time", ordering="average_time")
    def average_time_shown(self, obj: QuestionStatistics) -> str:
        average: timedelta | None = obj.average_time  # type: ignore[attr-defined]
        if average is None:
            return "–"
        return format_duration(average)

    @admin.display(description="skipped", ordering="skip_rate")
    def skip_rate_shown(self, obj: QuestionStatistics) -> str:
        return format_percent(obj.skip_rate)  # type: ignore[attr-defined]

    @admin.display(description="peeked", ordering="peek_rate")
    def peek_rate_shown(self, obj: QuestionStatistics) -> str:
        return format_percent(obj.peek_rate)  # type: ignore[attr-defined]
