"""An AG2 weather agent served by FastAgency; README.md describes the layout."""

import logging
import warnings

# Start-up noise from the pinned libraries, silenced here because every entry point (console,
# service, tests) imports this package before any of them.
# fastapi-code-generator 0.5.2, which fastagency's OpenAPI client imports, declares a pydantic 1
# setting that pydantic 2 warns about: nothing a user of this project can act on.
warnings.filterwarnings(
    "ignore",
    message=r"Valid config keys have changed in V2:\n\* 'keep_untouched'",
    category=UserWarning,
)
# The API client fastagency generates from an OpenAPI document on first use has model validators
# that pydantic 2.12 warns about, twice a document: the tests ignore it too (pyproject.toml).
warnings.filterwarnings(
    "ignore", message="A custom validator is returning a value other than", category=UserWarning
)
# fastagency logs its own progress ("Patched ...", "Initializing ...") at INFO to stderr through
# this logger, which it resets to INFO on each use: a filter keeps its warnings and errors.
logging.getLogger("fastagency.logging").addFilter(lambda record: record.levelno >= logging.WARNING)
