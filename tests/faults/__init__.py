"""Crash fault-injection tests: SIGKILL the ingest and relay workers mid-work, then restart."""
