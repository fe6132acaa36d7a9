"""The web console: server-rendered pages over the same library code as the API.

Catalogue and releases for everyone who may read the feed; feedback forms for organisations;
draft editor, review, triage, release builder and the cycle dashboard for editors. Pages work
without JavaScript; the stylesheet is served from `/console/static/`. `create_app()` adds it
with `feed.console.install.install_console`.
"""
