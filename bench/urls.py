"""The app's URLs plus two bare views: the baselines the benchmarks compare against."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from interviewprep.urls import urlpatterns as app_urlpatterns
from questions.models import Attempt


@require_POST
@login_required
def bare_update(request: HttpRequest, attempt_id: int) -> JsonResponse:
    """One UPDATE, on the same stack (middleware, session, auth, CSRF) as autosave."""
    Attempt.objects.filter(pk=attempt_id).update(saved_at=timezone.now())
    return JsonResponse({"status": "saved"})


@require_GET
@login_required
def bare_read(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """A page of the site (same middleware, same base layout) that reads one row."""
    title = Attempt.objects.values_list("title", flat=True).get(pk=attempt_id)
    return render(request, "bench/bare_page.html", {"title": title})


urlpatterns = [
    path("bench/bare-update/<int:attempt_id>/", bare_update),
    path("bench/bare-read/<int:attempt_id>/", bare_read),
    *app_urlpatterns,
]
