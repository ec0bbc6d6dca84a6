"""WSGI entry point: gunicorn wsgi:app (also the app of `flask --app wsgi jobs work`)."""

from app import create_app
from app.runtime import freeze_long_lived

app = create_app()
freeze_long_lived(app)
