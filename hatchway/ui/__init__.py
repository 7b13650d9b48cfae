"""The FastAPI application: review inbox, ops console and JSON API."""
