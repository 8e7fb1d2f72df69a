"""Live interviews: a team's candidates, the interviewer's screen during the interview (one
question at a time, rubric, notes autosave, timer, rating), submitting a scorecard, corrections,
the debrief, and a candidate's packet (printable page, JSON, deletion).

A candidate is found through `_candidate` (team members only: 404 to everyone else, staff
included); a scorecard through `_own_scorecard` (its interviewer only). Other interviewers'
scorecards appear only where `interviews.may_see_others` allows (independent feedback).
"""

import functools
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interviewprep.http import AuthenticatedHttpRequest, HtmxHttpRequest
from interviewprep.names import clean_line
from interviewprep.throttling import rate_limit
from questions import calibration, interviews
from questions.models import (
    Candidate,
    FollowUp,
    KitItem,
    LoopRound,
    Membership,
    Question,
    Scorecard,
    ScorecardItem,
)
from questions.models.interviews import RATING_ANCHORS, Recommendation
from questions.roles import require_interviewer
from questions.views.practice import (
    answer_fields,
    clock_time,
    save_json,
    save_logged_out,
    save_refused,
    wants_json,
)
from questions.views.teams import refuse_on_team_page


def _candidate(
    request: AuthenticatedHttpRequest, candidate_id: int
) -> tuple[Candidate, Membership]:
    require_interviewer(request)
    candidate = get_object_or_404(
        Candidate.objects.for_user(request.user).select_related("team", "loop"), pk=candidate_id
    )
    membership = get_object_or_404(Membership, team_id=candidate.team_id, user_id=request.user.pk)
    return candidate, membership


def _own_scorecard(request: HtmxHttpRequest, scorecard_id: int) -> Scorecard:
    """The user's own scorecard, while they are still in its team; 404 otherwise."""
    return get_object_or_404(
        Scorecard.objects.select_related("candidate__team"),
        pk=scorecard_id,
        interviewer_id=request.user.pk,
        candidate__team__memberships__user_id=request.user.pk,
    )


def _own_item(
    request: HtmxHttpRequest, scorecard_id: int, item_id: int
) -> tuple[Scorecard, ScorecardItem]:
    scorecard = _own_scorecard(request, scorecard_id)
    return scorecard, get_object_or_404(ScorecardItem, pk=item_id, scorecard=scorecard)


@login_required
@require_POST
@rate_limit("team_write")
def candidate_create(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    require_interviewer(request)
    membership = get_object_or_404(
        Membership.objects.select_related("team"), team_id=team_id, user_id=request.user.pk
    )
    name = clean_line(request.POST.get("name", "")).strip()[:200]
    email = request.POST.get("email", "").strip()[:254]
    loop_raw = request.POST.get("loop", "")
    error = ""
    if email and ("@" not in email or " " in email or "\x00" in email):
        error = "That e-mail address does not look right."
    elif loop_raw and not (loop_raw.isdigit() and len(loop_raw) < 19):
        error = "Choose one of the team's loops."
    if not error:
        try:
            candidate = interviews.add_candidate(
                team=membership.team,
                loop_id=int(loop_raw) if loop_raw else None,
                name=name,
                email=email,
                by=request.user,
            )
        except interviews.ScorecardError as refused:
            error = str(refused)
    if error:
        return refuse_on_team_page(request, membership, error)
    messages.success(request, f"Added {candidate.name}.")
    return redirect(candidate)


def _rounds_for(candidate: Candidate) -> list[LoopRound]:
    if candidate.loop is None:
        return []
    return list(
        candidate.loop.rounds.select_related("kit")
        .prefetch_related("interviewers")
        .order_by("position")
    )


@login_required
@require_GET
def candidate_detail(request: AuthenticatedHttpRequest, candidate_id: int) -> HttpResponse:
    candidate, membership = _candidate(request, candidate_id)
    rounds = _rounds_for(candidate)
    own = {
        s.loop_round_id: s
        for s in Scorecard.objects.filter(candidate=candidate, interviewer=request.user)
    }
    see_others = interviews.may_see_others(
        candidate=candidate, user=request.user, membership=membership
    )
    others = []
    if see_others:
        others = list(
            Scorecard.objects.filter(candidate=candidate)
            .exclude(interviewer=request.user)
            .order_by("round_position", "interviewer_name")
        )
    counts: dict[int | None, int] = {}
    for state_round in Scorecard.objects.filter(candidate=candidate).values_list(
        "loop_round_id", flat=True
    ):
        counts[state_round] = counts.get(state_round, 0) + 1
    for loop_round in rounds:
        assigned = [u.pk for u in loop_round.interviewers.all()]
        loop_round.mine = own.get(loop_round.pk)  # type: ignore[attr-defined]
        loop_round.may_start = not assigned or request.user.pk in assigned  # type: ignore[attr-defined]
        loop_round.assigned_names = [u.username for u in loop_round.interviewers.all()]  # type: ignore[attr-defined]
    context = {
        "candidate": candidate,
        "team": candidate.team,
        "membership": membership,
        "rounds": rounds,
        "see_others": see_others,
        "others": others,
        "scorecard_total": sum(counts.values()),
    }
    return render(request, "questions/teams/candidate_detail.html", context)


@login_required
@require_POST
@rate_limit("interview_write")
def scorecard_start(
    request: AuthenticatedHttpRequest, candidate_id: int, round_id: int
) -> HttpResponse:
    candidate, _membership = _candidate(request, candidate_id)
    if candidate.loop_id is None:
        raise Http404("The candidate has no loop.")
    loop_round = get_object_or_404(
        LoopRound.objects.select_related("kit"), pk=round_id, loop_id=candidate.loop_id
    )
    try:
        scorecard = interviews.start_scorecard(
            candidate=candidate, loop_round=loop_round, interviewer=request.user, now=timezone.now()
        )
    except interviews.ScorecardError as refused:
        messages.error(request, str(refused))
        return redirect(candidate)
    return redirect(scorecard)


def _question_index(request: HtmxHttpRequest, count: int) -> int:
    raw = request.GET.get("q", "1")
    number = int(raw) if raw.isdigit() and len(raw) < 6 else 1
    return min(max(number, 1), max(count, 1))


@login_required
@require_GET
def scorecard_live(request: AuthenticatedHttpRequest, scorecard_id: int) -> HttpResponse:
    """The interviewer's screen: one question at a time, with its answer key and the scorecard."""
    scorecard = _own_scorecard(request, scorecard_id)
    items = list(scorecard.items.order_by("position"))
    number = _question_index(request, len(items))
    item = items[number - 1] if items else None
    question = None
    if item is not None and item.question_id is not None:
        question = (
            Question.objects.filter(pk=item.question_id)
            .prefetch_related(
                Prefetch("follow_ups", queryset=FollowUp.objects.order_by("position"))
            )
            .first()
        )
    now = timezone.now()
    kit_item_notes = ""
    if item is not None and scorecard.kit_id and item.question_id:
        kit_item_notes = (
            KitItem.objects.filter(kit_id=scorecard.kit_id, question_id=item.question_id)
            .values_list("notes", flat=True)
            .first()
            or ""
        )
    context = {
        "scorecard": scorecard,
        "candidate": scorecard.candidate,
        "items": items,
        "item": item,
        "number": number,
        "question": question,
        "follow_ups": question.follow_up_roots if question else [],
        "kit_notes": kit_item_notes,
        "points": [
            {"n": n, "text": text, "weight": weight, "ticked": n in item.ticked}
            for n, (text, weight) in enumerate(item.weighted_key_points)
        ]
        if item
        else [],
        "flags": [
            {"n": n, "text": text, "ticked": n in item.flagged}
            for n, text in enumerate(item.red_flags)
        ]
        if item
        else [],
        "elapsed": item.elapsed(now) if item else 0,
        "running": bool(item and item.timer_started_at),
        "anchors": sorted(RATING_ANCHORS.items()),
        "saved_at_display": clock_time(item.saved_at) if item else "",
        "rated": sum(1 for i in items if i.rating is not None),
    }
    return render(request, "questions/teams/scorecard_live.html", context)


def _live_url(scorecard: Scorecard, item: ScorecardItem, anchor: str = "") -> str:
    url = reverse("questions:scorecard", args=[scorecard.pk]) + f"?q={item.position}"
    return url + (f"#{anchor}" if anchor else "")


def _closed(request: HtmxHttpRequest, scorecard: Scorecard) -> HttpResponse:
    message = "This scorecard is submitted and final: add a correction instead."
    if wants_json(request):
        return JsonResponse({"status": "closed", "message": message}, status=409)
    if request.htmx:
        return HttpResponse(message, status=409)
    messages.error(request, message)
    return redirect(reverse("questions:scorecard_submit", args=[scorecard.pk]))


@require_POST
@never_cache
@rate_limit("interview_write")
def item_notes_save(request: HtmxHttpRequest, scorecard_id: int, item_id: int) -> HttpResponse:
    """Notes autosave: the answer box's protocol (`services.save_answer`), on a scorecard item.
    200 saved, 409 conflict (with the text saved) or closed, 422 invalid, 401 logged out."""
    if not request.user.is_authenticated:
        return save_logged_out(request, reverse("questions:scorecard", args=[scorecard_id]))
    scorecard, item = _own_item(request, scorecard_id, item_id)
    text, base, writer = answer_fields(request)
    if base is None:
        message = "The revision these notes are based on is missing: reload the page."
        return save_refused(request, message, _live_url(scorecard, item, "notes"))
    try:
        result = interviews.save_notes(
            scorecard=scorecard,
            item_id=item.pk,
            text=text,
            base=base,
            writer=writer,
            now=timezone.now(),
        )
    except interviews.ScorecardError as invalid:
        return save_refused(request, str(invalid), _live_url(scorecard, item, "notes"))
    if result is None:
        raise Http404("No such question.")
    if result.outcome == "closed":
        return _closed(request, scorecard)
    if wants_json(request):
        return save_json(request, result)
    if result.outcome == "conflict":
        messages.warning(
            request,
            "These notes were changed in another tab. The saved version is shown; "
            "your text was not saved: " + text[:2000],
        )
    else:
        messages.success(request, "Notes saved.")
    return redirect(_live_url(scorecard, item, "notes"))


@login_required
@require_GET
@never_cache
def item_notes_state(
    request: AuthenticatedHttpRequest, scorecard_id: int, item_id: int
) -> JsonResponse:
    """What the server holds for an item's notes, for a page to reconcile with what it shows."""
    scorecard, item = _own_item(request, scorecard_id, item_id)
    return JsonResponse(
        {
            "writable": interviews.scorecard_state(scorecard) == Scorecard.State.DRAFT,
            "revision": item.revision,
            "text": item.notes,
            "saved_at_display": clock_time(item.saved_at),
        }
    )


def _indexes(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 4]


@login_required
@require_POST
@rate_limit("interview_write")
def item_mark(request: AuthenticatedHttpRequest, scorecard_id: int, item_id: int) -> HttpResponse:
    """Ticked key points, red flags shown and the question's 1-4 rating."""
    scorecard, item = _own_item(request, scorecard_id, item_id)
    raw = request.POST.get("rating", "")
    rating: int | None = None
    error = ""
    if raw:
        if raw.isdigit() and len(raw) == 1:
            rating = int(raw)
        else:
            error = "A rating is 1 to 4."
    if not error:
        try:
            interviews.mark_item(
                scorecard=scorecard,
                item=item,
                ticked=_indexes(request.POST.getlist("ticked")),
                flagged=_indexes(request.POST.getlist("flagged")),
                rating=rating,
            )
        except interviews.ScorecardClosed:
            return _closed(request, scorecard)
        except interviews.ScorecardError as invalid:
            error = str(invalid)
    if error:
        if request.htmx:
            return HttpResponse(error, status=422)
        messages.error(request, error)
        response = redirect(_live_url(scorecard, item, "rubric"))
        return response
    if request.htmx:
        return HttpResponse(status=204)
    after = request.POST.get("next", "")
    target = item.position + 1 if after == "next" else item.position
    url = reverse("questions:scorecard", args=[scorecard.pk]) + f"?q={target}"
    return redirect(url if after == "next" else _live_url(scorecard, item, "rubric"))


@login_required
@require_POST
@rate_limit("interview_write")
def item_timer(request: AuthenticatedHttpRequest, scorecard_id: int, item_id: int) -> HttpResponse:
    scorecard, item = _own_item(request, scorecard_id, item_id)
    try:
        interviews.run_timer(
            scorecard=scorecard,
            item=item,
            action=request.POST.get("action", ""),
            now=timezone.now(),
        )
    except interviews.ScorecardClosed:
        return _closed(request, scorecard)
    except interviews.ScorecardError as invalid:
        if request.htmx:
            return HttpResponse(str(invalid), status=422)
        messages.error(request, str(invalid))
    item.refresh_from_db()
    if request.htmx:
        return JsonResponse(
            {"elapsed": item.elapsed(timezone.now()), "running": item.timer_started_at is not None}
        )
    return redirect(_live_url(scorecard, item, "timer"))


def _submit_context(scorecard: Scorecard, **extra: Any) -> dict[str, Any]:
    items = list(scorecard.items.order_by("position"))
    return {
        "scorecard": scorecard,
        "candidate": scorecard.candidate,
        "items": items,
        "unrated": [i for i in items if i.rating is None],
        "competencies": [
            {
                "n": n,
                "name": name,
                "value": extra.get("values", {}).get(f"competency_{n}", ""),
                "error": extra.get("errors", {}).get(f"competency_{n}", ""),
            }
            for n, name in enumerate(scorecard.competencies)
        ],
        "recommendations": Recommendation.choices,
        "anchors": sorted(RATING_ANCHORS.items()),
        "corrections": list(scorecard.corrections.all()),
        "competency_ratings": list(scorecard.competency_ratings.all()),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("interview_write")
def scorecard_submit(request: AuthenticatedHttpRequest, scorecard_id: int) -> HttpResponse:
    """The end of the interview: competency ratings, recommendation, rationale; final once sent.
    A second submission, or one with anything missing or out of range, changes nothing."""
    scorecard = _own_scorecard(request, scorecard_id)
    template = "questions/teams/scorecard_submit.html"
    if request.method == "GET":
        return render(request, template, _submit_context(scorecard))
    if scorecard.is_submitted:
        messages.error(
            request, "This scorecard is already submitted; it is final. Add a correction below."
        )
        return render(request, template, _submit_context(scorecard), status=409)
    values = {k: request.POST.get(k, "")[:10] for k in request.POST if k.startswith("competency_")}
    submission, errors = interviews.check_submission(
        scorecard,
        recommendation=request.POST.get("recommendation", ""),
        rationale=request.POST.get("rationale", ""),
        ratings=values,
    )
    if submission is None:
        context = _submit_context(
            scorecard,
            errors=errors,
            values=values,
            recommendation=request.POST.get("recommendation", ""),
            rationale=request.POST.get("rationale", "")[:6000],
        )
        return render(request, template, context, status=422)
    try:
        interviews.submit_scorecard(scorecard=scorecard, submission=submission, now=timezone.now())
    except interviews.ScorecardClosed:
        scorecard.refresh_from_db()
        messages.error(
            request, "This scorecard was already submitted (in another tab?); it is final."
        )
        return render(request, template, _submit_context(scorecard), status=409)
    messages.success(
        request, "Scorecard submitted. You can now read the other interviewers' scorecards."
    )
    return redirect(scorecard.candidate)


@login_required
@require_POST
@rate_limit("interview_write")
def scorecard_correct(request: AuthenticatedHttpRequest, scorecard_id: int) -> HttpResponse:
    scorecard = _own_scorecard(request, scorecard_id)
    try:
        interviews.add_correction(
            scorecard=scorecard,
            author=request.user,
            text=request.POST.get("text", "")[:6000],
            now=timezone.now(),
        )
    except interviews.ScorecardError as invalid:
        messages.error(request, str(invalid))
        status = 409 if not scorecard.is_submitted else 422
        context = _submit_context(scorecard, correction_error=str(invalid))
        return render(request, "questions/teams/scorecard_submit.html", context, status=status)
    messages.success(request, "Correction added; the scorecard shows it below what you submitted.")
    return redirect(reverse("questions:scorecard_submit", args=[scorecard.pk]) + "#corrections")


def _debrief_access(
    view: Callable[[AuthenticatedHttpRequest, Candidate, Membership], HttpResponse],
) -> Callable[[AuthenticatedHttpRequest, int], HttpResponse]:
    """For the debrief and the packet: the view gets the candidate and the user's membership,
    or the locked page (403) is shown while `interviews.may_see_others` does not allow it."""

    @functools.wraps(view)
    def checked(request: AuthenticatedHttpRequest, candidate_id: int) -> HttpResponse:
        candidate, membership = _candidate(request, candidate_id)
        user = request.user
        if not interviews.may_see_others(candidate=candidate, user=user, membership=membership):
            context = {"candidate": candidate, "team": candidate.team}
            return render(request, "questions/teams/debrief_locked.html", context, status=403)
        return view(request, candidate, membership)

    return checked


@login_required
@require_GET
@_debrief_access
def candidate_debrief(
    request: AuthenticatedHttpRequest, candidate: Candidate, membership: Membership
) -> HttpResponse:
    pending = list(
        Scorecard.objects.filter(candidate=candidate, state=Scorecard.State.DRAFT).values_list(
            "interviewer_name", "round_position"
        )
    )
    context = {
        "candidate": candidate,
        "team": candidate.team,
        "membership": membership,
        "debrief": calibration.debrief(candidate),
        "pending": pending,
    }
    return render(request, "questions/teams/debrief.html", context)


def packet_data(candidate: Candidate, debrief: calibration.Debrief) -> dict[str, Any]:
    """Everything the team holds about a candidate: scorecards, notes, ratings, decisions."""
    return {
        "candidate": {
            "name": candidate.name,
            "email": candidate.email,
            "added": candidate.created_at.isoformat(),
        },
        "team": candidate.team.name,
        "loop": candidate.loop.name if candidate.loop else None,
        "scorecards": [
            {
                "round": r["scorecard"].round_position,
                "round_title": r["scorecard"].round_title,
                "interviewer": r["scorecard"].interviewer_name,
                "submitted_at": r["scorecard"].submitted_at.isoformat(),
                "recommendation": r["scorecard"].recommendation,
                "rationale": r["scorecard"].rationale,
                "competencies": {
                    c.competency: c.rating for c in r["scorecard"].competency_ratings.all()
                },
                "questions": [
                    {
                        "title": q["item"].title,
                        "rating": q["item"].rating,
                        "key_points_covered": [p["text"] for p in q["points"] if p["covered"]],
                        "key_points_missed": [p["text"] for p in q["points"] if not p["covered"]],
                        "red_flags_shown": q["flags"],
                        "notes": q["item"].notes,
                    }
                    for q in r["questions"]
                ],
                "corrections": [
                    {"by": c.author_name, "at": c.created_at.isoformat(), "text": c.text}
                    for c in r["scorecard"].corrections.all()
                ],
            }
            for r in debrief.rounds
        ],
        "disagreements": debrief.flags,
    }


@login_required
@require_GET
@_debrief_access
def candidate_packet(
    request: AuthenticatedHttpRequest, candidate: Candidate, _membership: Membership
) -> HttpResponse:
    context = {
        "candidate": candidate,
        "team": candidate.team,
        "debrief": calibration.debrief(candidate),
    }
    return render(request, "questions/teams/packet.html", context)


@login_required
@require_GET
@_debrief_access
def candidate_packet_json(
    request: AuthenticatedHttpRequest, candidate: Candidate, _membership: Membership
) -> HttpResponse:
    data = packet_data(candidate, calibration.debrief(candidate))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    name = slugify(candidate.name)[:60] or "candidate"
    response["Content-Disposition"] = f'attachment; filename="packet-{name}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def candidate_delete(request: AuthenticatedHttpRequest, candidate_id: int) -> HttpResponse:
    """Delete a candidate's packet (managers): every scorecard, note, rating and correction."""
    candidate, membership = _candidate(request, candidate_id)
    if not membership.is_manager:
        raise PermissionDenied("Only the team's managers delete a candidate's packet.")
    if request.method == "GET":
        count = candidate.scorecards.count()
        context = {"candidate": candidate, "team": candidate.team, "count": count}
        return render(request, "questions/teams/candidate_delete.html", context)
    team = candidate.team
    count = interviews.delete_candidate(candidate=candidate)
    messages.success(
        request,
        f"Deleted the candidate's packet: {count} scorecard{'s' if count != 1 else ''} "
        "and every note.",
    )
    return redirect(team)
