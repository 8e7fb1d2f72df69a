"""A kit on paper and in files: the interviewer's guide, the candidate's version, JSON and
Markdown downloads (made in `questions/kitio.py`)."""

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from interviewprep.http import AuthenticatedHttpRequest
from questions.kitio import kit_export_data, kit_markdown
from questions.models import (
    Kit,
)
from questions.views.kits import get_kit_for_user


def guide_context(kit: Kit, *, usable_only: bool = False) -> dict[str, Any]:
    """The guide's items with their whole questions: all of them, or only what candidates get."""
    rows = kit.items.usable() if usable_only else kit.items.all()
    items = list(rows.with_questions())
    usable = [item for item in items if item.is_usable]
    return {
        "kit": kit,
        "items": items,
        "usable_count": len(usable),
        "total_minutes": sum(item.minutes_allowed for item in usable),
    }


@login_required
@require_GET
def kit_guide(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    return render(request, "questions/kit_guide.html", guide_context(kit))


@login_required
@require_GET
def kit_candidate(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    return render(request, "questions/kit_candidate.html", guide_context(kit, usable_only=True))


def _download(content: str, content_type: str, kit: Kit, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    filename = f"{slugify(kit.title) or 'kit'}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def kit_export_json(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    content = json.dumps(kit_export_data(kit), indent=2, ensure_ascii=False)
    return _download(content + "\n", "application/json", kit, "json")


@login_required
@require_GET
def kit_export_markdown(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    return _download(kit_markdown(kit_export_data(kit)), "text/markdown", kit, "md")
