"""Project middleware: refuse NUL bytes in URLs, keep private pages out of caches."""

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], HttpResponse]


class RefuseNulMiddleware:
    """400 for a NUL byte anywhere in the path or the query string.

    PostgreSQL text cannot hold NUL, so such a value reaching a query raises a database error
    (a 500). No URL of ours has a use for one; forms refuse NUL in their fields themselves.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL character in the URL.")
        return self.get_response(request)
