"""Authenticator codes for test sign-ins: each account gets a step it has not used yet."""

from __future__ import annotations

import time

import pyotp


class TotpClock:
    """Hand out TOTP codes the server will accept: a code is good once per account."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.last_step: dict[str, int] = {}

    def code(self, account: str) -> str:
        while True:
            now_step = int(time.time()) // 30
            step = max(now_step, self.last_step.get(account, 0) + 1)
            if step <= now_step + 1:  # the server accepts one step of drift
                self.last_step[account] = step
                return pyotp.TOTP(self.secret).at(step * 30)
            time.sleep(30 - time.time() % 30 + 0.1)
