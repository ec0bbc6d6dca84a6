"""Send mail over SMTP, or write it to the log when no server is configured."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy.orm import Session

from app.jobs.service import enqueue, handler

log = logging.getLogger("clausewise.mail")
sent_in_process: list[EmailMessage] = []  # the last messages, for the development log view


def queue_mail(session: Session, *, to: str, subject: str, body: str) -> None:
    """Queue a message to go out after the current transaction commits."""
    kind, payload = mail_job(to=to, subject=subject, body=body)
    enqueue(session, kind, **payload)


def mail_job(*, to: str, subject: str, body: str) -> tuple[str, dict]:
    """The job (kind, payload) that sends a message: for app.jobs.service.enqueue_rows."""
    return "mail", {"to": to, "subject": subject, "body": body}


@handler("mail", writes=False)
def _send(session: Session | None, payload: dict) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message.set_content(payload["body"])
    if not config.get("MAIL_SERVER"):
        log.info("mail to %s: %s\n%s", payload["to"], payload["subject"], payload["body"])
        sent_in_process.append(message)
        del sent_in_process[:-50]
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
