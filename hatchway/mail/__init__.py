"""Pure e-mail handling: parsing, loop signals, threading keys, composing replies.

Nothing here does I/O; connectors move the bytes, this package understands them.
"""
