from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address a request came from, for the login throttle (django-axes).

    Behind the TLS proxy, REMOTE_ADDR is the proxy's, the same for everyone: the client's is
    the last entry of X-Forwarded-For, which the proxy appended. Earlier entries are whatever
    the client sent, so they never count, whatever they look like. (django-ipware prefers a
    public address to a private one, which lets a client behind a private network pick its
    own address, and so escape a lockout.)
    """
    last: str = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    if settings.BEHIND_TLS_PROXY and last:
        return last
    address: str | None = request.META.get("REMOTE_ADDR")
    return address
