"""Interview kits: build, print, export and share question sets, and read shared results.

Only interviewers and staff reach the kit pages (403 for other signed-in users). A kit is found
through `_get_kit_for_user`, so another interviewer's kit is a 404. The share page is the one
door for candidates: a signed-in user with an active token may start the kit, and sees nothing
else of it. Loops live in `loops.py`.
"""

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Max, Prefetch, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from interviewprep.http import AuthenticatedHttpRequest
from interviewprep.throttling import rate_limit
from questions import services
from questions.forms import KitForm, KitItemForm, KitSearchForm, ShareLinkForm, StartKitForm
from questions.models import (
    Attempt,
    FollowUp,
    Kit,
    KitItem,
    Loop,
    PracticeSession,
    Question,
    ShareLink,
    Topic,
)
from questions.models.kits import ROUND_SUGGESTIONS
from questions.models.practice import AttemptState, Grade
from questions.roles import is_interviewer
from questions.teams import mark_for_audit, team_panel

SEARCH_LIMIT = 12
KIT_PAGE_SIZE = 20
KIT_SEARCH_FROM = 8  # kits before the list gets a search box
RESULTS_PER_PAGE = 20
SEARCH_KEYS = ("q", "topic", "level", "kind")
# Tells the builder's search to refresh its "in the kit" marks after the kit changed.
KIT_CHANGED_EVENT = "kitChanged"


def require_interviewer(request: AuthenticatedHttpRequest) -> None:
    if not is_interviewer(request.user):
        raise PermissionDenied("Only interviewers and staff work with interview kits.")


def _get_kit_for_user(request: AuthenticatedHttpRequest, kit_id: int) -> Kit:
    """The kit if the user may see it (own or a team's; staff: any); 403 for candidates and for
    a team member's write without editor rights (copying is using), 404 otherwise."""
    require_interviewer(request)
    kit = get_object_or_404(Kit.objects.for_user(request.user).select_related("owner"), pk=kit_id)
    writing = request.method == "POST" and request.resolver_match.url_name != "kit_duplicate"
    if writing and not kit.is_editable_by(request.user):
        raise PermissionDenied("Only the team's managers and editors change its kits.")
    if writing:
        mark_for_audit(request, kit)
    return kit


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole, rest = divmod(round(seconds), 60)
    if not whole:
        return f"{rest} s"
    return f"{whole} min" + (f" {rest} s" if rest else "")


def _grade_text(average: float | None) -> str:
    if average is None:
        return "–"
    return f"{average:.1f} ({Grade(round(average)).label})"


def _kit_items(kit: Kit) -> list[KitItem]:
    """The kit's items in order, with what the builder shows of each question."""
    items = list(
        kit.items.select_related("question__topic")
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
    for item in items:
        item.usable = item.question.status == Question.Status.PUBLISHED  # type: ignore[attr-defined]
        item.effective_minutes = item.minutes or kit.minutes  # type: ignore[attr-defined]
    return items


def _items_context(kit: Kit, items: list[KitItem], **extra: Any) -> dict[str, Any]:
    usable = [item for item in items if item.usable]  # type: ignore[attr-defined]
    return {
        "kit": kit,
        "items": items,
        "item_count": len(items),
        "usable_count": len(usable),
        "unusable_count": len(items) - len(usable),
        "total_minutes": sum(item.effective_minutes for item in usable),  # type: ignore[attr-defined]
        **extra,
    }


def _search_query(params: QueryDict) -> str:
    """The builder's search as a query string, with only its own keys (safe to redirect to)."""
    return urlencode([(key, params[key]) for key in SEARCH_KEYS if params.get(key)])


def _search_context(request: AuthenticatedHttpRequest, kit: Kit) -> dict[str, Any]:
    topics = list(Topic.objects.only("slug", "name"))
    form = KitSearchForm(request.GET, topics=topics)
    values = form.values()
    questions = (
        Question.objects.published()
        .filter_by(topic=values["topic"], level=values["level"], kind=values["kind"])
        .search(values["q"])
        .for_list()
    )
    found = list(questions[: SEARCH_LIMIT + 1])
    in_kit = set(kit.items.values_list("question_id", flat=True))
    for question in found:
        question.in_kit = question.pk in in_kit  # type: ignore[attr-defined]
    return {
        "kit": kit,
        "search_form": form,
        "search_active": any(values.values()),
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
        "team_panel": (panel := team_panel(request.user, kit)),
        # A team member without editor rights sees the kit, not the builder's controls.
        "read_only": not panel["can_edit"],
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


# The list and creating ------------------------------------------------------------------------


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
    page = Paginator(kits, KIT_PAGE_SIZE).get_page(request.GET.get("page"))
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
            "page": page,
            "query": urlencode({"q": search}) if search else "",
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


# The builder ----------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def kit_detail(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = _get_kit_for_user(request, kit_id)
    if request.htmx:
        # The only htmx request to this page is the active search.
        return render(
            request, "questions/kit_detail.html#search-results", _search_context(request, kit)
        )
    return render(request, "questions/kit_detail.html", _builder_context(request, kit))


@login_required
@require_POST
def kit_edit(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = _get_kit_for_user(request, kit_id)
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
    kit = _get_kit_for_user(request, kit_id)
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
    kit = _get_kit_for_user(request, kit_id)
    item = services.remove_kit_item(kit=kit, item_id=item_id)
    if item is None:
        return _after_item_change(request, kit, error="That question was already removed.")
    return _after_item_change(
        request, kit, done=f"Removed “{item.question.title}”.", focus={"heading": True}
    )


@login_required
@require_POST
def kit_item_move(request: AuthenticatedHttpRequest, kit_id: int, item_id: int) -> HttpResponse:
    kit = _get_kit_for_user(request, kit_id)
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
    kit = _get_kit_for_user(request, kit_id)
    item = _get_item(kit, item_id)
    form = KitItemForm(request.POST)
    focus = {"edited": item.pk}
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
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
    kit = _get_kit_for_user(request, kit_id)
    copy = services.duplicate_kit(kit=kit, owner=request.user)
    messages.success(request, f"This is your copy of “{kit.title}”. Rename it under Kit settings.")
    url = copy.get_absolute_url()
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def kit_delete(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = _get_kit_for_user(request, kit_id)
    if request.method == "POST":
        title = kit.title
        kit.delete()
        messages.success(request, f"Deleted the kit “{title}”.")
        url = reverse("questions:kit_list")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    # Separate counts: one query joining all four would multiply their rows.
    counts = {
        "items": kit.items.count(),
        "links": kit.share_links.count(),
        "shared": kit.sessions.filter(share_results=True).count(),
        "loops": kit.loop_rounds.count(),
    }
    return render(request, "questions/kit_confirm_delete.html", {"kit": kit, "counts": counts})


# Print and export -----------------------------------------------------------------------------


def _guide_items(kit: Kit, *, usable_only: bool = False) -> list[KitItem]:
    """Items with their whole questions and follow-ups, for the guides and exports."""
    items = kit.items.select_related("question__topic").defer("question__search")
    if usable_only:
        items = items.usable()
    follow_ups = Prefetch("question__follow_ups", queryset=FollowUp.objects.order_by("position"))
    result = list(items.prefetch_related(follow_ups).order_by("position"))
    for item in result:
        item.usable = item.question.status == Question.Status.PUBLISHED  # type: ignore[attr-defined]
        item.effective_minutes = item.minutes or kit.minutes  # type: ignore[attr-defined]
    return result


def guide_context(kit: Kit, *, usable_only: bool = False) -> dict[str, Any]:
    items = _guide_items(kit, usable_only=usable_only)
    usable = [item for item in items if item.usable]  # type: ignore[attr-defined]
    return {
        "kit": kit,
        "items": items,
        "usable_count": len(usable),
        "total_minutes": sum(item.effective_minutes for item in usable),  # type: ignore[attr-defined]
    }


@login_required
@require_GET
def kit_guide(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = _get_kit_for_user(request, kit_id)
    return render(request, "questions/kit_guide.html", guide_context(kit))


@login_required
@require_GET
def kit_candidate(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = _get_kit_for_user(request, kit_id)
    return render(request, "questions/kit_candidate.html", guide_context(kit, usable_only=True))


def kit_export_data(kit: Kit) -> dict[str, Any]:
    """The kit as plain data: what the JSON export holds and the Markdown export is made from."""
    return {
        "kit": {
            "title": kit.title,
            "round": kit.round,
            "description": kit.description,
            "minutes_per_question": kit.minutes,
        },
        "questions": [
            {
                "position": item.position,
                "slug": item.question.slug,
                "title": item.question.title,
                "status": item.question.status,
                "topic": item.question.topic.name,
                "level": item.question.level,
                "kind": item.question.kind,
                "minutes": item.effective_minutes,  # type: ignore[attr-defined]
                "notes": item.notes,
                "prompt": item.question.prompt,
                "answer": item.question.answer,
                "key_points": list(item.question.key_points),
                "key_point_weights": [w for _, w in item.question.weighted_key_points],
                "red_flags": list(item.question.red_flags),
                "follow_ups": [_follow_up_export(f) for f in item.question.follow_up_roots],
            }
            for item in _guide_items(kit)
        ],
    }


def _follow_up_export(follow_up: FollowUp) -> dict[str, Any]:
    """A follow-up with its chained follow-ups nested under it."""
    return {
        "prompt": follow_up.prompt,
        "answer": follow_up.answer,
        "key_points": list(follow_up.key_points),
        "key_point_weights": [w for _, w in follow_up.weighted_key_points],
        "follow_ups": [_follow_up_export(f) for f in follow_up.children],  # type: ignore[attr-defined]
    }


def _markdown_points(points: list[str], weights: list[str], indent: str) -> list[str]:
    return [f"{indent}- [ ] {p} _({w})_" for p, w in zip(points, weights, strict=True)]


def _markdown_follow_ups(follow_ups: list[dict[str, Any]], indent: str) -> list[str]:
    """Numbered follow-ups; chained ones nested (indented) under their parent."""
    lines = []
    for n, f in enumerate(follow_ups, start=1):
        lines += [f"{indent}{n}. {f['prompt']}", "", f"{indent}   Answer: {f['answer']}", ""]
        lines += _markdown_points(f["key_points"], f["key_point_weights"], indent + "   ")
        lines += [""] if f["key_points"] else []
        if f["follow_ups"]:
            lines += [f"{indent}   Going deeper:", ""]
            lines += _markdown_follow_ups(f["follow_ups"], indent + "   ")
    return lines


def kit_markdown(data: dict[str, Any]) -> str:
    kit = data["kit"]
    lines = [f"# {kit['title']}", ""]
    if kit["round"]:
        lines.append(f"Round: {kit['round']}  ")
    lines += [f"Minutes per question: {kit['minutes_per_question']}", ""]
    if kit["description"]:
        lines += [kit["description"], ""]
    for q in data["questions"]:
        lines += [f"## {q['position']}. {q['title']} ({q['minutes']} min)", ""]
        facts = f"*{q['topic']} · {q['level']} · {q['kind']}*"
        if q["status"] != Question.Status.PUBLISHED:
            facts += f" **({q['status']}: candidates do not get it)**"
        lines += [facts, "", q["prompt"], "", "### Model answer", "", q["answer"], ""]
        if q["key_points"]:
            lines += ["### Key points", ""]
            lines += _markdown_points(q["key_points"], q["key_point_weights"], "") + [""]
        if q["red_flags"]:
            lines += ["### Red flags", ""] + [f"- [ ] {flag}" for flag in q["red_flags"]] + [""]
        if q["follow_ups"]:
            lines += ["### Follow-ups", ""] + _markdown_follow_ups(q["follow_ups"], "")
        if q["notes"]:
            lines += ["### Interviewer notes", "", q["notes"], ""]
    return "\n".join(lines).rstrip() + "\n"


def _download(content: str, content_type: str, kit: Kit, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    filename = f"{slugify(kit.title) or 'kit'}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def kit_export_json(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = _get_kit_for_user(request, kit_id)
    content = json.dumps(kit_export_data(kit), indent=2, ensure_ascii=False)
    return _download(content + "\n", "application/json", kit, "json")


@login_required
@require_GET
def kit_export_markdown(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = _get_kit_for_user(request, kit_id)
    return _download(kit_markdown(kit_export_data(kit)), "text/markdown", kit, "md")


# Share links (the owner's side) ---------------------------------------------------------------


def _share_context(
    request: AuthenticatedHttpRequest, kit: Kit, form: ShareLinkForm | None = None
) -> dict[str, Any]:
    now = timezone.now()
    links = list(kit.share_links.all())
    for link in links:
        link.current_state = link.state(now)  # type: ignore[attr-defined]
        link.url = request.build_absolute_uri(link.get_absolute_url())  # type: ignore[attr-defined]
    return {
        "kit": kit,
        "links": links,
        "form": form or ShareLinkForm(),
        "usable_count": kit.items.shareable().count(),
    }


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("share_link_create")
def kit_share(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = _get_kit_for_user(request, kit_id)
    if request.method == "GET":
        return render(request, "questions/kit_share.html", _share_context(request, kit))
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        template = "questions/kit_share.html" + ("#share-links" if request.htmx else "")
        return render(request, template, _share_context(request, kit, form), status=422)
    now = timezone.now()
    days = form.cleaned_data["expires_in_days"]
    link = services.create_share_link(
        kit=kit,
        now=now,
        expires_at=now + timedelta(days=days) if days else None,
        label=form.cleaned_data["label"],
    )
    if request.htmx:
        context = _share_context(request, kit) | {"created": link.pk}
        return render(request, "questions/kit_share.html#share-links", context)
    messages.success(request, "Link created. Copy it from the list and send it to candidates.")
    return redirect(reverse("questions:kit_share", args=[kit.pk]) + f"#link-{link.pk}")


@login_required
@require_POST
def kit_share_revoke(request: AuthenticatedHttpRequest, kit_id: int, link_id: int) -> HttpResponse:
    kit = _get_kit_for_user(request, kit_id)
    get_object_or_404(ShareLink, pk=link_id, kit=kit)
    revoked = services.revoke_share_link(kit=kit, link_id=link_id, now=timezone.now())
    done = "Link revoked: it no longer starts sessions." if revoked else "Already revoked."
    if request.htmx:
        context = _share_context(request, kit) | {"notice": done}
        return render(request, "questions/kit_share.html#share-links", context)
    messages.success(request, done)
    return redirect("questions:kit_share", kit_id=kit.pk)


# The share page (the candidate's side) --------------------------------------------------------


def _unavailable(request: AuthenticatedHttpRequest, state: str) -> HttpResponse:
    # Gone for links that existed (revoked or expired), not found for anything else.
    status = 404 if state == "unknown" else 410
    return render(request, "questions/kit_share_unavailable.html", {"state": state}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("share_link_open", methods=("GET", "POST"))
def kit_share_page(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """What a token grants: the kit's outline and a way to start it. Never anyone's answers."""
    now = timezone.now()
    try:
        link = services.resolve_share_link(token=token, now=now)
    except services.ShareLinkUnavailable as unavailable:
        return _unavailable(request, unavailable.state)
    kit = link.kit
    form = StartKitForm(request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            session = services.start_kit_session(
                user=request.user,
                token=token,
                share_results=form.cleaned_data["share_results"],
                now=now,
            )
        except services.ShareLinkUnavailable as unavailable:
            return _unavailable(request, unavailable.state)
        except services.KitError as refused:
            error = str(refused)
        else:
            url = session.get_absolute_url()
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    outline = list(kit.items.shareable().values_list("minutes", "question__topic__name"))
    topics = sorted({topic for _, topic in outline})
    own_sessions = list(
        PracticeSession.objects.for_user(request.user)
        .filter(kit=kit)
        .only("title", "status", "started_at", "share_results")[:5]
    )
    context = {
        "link": link,
        "kit": kit,
        "form": form,
        "error": error,
        "question_count": len(outline),
        "total_minutes": sum(minutes or kit.minutes for minutes, _ in outline),
        "topics": topics,
        "own_sessions": own_sessions,
    }
    return render(request, "questions/kit_share_page.html", context, status=409 if error else 200)


# Results --------------------------------------------------------------------------------------


def _shared_sessions(kit: Kit) -> Any:
    """Finished sessions whose candidate chose to share; answers in progress stay private."""
    return PracticeSession.objects.filter(kit=kit, share_results=True).exclude(
        status=PracticeSession.Status.IN_PROGRESS
    )


def _question_rows(kit: Kit) -> list[dict[str, Any]]:
    """Per question across the candidates who shared: one aggregate query, in kit order."""
    positions = dict(kit.items.values_list("question_id", "position"))
    answered = Q(state__in=[AttemptState.SUBMITTED, AttemptState.GRADED])
    rows = list(
        Attempt.objects.filter(session__in=_shared_sessions(kit), sub=0)
        .values("question_id")
        .annotate(
            title=Max("title"),
            sessions=Count("pk"),
            answered=Count("pk", filter=answered),
            graded=Count("grade"),
            average_grade=Avg("grade"),
            average_time=Avg("time_spent"),
            average_allowed=Avg("allowed_seconds"),
            skipped=Count("pk", filter=Q(state=AttemptState.SKIPPED)),
            peeked=Count("pk", filter=Q(peeked=True)),
        )
        .order_by()
    )
    for row in rows:
        total = row["sessions"]
        seconds = row["average_time"].total_seconds() if row["average_time"] else None
        allowed = row["average_allowed"]
        row |= {
            "position": positions.get(row["question_id"]),
            "grade_text": _grade_text(row["average_grade"]),
            "time_text": format_seconds(seconds),
            "allowed_text": format_seconds(allowed) if allowed else "",
            "time_share": round(100 * seconds / allowed) if seconds and allowed else None,
            "skip_rate": round(100 * row["skipped"] / total) if total else 0,
            "peek_rate": round(100 * row["peeked"] / total) if total else 0,
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
    kit = _get_kit_for_user(request, kit_id)
    attempts = Attempt.objects.only(*RESULT_ATTEMPT_FIELDS).order_by("position", "sub")
    shared = (
        _shared_sessions(kit)
        .select_related("owner")
        .only("status", "started_at", "finished_at", "question_count", "owner__username")
        .order_by("-started_at", "-pk")
        .prefetch_related(Prefetch("attempts", queryset=attempts))
    )
    page = Paginator(shared, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    sessions = list(page.object_list)
    for session in sessions:
        grades = [a.grade for a in session.attempts.all() if a.grade and a.sub == 0]
        session.grade_text = _grade_text(sum(grades) / len(grades) if grades else None)  # type: ignore[attr-defined]
        for attempt in session.attempts.all():
            attempt.time_text = format_seconds(attempt.seconds_spent)  # type: ignore[attr-defined]
            attempt.allowed_text = format_seconds(attempt.allowed_seconds)  # type: ignore[attr-defined]
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


# Sharing a session's results (the candidate's summary page) -----------------------------------


@login_required
@require_POST
def session_sharing(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(
        PracticeSession.objects.for_user(request.user).filter(kit__isnull=False), pk=session_id
    )
    share = request.POST.get("share") == "1"
    services.set_session_sharing(session=session, user=request.user, share=share)
    done = (
        "Your results are shared with the kit's owner."
        if share
        else "Your results are no longer shared."
    )
    if request.htmx:
        return render(
            request,
            "questions/session_summary.html#kit-sharing",
            {"session": session, "sharing_notice": done},
        )
    messages.success(request, done)
    return redirect("questions:session_summary", session_id=session.pk)
