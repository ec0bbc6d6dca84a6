"""Comments record the language they are written in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.consultation import service
from app.consultation.models import Comment
from app.errors import ValidationError
from tests.conftest import csrf_token


def test_comment_form_defaults_to_the_interface_language_and_records_the_choice(
    client, session, make_round, auth, commenter
):
    round_ = make_round()
    session.commit()
    auth.sign_in(commenter)
    path = f"/consultations/{round_.id}/comment"
    page = client.get(path, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<option selected value="es">Español</option>' in page
    assert "Idioma del comentario" in page
    response = client.post(
        path,
        data={
            "clause_uid": "",
            "comment_type": "general",
            "language": "pt",
            "body": "O prazo de 48 horas é curto demais.",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    comment = session.scalar(select(Comment).order_by(Comment.id.desc()))
    assert comment.language == "pt"
    refused = client.post(
        path,
        data={
            "comment_type": "general",
            "language": "klingon",
            "body": "Qapla'",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert refused.status_code == 422
    assert "Choose the language of your comment" in refused.get_data(as_text=True)


def test_service_defaults_to_english_and_refuses_unknown_codes(session, make_round, commenter):
    round_ = make_round()
    assert service.add_comment(session, commenter, round_, body="Fine.").language == "en"
    with pytest.raises(ValidationError):
        service.add_comment(session, commenter, round_, body="Bien.", language="xx")
