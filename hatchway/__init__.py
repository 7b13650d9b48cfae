"""hatchway: agentic email automation with human escape hatches."""

from hatchway._version import __version__

__all__ = ["__version__"]
