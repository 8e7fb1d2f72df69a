"""Hiring loops: several interview kits in order (round 1, 2, 3) under one name.

The same rules as kits: interviewers and staff only (403 otherwise), and a loop is found through
`_get_loop_for_user`, so another interviewer's loop is a 404.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interviewprep.http import AuthenticatedHttpRequest, go_to
from questions import services
from questions.forms import LoopForm
from questions.models import Kit, Loop, LoopRound
from questions.roles import require_interviewer
from questions.views.kits.outputs import guide_context


def _get_loop_for_user(request: AuthenticatedHttpRequest, loop_id: int) -> Loop:
    """The loop if the user owns it (staff: any loop); 403 for candidates, 404 otherwise."""
    require_interviewer(request)
    return get_object_or_404(
        Loop.objects.for_user(request.user).select_related("owner"), pk=loop_id
    )


def _rounds(loop: Loop) -> list[LoopRound]:
    kits = Kit.objects.with_totals().only("title", "round", "minutes")
    return list(loop.rounds.prefetch_related(Prefetch("kit", queryset=kits)).order_by("position"))


def _loop_context(loop: Loop, **extra: Any) -> dict[str, Any]:
    rounds = _rounds(loop)
    in_loop = [r.kit_id for r in rounds]
    addable = Kit.objects.filter(owner_id=loop.owner_id).exclude(pk__in=in_loop)
    return {
        "loop": loop,
        "rounds": rounds,
        "addable_kits": list(addable.only("title", "round").order_by("title")),
        "edit_form": extra.pop("edit_form", None) or LoopForm(instance=loop),
        **extra,
    }


def _after_round_change(
    request: AuthenticatedHttpRequest,
    loop: Loop,
    *,
    done: str = "",
    error: str = "",
    focus: dict[str, Any] | None = None,
) -> HttpResponse:
    if request.htmx:
        announce = "" if error else done
        context = _loop_context(loop, error=error, announce=announce, focus=focus or {})
        return render(
            request, "questions/loop_detail.html#rounds", context, status=422 if error else 200
        )
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect(loop.get_absolute_url() + "#rounds")


@login_required
@require_http_methods(["GET", "POST"])
def loop_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_interviewer(request)
    form = LoopForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        loop = Loop.objects.create(owner=request.user, **form.cleaned_data)
        messages.success(request, "Loop created. Add a kit for each round.")
        return redirect(loop)
    return render(
        request, "questions/loop_form.html", {"form": form}, status=422 if form.errors else 200
    )


@login_required
@require_GET
def loop_detail(request: AuthenticatedHttpRequest, loop_id: int) -> HttpResponse:
    loop = _get_loop_for_user(request, loop_id)
    return render(request, "questions/loop_detail.html", _loop_context(loop))


@login_required
@require_POST
def loop_edit(request: AuthenticatedHttpRequest, loop_id: int) -> HttpResponse:
    loop = _get_loop_for_user(request, loop_id)
    form = LoopForm(request.POST, instance=loop)
    if form.is_valid():
        form.save()
        messages.success(request, "Loop saved.")
        return redirect(loop)
    loop.refresh_from_db()
    context = _loop_context(loop, edit_form=form, edit_open=True)
    return render(request, "questions/loop_detail.html", context, status=422)


@login_required
@require_POST
def loop_delete(request: AuthenticatedHttpRequest, loop_id: int) -> HttpResponse:
    loop = _get_loop_for_user(request, loop_id)
    name = loop.name
    loop.delete()
    messages.success(request, f"Deleted the loop “{name}”. Its kits are still there.")
    url = reverse("questions:kit_list")
    return go_to(request, url)


@login_required
@require_POST
def loop_round_add(request: AuthenticatedHttpRequest, loop_id: int) -> HttpResponse:
    loop = _get_loop_for_user(request, loop_id)
    kit_id = request.POST.get("kit", "")
    if not (kit_id.isdigit() and len(kit_id) < 19):
        return _after_round_change(request, loop, error="Choose a kit for the next round.")
    try:
        loop_round = services.add_kit_to_loop(loop=loop, kit_id=int(kit_id))
    except services.KitError as refused:
        return _after_round_change(request, loop, error=str(refused))
    return _after_round_change(
        request, loop, done=f"Added “{loop_round.kit.title}” as round {loop_round.position}."
    )


@login_required
@require_POST
def loop_round_move(request: AuthenticatedHttpRequest, loop_id: int, round_id: int) -> HttpResponse:
    loop = _get_loop_for_user(request, loop_id)
    loop_round = get_object_or_404(loop.rounds.select_related("kit"), pk=round_id)
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        return _after_round_change(request, loop, error="Move a round up or down.")
    moved = services.move_loop_round(loop=loop, round_id=loop_round.pk, direction=direction)
    position = loop.rounds.filter(pk=loop_round.pk).values_list("position", flat=True).first()
    count = loop.rounds.count()
    title = loop_round.kit.title
    done = f"Moved “{title}” to round {position}." if moved else f"“{title}” did not move."
    at_end = (direction == "up" and position == 1) or (direction == "down" and position == count)
    focus_direction = {"up": "down", "down": "up"}[direction] if at_end else direction
    return _after_round_change(
        request, loop, done=done, focus={"round": loop_round.pk, "direction": focus_direction}
    )


@login_required
@require_POST
def loop_round_remove(
    request: AuthenticatedHttpRequest, loop_id: int, round_id: int
) -> HttpResponse:
    loop = _get_loop_for_user(request, loop_id)
    loop_round = get_object_or_404(loop.rounds.select_related("kit"), pk=round_id)
    services.remove_loop_round(loop=loop, round_id=loop_round.pk)
    return _after_round_change(
        request,
        loop,
        done=f"Took “{loop_round.kit.title}” out of the loop (the kit itself is kept).",
        focus={"heading": True},
    )


@login_required
@require_GET
def loop_guide(request: AuthenticatedHttpRequest, loop_id: int) -> HttpResponse:
    """Every round's interviewer guide on one printable page."""
    loop = _get_loop_for_user(request, loop_id)
    rounds = list(loop.rounds.select_related("kit").order_by("position"))
    guides = [{"position": r.position, **guide_context(r.kit)} for r in rounds]
    return render(request, "questions/loop_guide.html", {"loop": loop, "guides": guides})
