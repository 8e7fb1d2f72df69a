from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bench.bare.models import Note


@csrf_exempt
@require_POST
def update(request: HttpRequest, pk: int) -> JsonResponse:
    """One UPDATE by primary key."""
    Note.objects.filter(pk=pk).update(text=request.POST.get("answer", ""), saved_at=timezone.now())
    return JsonResponse({"status": "saved"})


@require_GET
def page(request: HttpRequest, pk: int) -> HttpResponse:
    """One row read, a ~5 KB page from a template that extends a base."""
    note = Note.objects.only("title").get(pk=pk)
    return render(request, "bare/page.html", {"note": note, "items": range(20)})
