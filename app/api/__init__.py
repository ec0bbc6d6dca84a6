"""Read-only JSON API under /api/v1, described by an OpenAPI document."""
