"""Share links: the owner creates and revokes them; a candidate with a live token sees the kit's
outline and starts it, and nothing else of it; a candidate shares or withdraws their results."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from interviewprep.http import AuthenticatedHttpRequest, go_to
from interviewprep.throttling import rate_limit
from questions import services
from questions.forms import ShareLinkForm, StartKitForm
from questions.models import (
    Kit,
    PracticeSession,
    ShareLink,
)
from questions.views.kits import get_kit_for_user


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
        "usable_count": kit.items.usable().count(),
    }


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("share_link_create")
def kit_share(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = get_kit_for_user(request, kit_id)
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
    kit = get_kit_for_user(request, kit_id)
    get_object_or_404(ShareLink, pk=link_id, kit=kit)
    revoked = services.revoke_share_link(kit=kit, link_id=link_id, now=timezone.now())
    done = "Link revoked: it no longer starts sessions." if revoked else "Already revoked."
    if request.htmx:
        context = _share_context(request, kit) | {"notice": done}
        return render(request, "questions/kit_share.html#share-links", context)
    messages.success(request, done)
    return redirect("questions:kit_share", kit_id=kit.pk)


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
            return go_to(request, url)
    outline = list(kit.items.usable().values_list("minutes", "question__topic__name"))
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
