"""The web application: `create_app(services)` builds the FastAPI app on one `Services`.

Pages (server-rendered, Chinese) and the JSON API under /api are thin adapters over the same services the
command line uses; errors are mapped to responses in one place (errors.py); sessions and CSRF are one
middleware (csrf.py). OpenAPI at /api/openapi.json, its docs page at /api/docs (Swagger UI served from the
package's own static files: a bureau's intranet has no CDN).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles

from . import errors
from .csrf import SessionCsrfMiddleware

STATIC = Path(__file__).parent / "static"


def create_app(services=None) -> FastAPI:
    """The app on `services` (default: from the settings, the schema checked)."""
    if services is None:
        from ..services import Services

        services = Services.from_settings()
    from . import api, api_records, api_reports, auth, case_page, pages_public, pages_staff

    app = FastAPI(title="creditflow", version="1", summary="医保信用管理：案件办理接口",
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None)
    app.state.services = services
    errors.install(app)
    app.add_middleware(SessionCsrfMiddleware, services=services)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(api_records.router)
    app.include_router(api_reports.router)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title="creditflow 接口文档",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css",
                                   swagger_favicon_url="/static/swagger/favicon-32x32.png")

    app.include_router(auth.router)
    app.include_router(pages_staff.router, include_in_schema=False)
    app.include_router(case_page.router, include_in_schema=False)
    app.include_router(pages_public.router, include_in_schema=False)
    return app
