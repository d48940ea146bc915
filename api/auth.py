"""Who may call the API: a key sent as `Authorization: Bearer <key>`, or a staff member's
admin session. A scanner key may check and redeem; a staff key or session may do anything."""

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuthIsStaff

from api.models import ApiKey
from api.selectors import api_key_find

CALLER_NAME_LENGTH = 120


class KeyAuth(HttpBearer):
    def __init__(self, *, roles: frozenset[str]) -> None:
        super().__init__()
        self.roles = roles

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = api_key_find(raw=token)
        if key is not None and key.role not in self.roles:
            raise HttpError(403, f"a {key.role} key may not use this endpoint")
        return key


class StaffSession(SessionAuthIsStaff):
    """A staff member signed in to the admin (POSTs need the CSRF token, as in the admin).
    Tried only when the request carries a session: a wrong key is a 401, not a CSRF 403."""

    def __call__(self, request: HttpRequest) -> Any | None:
        if self.param_name not in request.COOKIES:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        # Staff status, as the admin asks; ninja's would let a superuser in without it.
        user = request.user
        return user if user.is_authenticated and user.is_staff else None


def api_auth(*roles: ApiKey.Role) -> list[Any]:
    """The authentication of an endpoint open to keys of `roles`, and to staff sessions."""
    return [KeyAuth(roles=frozenset(roles) | {ApiKey.Role.STAFF}), StaffSession()]


SCANNER = api_auth(ApiKey.Role.SCANNER)
STAFF = api_auth()


def caller_name(request: HttpRequest) -> str:
    """Who made an authenticated request: a key by name and prefix, or a staff member."""
    caller = request.auth  # type: ignore[attr-defined]
    if isinstance(caller, ApiKey):
        name = f"key {caller.name} ({caller.prefix}…)"
    else:
        name = f"staff {caller.get_username()}"
    # As long as the columns that record it (Scan.scanned_by, Ticket.redeemed_by) take; cut,
    # it ends with the caller's id, so that two callers never share a name (a retry's nonce
    # is honoured for the same caller only).
    if len(name) <= CALLER_NAME_LENGTH:
        return name
    suffix = f"… #{caller.pk}"
    return name[: CALLER_NAME_LENGTH - len(suffix)] + suffix
