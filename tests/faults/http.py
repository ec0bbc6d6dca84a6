"""A small HTTP client for the live fault site: cookies, CSRF tokens, no redirects followed."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Answer:
    status: int
    body: str
    headers: dict


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )
        self.opener.addheaders = [("Referer", base + "/")]

    def open(self, path: str, data: dict | None = None, headers: dict | None = None, timeout=30):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            self.base + path, body, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Answer(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read().decode(errors="replace"), dict(exc.headers))

    def token(self, path: str) -> str:
        answer = self.open(path)
        found = TOKEN.search(answer.body)
        assert found, f"no CSRF token on {path} ({answer.status})"
        return found.group(1)

    def sign_in(self, email: str, password: str) -> None:
        answer = self.open(
            "/sign-in",
            {"csrf_token": self.token("/sign-in"), "email": email, "password": password},
        )
        assert answer.status == 302, answer.status
