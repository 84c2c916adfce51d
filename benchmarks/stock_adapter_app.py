"""The project's workflows served by FastAgency's stock FastAPIAdapter, unsecured: no token, no
reservation, no role check, no thread limits. benchmarks/service_load.py runs the same workflow
on it and on the generated service, to show what the service's security costs per workflow.

    SERVICE_LOAD_PACKAGE=weather_agent uvicorn stock_adapter_app:create_stock_adapter_app \\
        --factory --app-dir benchmarks

Never serve this anywhere but 127.0.0.1: anyone could run any workflow (see the generated
service's runs/adapter.py for the holes it closes).
"""

import importlib
import os

from fastagency.adapters.fastapi import FastAPIAdapter
from fastapi import FastAPI


def create_stock_adapter_app() -> FastAPI:
    package = os.environ.get("SERVICE_LOAD_PACKAGE", "weather_agent")
    workflows = importlib.import_module(f"{package}.workflows")
    app = FastAPI()
    app.include_router(FastAPIAdapter(provider=workflows.wf).router)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
