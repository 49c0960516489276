"""The web pages for the people who do the work: sign-in, the planner's desk and the office's counter.

Server-rendered (Jinja2, autoescaped), a thin adapter over the use cases like the HTTP routes and the CLI; no
asset from another host, no inline script or style (the Content-Security-Policy forbids both).
"""
