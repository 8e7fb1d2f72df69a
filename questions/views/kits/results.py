"""What candidates who took a kit chose to share: per question across candidates, then per
session. Answers in progress stay private; a withdrawn share disappears."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from interviewprep.http import AuthenticatedHttpRequest
from questions.models import (
    Attempt,
    Kit,
    PracticeSession,
)
from questions.models.practice import attempt_statistics
from questions.pagination import page_of
from questions.views.kits import get_kit_for_user

RESULTS_PER_PAGE = 20


def _shared_sessions(kit: Kit) -> Any:
    """Finished sessions whose candidate chose to share; answers in progress stay private."""
    return PracticeSession.objects.filter(kit=kit, share_results=True).exclude(
        status=PracticeSession.Status.IN_PROGRESS
    )


def _question_rows(kit: Kit) -> list[dict[str, Any]]:
    """Per question across the candidates who shared: one aggregate query, in kit order."""
    positions = dict(kit.items.values_list("question_id", "position"))
    rows = cast(
        list[dict[str, Any]],
        list(
            Attempt.objects.filter(session__in=_shared_sessions(kit), sub=0)
            .values("question_id")
            .annotate(title=Max("title"), sessions=Count("pk"), **attempt_statistics())
            .order_by()
        ),
    )
    for row in rows:
        seconds = row["average_time"].total_seconds() if row["average_time"] else None
        allowed = row["average_allowed"]
        row |= {
            "position": positions.get(row["question_id"]),
            "average_seconds": seconds,
            "time_share": round(100 * seconds / allowed) if seconds and allowed else None,
            # Everyone struggles yet stops early: the question, not the candidates, may be wrong.
            "suspect": row["graded"] >= 2
            and (row["average_grade"] or 4) <= 2
            and seconds is not None
            and allowed is not None
            and seconds < allowed / 2,
        }
    far = len(positions) + 1
    rows.sort(key=lambda r: (r["position"] or far, r["title"]))
    return rows


RESULT_ATTEMPT_FIELDS = (
    "session_id", "position", "sub", "title", "state", "answer", "late_answer", "late_saved_at",
    "key_points", "ticked", "grade", "time_spent", "allowed_seconds", "peeked", "timed_out",
    "red_flags", "flagged", "suggested_grade", "depth", "parent_sub",
)  # fmt: skip


@login_required
@require_GET
def kit_results(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    """Only sessions whose candidate chose to share; a withdrawn share disappears from here."""
    kit = get_kit_for_user(request, kit_id)
    attempts = Attempt.objects.only(*RESULT_ATTEMPT_FIELDS).order_by("position", "sub")
    shared = (
        _shared_sessions(kit)
        .select_related("owner")
        .only("status", "started_at", "finished_at", "question_count", "owner__username")
        .order_by("-started_at", "-pk")
        .prefetch_related(Prefetch("attempts", queryset=attempts))
    )
    page, notice = page_of(shared, request.GET.get("page"), RESULTS_PER_PAGE)
    if notice:
        messages.warning(request, notice)
    sessions = list(page.object_list)
    for session in sessions:
        grades = [a.grade for a in session.attempts.all() if a.grade and a.sub == 0]
        session.average_grade = sum(grades) / len(grades) if grades else None
    return render(
        request,
        "questions/kit_results.html",
        {
            "kit": kit,
            "question_rows": _question_rows(kit),
            "page_obj": page,
            "sessions": sessions,
            "shared_count": page.paginator.count,
            "in_progress_count": kit.sessions.filter(
                share_results=True, status=PracticeSession.Status.IN_PROGRESS
            ).count(),
        },
    )
