"""uvicorn's logs without query strings: they may carry tokens, tickets or personal data."""

import logging

# Access lines go to "uvicorn.access"; websocket handshakes are logged on "uvicorn.error".
UVICORN_LOGGERS = ("uvicorn.access", "uvicorn.error")


class DropQueryStrings(logging.Filter):
    """Cut `?...` from every path argument of a record (uvicorn passes the path as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                argument.partition("?")[0]
                if isinstance(argument, str) and argument.startswith("/")
                else argument
                for argument in record.args
            )
        return True


DROP_QUERY_STRINGS = DropQueryStrings()


def drop_query_strings_from_uvicorn_logs() -> None:
    """Install the filter (once: adding the same filter again does nothing)."""
    for name in UVICORN_LOGGERS:
        logging.getLogger(name).addFilter(DROP_QUERY_STRINGS)
