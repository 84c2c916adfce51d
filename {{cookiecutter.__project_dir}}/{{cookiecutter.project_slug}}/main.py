"""Console entry point: `fastagency run {{ cookiecutter.project_slug }}/main.py`."""

from fastagency import FastAgency
from fastagency.ui.console import ConsoleUI

from {{ cookiecutter.project_slug }}.workflows import wf

app = FastAgency(provider=wf, ui=ConsoleUI(), title={{ cookiecutter.project_name | tojson }})
