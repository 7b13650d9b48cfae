"""The `hatchway` command's groups, one module each; :mod:`hatchway.cli` puts them together.

``_context`` holds the typer app and the settings it builds once per invocation.
"""
