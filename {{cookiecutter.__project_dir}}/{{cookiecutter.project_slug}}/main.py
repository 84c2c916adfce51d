"""Console entry point: `fastagency run {{ cookiecutter.project_slug }}/main.py`."""

from fastagency import FastAgency
from fastagency.ui.console import ConsoleUI

from {{ cookiecutter.project_slug }}.workflows import wf

{# Any text as a Python literal that ruff format keeps: backslashes doubled, double quotes
    as \x22 (tojson would write an emoji as two surrogate escapes). -#}
TITLE = "{{ cookiecutter.project_name | replace('\\', '\\\\') | replace('"', '\\x22') }}"
app = FastAgency(provider=wf, ui=ConsoleUI(), title=TITLE)
