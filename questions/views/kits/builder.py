"""The kit list, creating a kit, and the builder: search the bank, add, move, edit, remove."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from interviewprep.http import AuthenticatedHttpRequest, go_to
from interviewprep.throttling import rate_limit
from questions import services
from questions.forms import KitForm, KitItemForm, QuestionFilterForm
from questions.models import (
    Kit,
    KitItem,
    Loop,
    Question,
    Topic,
)
from questions.models.kits import ROUND_SUGGESTIONS
from questions.pagination import page_of
from questions.roles import require_interviewer
from questions.views.kits import get_kit_for_user

SEARCH_LIMIT = 12
KIT_PAGE_SIZE = 20
KIT_SEARCH_FROM = 8  # kits before the list gets a search box
SEARCH_KEYS = tuple(QuestionFilterForm.base_fields)
# Tells the builder's search to refresh its "in the kit" marks after the kit changed.
KIT_CHANGED_EVENT = "kitChanged"


def _kit_items(kit: Kit) -> list[KitItem]:
    """The kit's items in order, with what the builder shows of each question."""
    return list(
        kit.items.with_minutes()
        .select_related("question__topic")
        .only(
            "kit_id",
            "position",
            "notes",
            "minutes",
            "question__slug",
            "question__title",
            "question__status",
            "question__level",
            "question__kind",
            "question__topic__name",
        )
        .order_by("position")
    )


def _items_context(kit: Kit, items: list[KitItem], **extra: Any) -> dict[str, Any]:
    usable = [item for item in items if item.is_usable]
    return {
        "kit": kit,
        "items": items,
        "item_count": len(items),
        "usable_count": len(usable),
        "unusable_count": len(items) - len(usable),
        "total_minutes": sum(item.minutes_allowed for item in usable),
        **extra,
    }


def _search_query(params: QueryDict) -> str:
    """The builder's search as a query string, with only its own keys (safe to redirect to)."""
    return urlencode([(key, params[key]) for key in SEARCH_KEYS if params.get(key)])


def _search_context(request: AuthenticatedHttpRequest, kit: Kit) -> dict[str, Any]:
    topics = list(Topic.objects.only("slug", "name"))
    form = QuestionFilterForm(request.GET, topics=topics)
    found = list(Question.objects.browse(**form.criteria())[: SEARCH_LIMIT + 1])
    in_kit = set(kit.items.values_list("question_id", flat=True))
    for question in found:
        question.in_kit = question.pk in in_kit  # type: ignore[attr-defined]
    return {
        "kit": kit,
        "search_form": form,
        "search_active": form.active,
        "search_notices": form.notices(),
        "results": found[:SEARCH_LIMIT],
        "more_results": len(found) > SEARCH_LIMIT,
        "search_query": _search_query(request.GET),
    }


def _builder_context(
    request: AuthenticatedHttpRequest, kit: Kit, settings_form: KitForm | None = None
) -> dict[str, Any]:
    items = _kit_items(kit)
    return {
        **_items_context(kit, items),
        **_search_context(request, kit),
        "settings_form": settings_form or KitForm(instance=kit),
        "settings_open": settings_form is not None,
        "round_suggestions": ROUND_SUGGESTIONS,
    }


def _kit_url(kit: Kit, query: str = "", anchor: str = "") -> str:
    return (
        kit.get_absolute_url() + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")
    )


def _after_item_change(
    request: AuthenticatedHttpRequest,
    kit: Kit,
    *,
    done: str = "",
    error: str = "",
    focus: dict[str, Any] | None = None,
    anchor: str = "",
    items: list[KitItem] | None = None,
) -> HttpResponse:
    """htmx: the refreshed list (the search refreshes itself on the event); else a redirect."""
    if request.htmx:
        if items is None:
            items = _kit_items(kit)
        announce = "" if error else done
        context = _items_context(kit, items, error=error, announce=announce, focus=focus or {})
        response = render(
            request, "questions/kit_detail.html#kit-items", context, status=422 if error else 200
        )
        return trigger_client_event(response, KIT_CHANGED_EVENT) if not error else response
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    query = _search_query(QueryDict(request.POST.get("return_query", "")))
    return redirect(_kit_url(kit, query, anchor or "kit-items"))


def _get_item(kit: Kit, item_id: int) -> KitItem:
    return get_object_or_404(
        kit.items.select_related("question").only("position", "question__title"), pk=item_id
    )


def _posted_id(request: AuthenticatedHttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@login_required
@require_GET
def kit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_interviewer(request)
    mine = Kit.objects.for_user(request.user)
    search = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    kits = (
        mine.with_totals()
        .select_related("owner")
        .only("title", "round", "minutes", "updated_at", "owner__username")
    )
    if search:
        kits = kits.filter(Q(title__icontains=search) | Q(round__icontains=search))
    kits = kits.order_by("-updated_at", "-pk")
    page, notice = page_of(kits, request.GET.get("page"), KIT_PAGE_SIZE)
    if notice:
        messages.warning(request, notice)
    # The search box appears once the list is long enough to need it.
    searchable = bool(search) or mine.count() > KIT_SEARCH_FROM
    loops = (
        Loop.objects.for_user(request.user)
        .annotate(round_count=Count("rounds"))
        .select_related("owner")
        .only("name", "description", "updated_at", "owner__username")
    )
    return render(
        request,
        "questions/kit_list.html",
        {
            "kits": list(page.object_list),
            "page_obj": page,
            "search": search,
            "searchable": searchable,
            "loops": list(loops),
            "show_owner": request.user.is_staff,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("kit_create")
def kit_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_interviewer(request)
    form = KitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        kit = services.create_kit(owner=request.user, **form.cleaned_data)
        messages.success(request, "Kit created. Now add questions from the bank.")
        return redirect(kit)
    return render(
        request,
        "questions/kit_form.html",
        {"form": form, "round_suggestions": ROUND_SUGGESTIONS},
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def kit_detail(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    if request.htmx:
        # The only htmx request to this page is the active search.
        return render(
            request, "questions/kit_detail.html#search-results", _search_context(request, kit)
        )
    return render(request, "questions/kit_detail.html", _builder_context(request, kit))


@login_required
@require_POST
def kit_edit(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    form = KitForm(request.POST, instance=kit)
    if form.is_valid():
        form.save()
        messages.success(request, "Kit settings saved.")
        return redirect(kit)
    kit.refresh_from_db()
    return render(
        request, "questions/kit_detail.html", _builder_context(request, kit, form), status=422
    )


@login_required
@require_POST
def kit_item_add(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    question_id = _posted_id(request, "question")
    if question_id is None:
        return _after_item_change(request, kit, error="Choose a question to add.")
    try:
        item = services.add_question_to_kit(kit=kit, question_id=question_id)
    except services.KitError as refused:
        return _after_item_change(request, kit, error=str(refused))
    return _after_item_change(
        request,
        kit,
        done=f"Added “{item.question.title}” as question {item.position}.",
        anchor=f"item-{item.pk}",
    )


@login_required
@require_POST
def kit_item_remove(request: AuthenticatedHttpRequest, kit_id: int, item_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    item = services.remove_kit_item(kit=kit, item_id=item_id)
    if item is None:
        return _after_item_change(request, kit, error="That question was already removed.")
    return _after_item_change(
        request, kit, done=f"Removed “{item.question.title}”.", focus={"heading": True}
    )


@login_required
@require_POST
def kit_item_move(request: AuthenticatedHttpRequest, kit_id: int, item_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        return _after_item_change(request, kit, error="Move a question up or down.")
    item = _get_item(kit, item_id)
    moved = services.move_kit_item(kit=kit, item_id=item.pk, direction=direction)
    items = _kit_items(kit)
    position = next((i.position for i in items if i.pk == item.pk), item.position)
    count = len(items)
    if moved:
        done = f"Moved “{item.question.title}” to position {position} of {count}."
    else:
        done = f"“{item.question.title}” is already {'first' if direction == 'up' else 'last'}."
    # Keep the keyboard where it was: the same button, or the other one at either end.
    at_end = (direction == "up" and position == 1) or (direction == "down" and position == count)
    focus_direction = {"up": "down", "down": "up"}[direction] if at_end else direction
    return _after_item_change(
        request,
        kit,
        done=done,
        focus={"item": item.pk, "direction": focus_direction},
        anchor=f"item-{item.pk}",
        items=items,
    )


@login_required
@require_POST
def kit_item_edit(request: AuthenticatedHttpRequest, kit_id: int, item_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    item = _get_item(kit, item_id)
    form = KitItemForm(request.POST)
    focus = {"edited": item.pk}
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _after_item_change(
            request, kit, error=f"“{item.question.title}”: {error}", focus=focus
        )
    services.update_kit_item(
        kit=kit,
        item_id=item.pk,
        notes=form.cleaned_data["notes"],
        minutes=form.cleaned_data["minutes"],
    )
    return _after_item_change(
        request,
        kit,
        done=f"Saved the notes and minutes of “{item.question.title}”.",
        focus=focus,
        anchor=f"item-{item.pk}",
    )


@login_required
@require_POST
@rate_limit("kit_create")
def kit_duplicate(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    copy = services.duplicate_kit(kit=kit, owner=request.user)
    messages.success(request, f"This is your copy of “{kit.title}”. Rename it under Kit settings.")
    url = copy.get_absolute_url()
    return go_to(request, url)


@login_required
@require_http_methods(["GET", "POST"])
def kit_delete(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
    if request.method == "POST":
        title = kit.title
        kit.delete()
        messages.success(request, f"Deleted the kit “{title}”.")
        url = reverse("questions:kit_list")
        return go_to(request, url)
    # Separate counts: one query joining all four would multiply their rows.
    counts = {
        "items": kit.items.count(),
        "links": kit.share_links.count(),
        "shared": kit.sessions.filter(share_results=True).count(),
        "loops": kit.loop_rounds.count(),
    }
    return render(request, "questions/kit_confirm_delete.html", {"kit": kit, "counts": counts})
