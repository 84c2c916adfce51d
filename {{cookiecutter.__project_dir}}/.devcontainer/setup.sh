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

echo "Ready. Run the tests with: .venv/bin/pytest"
