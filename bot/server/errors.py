"""JSON errors and request size limits.

Under /v1 (the hotline API) every error is one JSON object, `{"error": CODE, "message": TEXT}`,
plus `field` for bad input: 401 no or bad key, 404 unknown service or route, 405, 413 body too
large, 422 bad input (the field named), 429 too many requests (with Retry-After), 500 without a
stack trace. Other routes keep FastAPI's usual `{"detail": ...}` bodies. Request bodies are capped
for every route: `API_BODY_LIMIT` under /v1, `BODY_LIMIT` elsewhere."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.metrics import count_error

API_PREFIX = "/v1"
API_BODY_LIMIT = 16 * 1024  # a question is at most 2000 characters: 16 KiB is plenty
BODY_LIMIT = 1024 * 1024  # webhooks and the web chat
LOG = logging.getLogger("tongxing.server")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


class ApiError(Exception):
    """An error the API answers on purpose (a bad key, an unknown service, a rate limit)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.field = field


class BodyTooLargeError(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit} bytes")
        self.limit = limit


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, field: str | None = None
) -> JSONResponse:
    body: dict[str, str] = {"error": code, "message": message}
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def _in_api(request: Request) -> bool:
    path = request.url.path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _field_of(location: Sequence[object]) -> str:
    """("body", "child_age") -> "child_age"; ("query", "city") -> "city"; the whole body -> "body"."""
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def install_errors(server: FastAPI) -> None:
    """The handlers above, and the body size limit, on the whole app."""

    async def on_api_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return error_response(error.status, error.code, error.message, error.headers, error.field)

    async def on_http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if not _in_api(request):
            return await http_exception_handler(request, error)
        message = error.detail if isinstance(error.detail, str) else "the request was refused"
        if error.status_code == 404:
            message = "no such route in the hotline API: see /docs"
        code = _HTTP_CODES.get(error.status_code, "error")
        return error_response(error.status_code, code, message, error.headers)

    async def on_invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if not _in_api(request):
            return await request_validation_exception_handler(request, error)
        problems = error.errors()
        first = problems[0] if problems else {"loc": ("body",), "msg": "invalid request"}
        field = _field_of(first.get("loc", ("body",)))
        if first.get("type") == "json_invalid":
            return error_response(422, "invalid_json", "the body is not valid JSON", field="body")
        message = f"{field}: {first.get('msg', 'invalid value')}"
        return error_response(422, "invalid_request", message, field=field)

    async def on_crash(request: Request, error: Exception) -> Response:
        count_error("api" if _in_api(request) else "server", "internal_error")
        LOG.error("request failed", exc_info=error)
        return error_response(500, "internal_error", "something went wrong on our side; please try again")

    server.add_exception_handler(ApiError, on_api_error)
    server.add_exception_handler(StarletteHTTPException, on_http_error)
    server.add_exception_handler(RequestValidationError, on_invalid)
    server.add_exception_handler(Exception, on_crash)
    server.add_middleware(BodyLimit)


class BodyLimit:
    """Refuses a body over the limit: at once from Content-Length, or while a body without one
    (chunked) is read. The server (h11/httptools) holds a client to the length it declares."""

    def __init__(self, app: ASGIApp, api_limit: int = API_BODY_LIMIT, limit: int = BODY_LIMIT) -> None:
        self.app = app
        self.api_limit = api_limit
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.api_limit if path == API_PREFIX or path.startswith(API_PREFIX + "/") else self.limit
        declared: int | None = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    response = error_response(413, "too_large", str(BodyTooLargeError(limit)))
                    await response(scope, receive, send)
                    return
        if declared is None and scope.get("method") in {"POST", "PUT", "PATCH"}:
            # a body without a length (chunked): read it here, up to the limit, then hand it on
            chunks: list[bytes] = []
            received = 0
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                received += len(chunks[-1])
                more = bool(message.get("more_body"))
                if received > limit:
                    response = error_response(413, "too_large", str(BodyTooLargeError(limit)))
                    await response(scope, receive, send)
                    return
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)
