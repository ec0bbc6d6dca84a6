from __future__ import annotations

from flask import Blueprint

bp = Blueprint("committee", __name__)
