#!/usr/bin/env bash
# Runs once when the devcontainer is created: a project .venv with the dev tools, and a .env.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f .env ]; then
    cp .env.example .env
    echo "Created .env from .env.example: fill in your keys (or set them as Codespaces secrets)."
fi

if command -v uv >/dev/null 2>&1; then
    uv venv --allow-existing .venv
    uv pip install --python .venv/bin/python -e ".[dev]"
else
    python3 -m venv .venv
    .venv/bin/python -m pip install -e ".[dev]"
fi

if [ -d .git ]; then
    .venv/bin/pre-commit install
fi

{%- if cookiecutter.service == "fastapi_oauth2" %}
# Listing the users creates the database and its tables.
.venv/bin/{{ cookiecutter.project_slug }} users list >/dev/null
echo "Database ready. Create the first user with:"
echo "  .venv/bin/{{ cookiecutter.project_slug }} users create <name> --role admin"
echo "Then serve: .venv/bin/uvicorn {{ cookiecutter.project_slug }}.api.app:app --port 8000"
{%- endif %}
echo "Ready. Run the tests with: .venv/bin/pytest"
