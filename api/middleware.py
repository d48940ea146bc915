"""Every error under /api/ is JSON with its status, whoever produced it: the URL resolver
(404), a view that takes another method (405), a body without a Content-Length (411) or over
API_MAX_BODY_BYTES (413), or a failure (500, logged with where it happened but not the
request or the error's message). HEAD is answered as GET, without the body. And /healthz,
answered before anything else."""

import logging
import traceback
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from api.views import healthz

logger = logging.getLogger(__name__)

ERROR_NAMES = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    411: "length_required",
    413: "body_too_large",
    500: "internal_error",
}
ANSWERED_BY_DJANGO = (Http404, PermissionDenied, SuspiciousOperation)


class ApiErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if request.method == "HEAD":  # ninja routes GET only
            request.method = "GET"
            return _bodiless(self(request))
        if "HTTP_TRANSFER_ENCODING" in request.META:
            # Django reads a body by its Content-Length: a chunked one would read as empty.
            return api_error(411, "send the body with a Content-Length header")
        if _body_too_large(request):
            return api_error(413, f"the body is over {settings.API_MAX_BODY_BYTES} bytes")
        response = self.get_response(request)
        if response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            return api_error(response.status_code, response.reason_phrase.lower())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Exceptions that Django answers with their own status (404, 403, 400) are left to
        # it; __call__ then makes the answer JSON.
        if not request.path.startswith("/api/") or isinstance(exception, ANSWERED_BY_DJANGO):
            return None
        # Where it failed, without the exception's message: a database error may quote a
        # value, such as a token.
        where = "".join(traceback.format_tb(exception.__traceback__))
        logger.error(
            "%s %s failed: %s\n%s", request.method, request.path, type(exception).__name__, where
        )
        return api_error(500, "internal error")


class HealthzMiddleware:
    """/healthz first of all: a load balancer probes each instance by its address, not the
    site's name, and over plain HTTP, so neither the host check (DJANGO_ALLOWED_HOSTS) nor
    the HTTPS redirect may stand in its way. It tells nothing but that the instance is up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != "/healthz" or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = healthz(request)
        return _bodiless(response) if request.method == "HEAD" else response


def _bodiless(response: HttpResponse) -> HttpResponse:
    """A GET's answer to a HEAD: its headers, its length, no body."""
    response["Content-Length"] = str(len(response.content))
    response.content = b""
    return response


def api_error(status: int, detail: str | list[str]) -> JsonResponse:
    """Every error's body, whoever answers it: this middleware or the API's handlers."""
    return JsonResponse(
        {"error": ERROR_NAMES.get(status, "error"), "detail": detail}, status=status
    )


def _body_too_large(request: HttpRequest) -> bool:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.API_MAX_BODY_BYTES:
        return True
    try:
        return len(request.body) > settings.API_MAX_BODY_BYTES
    except RequestDataTooBig:
        return True
