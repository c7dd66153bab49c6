"""What a console handler raises for the console's guard (bot/server/console.py) to answer: not
signed in (a redirect to the login page, or 401), not found (404: also what a page outside the
worker's scope answers), forbidden (403: a form without its CSRF token)."""

from __future__ import annotations


class UnauthorisedError(Exception):
    pass


class NotFoundError(Exception):
    pass


class ForbiddenError(Exception):
    pass
