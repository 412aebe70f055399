"""The web application (FastAPI, server-rendered Jinja2 pages, the JSON API): see app.py and docs/web.md."""
