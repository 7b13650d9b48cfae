"""The JSON API under /api/v1: API keys, idempotent mail submission, items, reviews, categories."""

from hatchway.api.app import API_PREFIX, create_api_app

__all__ = ["API_PREFIX", "create_api_app"]
