#!/usr/bin/env bash
# Runs when the devcontainer is created (and safely again by hand): .env, the project's .venv
# from uv.lock with the dev tools, and the pre-commit hooks once the project has a commit.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
    # The image has Python but not uv; pip alone takes minutes for these dependencies.
    python3 -m pip install --quiet --user --disable-pip-version-check uv
    PATH="$(python3 -m site --user-base)/bin:$PATH"
fi

if [ ! -f .env ]; then
    (umask 077 && cp .env.example .env)
    echo "Created .env from .env.example: fill in your keys (or set them as Codespaces secrets)."
fi
{%- if cookiecutter.service == "fastapi_oauth2" %}
# A signing key once, kept in .env: with none, the service makes a new one at every start and
# every token dies with the container.
if grep -qx 'JWT_SECRET_KEY=' .env; then
    key="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
    sed -i "s|^JWT_SECRET_KEY=\$|JWT_SECRET_KEY=$key|" .env
    echo "Wrote a new JWT_SECRET_KEY to .env."
fi
{%- endif %}

# The versions uv.lock pins; without a lock yet, uv resolves and writes one. uv's cache and the
# mounted workspace are different file systems: copy from the cache, no failed hard links.
export UV_LINK_MODE=copy
if [ -f uv.lock ]; then
    uv sync --locked --extra dev
else
    uv sync --extra dev
fi

# Hooks check what a commit adds: installed before the first commit, they would check every
# generated file at once and block that commit.
if git rev-parse --verify --quiet HEAD >/dev/null 2>&1; then
    .venv/bin/pre-commit install
else
    echo "After your first commit (git add -A && git commit -m \"Initial commit\"), run:"
    echo "  .venv/bin/pre-commit install"
fi
{%- if cookiecutter.service == "fastapi_oauth2" %}

.venv/bin/{{ cookiecutter.project_slug }} db upgrade
echo "Database ready. Create the first user with:"
echo "  .venv/bin/{{ cookiecutter.project_slug }} users create <name> --role admin"
echo "Then serve: .venv/bin/uvicorn --factory {{ cookiecutter.project_slug }}.service.app:create_app --port 8000"
{%- endif %}
echo "Ready. Run the tests with: .venv/bin/pytest"
