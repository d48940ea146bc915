"""The JSON API (django-ninja): its endpoints, and errors as JSON with their status."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api.auth import SCANNER, caller_name
from api.middleware import api_error
from api.schemas import ErrorOut, WhoAmIOut
from api.staff import router as staff_router
from api.tickets import router as tickets_router

api = NinjaAPI(
    title="Ticketing API",
    version="1",
    description="Gate scanners check and redeem tickets; staff read vouchers and figures.",
    urls_namespace="api",
)
api.add_router("/tickets", tickets_router)
api.add_router("", staff_router)


@api.get("/whoami", auth=SCANNER, response={200: WhoAmIOut, 401: ErrorOut})
def whoami(request: HttpRequest) -> WhoAmIOut:
    """Who the credentials name: a scanner's way to test its key. (Also the benchmark's
    floor: every endpoint's authentication, and nothing else.)"""
    return WhoAmIOut(caller=caller_name(request))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Where and what, never the value given: it may be a token.
    details = [
        f"{'.'.join(str(part) for part in error['loc'][1:]) or 'body'}: {error['msg']}"
        for error in exc.errors
    ]
    return api_error(400, details)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = "send a valid key as 'Authorization: Bearer <key>', or sign in as staff"
    return api_error(401, detail)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api_error(exc.status_code, str(exc))
