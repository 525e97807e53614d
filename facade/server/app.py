"""The collector's HTTP API (protocol v1) on Starlette; see ``docs/http-protocol.md``.

Handlers do their file work in Starlette's thread pool; one lock per run keeps each run's
batches in order while many runs are ingested at once.
"""

from __future__ import annotations

import hashlib
import hmac
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from runlog.backends.files.format import encode_tree
from runlog.backends.files.reader import FilesRun, fold
from runlog.backends.http.protocol import (
    MAX_BODY,
    MAX_MEDIA,
    MEDIA_NAME,
    PREFIX,
    SESSION,
    VERSION,
    VERSION_HEADER,
    media_ref,
)
from runlog.typespec.jsonform import dumps, leaves_to_json, loads
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from .openapi import openapi_document
from .store import ApiError, Store

Handler = Callable[[Request], Awaitable[Response]]


def json_response(obj: Any, status: int = 200) -> Response:
    """A JSON answer (NaN literals allowed, as in the JSON form) with the protocol header."""
    return Response(dumps(obj), status, media_type="application/json",
                    headers={VERSION_HEADER: str(VERSION)})


def error_response(status: int, code: str, message: str) -> Response:
    """``{"error": {"code", "message"}}``."""
    return json_response({"error": {"code": code, "message": message}}, status)


def create_app(store: Store, token: str | None = None, max_body: int = MAX_BODY,
               max_media: int = MAX_MEDIA) -> Starlette:
    """The collector's ASGI application over ``store``."""

    def endpoint(fn: Callable[..., Any], public: bool = False,
                 limit: int = max_body) -> Handler:
        async def handle(request: Request) -> Response:
            try:
                _check_version(request)
                if not public:
                    _check_token(request, token)
                body = await _read_body(request, limit) if request.method in ("PUT",
                                                                              "POST") else b""
                return await run_in_threadpool(fn, request, body)
            except ApiError as exc:
                return error_response(exc.status, exc.code, exc.message)
        return handle

    def health(request: Request, body: bytes) -> Response:
        return json_response({"protocol": VERSION, "status": "ok"})

    def openapi(request: Request, body: bytes) -> Response:
        return json_response(openapi_document())

    def list_runs(request: Request, body: bytes) -> Response:
        project = request.query_params.get("project")
        runs = []
        for run_dir in store.run_dirs():
            if project is not None and run_dir.parent.name != project:
                continue
            meta = FilesRun(run_dir).metadata if (run_dir / "run.json").exists() else {}
            runs.append({"project": run_dir.parent.name, "id": run_dir.name,
                         "name": meta.get("name"), "status": meta.get("status", "created"),
                         "rows": meta.get("rows", 0)})
        return json_response({"runs": runs})

    def put_run(request: Request, body: bytes) -> Response:
        session = _session(_json(body))
        run = store.run(**request.path_params)
        with run.lock:
            created = not run.exists
            run.create()
            return json_response({"project": run.dir.parent.name, "id": run.dir.name,
                                  "created": created, "session": session,
                                  "acked": run.sessions.get(session, 0)},
                                 201 if created else 200)

    def get_run(request: Request, body: bytes) -> Response:
        run = store.existing(**request.path_params)
        with run.lock:
            if not (run.dir / "run.json").exists():
                meta: dict[str, Any] = {"id": run.dir.name, "project": run.dir.parent.name,
                                        "status": "created", "rows": 0}
            else:
                meta = FilesRun(run.dir).metadata
            state = fold(run.dir, run.media) if run.records else None
        resume = {"next_step": state.next_step if state else 0,
                  "config": state.config if state else {},
                  "summary": leaves_to_json(state.summary.leaves()) if state else []}
        return json_response({**meta, "resume": resume})

    def post_batches(request: Request, body: bytes) -> Response:
        obj = _json(body)
        session = _session(obj)
        batches = obj.get("batches")
        if not isinstance(batches, list) or not all(
            isinstance(b, dict) and type(b.get("seq")) is int and b["seq"] >= 1
            and isinstance(b.get("records"), list) for b in batches
        ):
            raise ApiError(400, "bad_batches", "'batches' must be a list of {\"seq\": int >= 1, "
                           "\"records\": [record JSON, ...]}")
        run = store.existing(**request.path_params)
        acked = run.ingest(session, [(b["seq"], b["records"]) for b in batches])
        store.ingested()
        return json_response({"acked": acked})

    def finish(request: Request, body: bytes) -> Response:
        session = _session(_json(body))
        run = store.existing(**request.path_params)
        with run.lock:
            run.close()
            return json_response({"acked": run.sessions.get(session, 0),
                                  "records": run.records})

    def media(request: Request, body: bytes) -> Response:
        params = dict(request.path_params)
        name = params.pop("name")
        found = MEDIA_NAME.match(name)
        if not found:
            raise ApiError(400, "bad_name", f"media name {name!r} is not accepted: expected "
                           "<sha256 hex>.<ext>")
        run = store.existing(**params)
        path = run.dir / media_ref(name)
        if request.method == "PUT":
            if hashlib.sha256(body).hexdigest() != found.group(1):
                raise ApiError(400, "sha256_mismatch", f"the body of {name} does not hash to "
                               "its name")
            existed = path.exists()
            if not existed:
                path.parent.mkdir(exist_ok=True)
                tmp = path.with_name(f".{name}.upload")
                tmp.write_bytes(body)
                tmp.replace(path)
            return json_response({"name": name, "size": len(body)}, 200 if existed else 201)
        if not path.is_file():
            raise ApiError(404, "media_not_found", f"run has no media {name}")
        return FileResponse(path, headers={VERSION_HEADER: str(VERSION)})

    def history(request: Request, body: bytes) -> Response:
        run = store.existing(**request.path_params)
        offset = _int_param(request, "offset", 0)
        limit = min(_int_param(request, "limit", 1000), 10000)
        keys = [k for k in request.query_params.get("keys", "").split(",") if k]
        rows = []
        total = 0
        if (run.dir / "run.json").exists():
            for i, row in enumerate(FilesRun(run.dir).iter_history_json()):
                total = i + 1
                if offset <= i < offset + limit:
                    rows.append(_pick(row, keys) if keys else row)
        more = offset + limit < total
        return json_response({"rows": rows, "offset": offset,
                              "next_offset": offset + limit if more else None})

    def summary(request: Request, body: bytes) -> Response:
        run = store.existing(**request.path_params)
        if not (run.dir / "run.json").exists():
            return json_response({"summary": {}})
        view = FilesRun(run.dir)
        return json_response({"summary": encode_tree(view.summary,
                                                     lambda p: media_ref(p.filename))})

    run = PREFIX + "/runs/{project}/{run_id}"
    routes = [
        Route(f"{PREFIX}/health", endpoint(health, public=True), methods=["GET"]),
        Route(f"{PREFIX}/openapi.json", endpoint(openapi, public=True), methods=["GET"]),
        Route(f"{PREFIX}/runs", endpoint(list_runs), methods=["GET"]),
        Route(run, endpoint(put_run), methods=["PUT"]),
        Route(run, endpoint(get_run), methods=["GET"]),
        Route(f"{run}/batches", endpoint(post_batches), methods=["POST"]),
        Route(f"{run}/finish", endpoint(finish), methods=["POST"]),
        Route(f"{run}/media/{{name}}", endpoint(media, limit=max_media),
              methods=["GET", "HEAD", "PUT"]),
        Route(f"{run}/history", endpoint(history), methods=["GET"]),
        Route(f"{run}/summary", endpoint(summary), methods=["GET"]),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(404, "not_found", f"no endpoint {request.method} {request.url.path}")

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return error_response(405, "method_not_allowed",
                              f"{request.method} is not allowed on {request.url.path}")

    async def crashed(request: Request, exc: Exception) -> Response:
        return error_response(500, "internal", f"the collector failed: {type(exc).__name__}")

    return Starlette(
        routes=routes,
        middleware=[Middleware(GZipMiddleware, minimum_size=1024)],
        exception_handlers={404: not_found, 405: not_allowed, 500: crashed},
    )


def _check_version(request: Request) -> None:
    sent = request.headers.get(VERSION_HEADER)
    if sent is not None and sent != str(VERSION):
        raise ApiError(400, "unsupported_protocol", f"this collector speaks {VERSION_HEADER} "
                       f"{VERSION}, the request asked for {sent!r}")


def _check_token(request: Request, token: str | None) -> None:
    if token is None:
        return
    sent = request.headers.get("Authorization", "")
    scheme, _, value = sent.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.encode(), token.encode()):
        raise ApiError(401, "unauthorized", "missing or wrong bearer token (send "
                       "'Authorization: Bearer <token>')")


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, gunzipped, refused with 413 past ``limit`` bytes (either side)."""
    declared = request.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "body_too_large", f"body of {declared} bytes exceeds the limit of "
                       f"{limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "body_too_large", f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("Content-Encoding", "identity").lower()
    if encoding == "gzip":
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflate.decompress(body, limit + 1)
        except zlib.error as exc:
            raise ApiError(400, "bad_gzip", f"the gzip body cannot be read: {exc}") from None
        if len(body) > limit or inflate.unconsumed_tail:
            raise ApiError(413, "body_too_large", f"gunzipped body exceeds the limit of {limit} "
                           "bytes")
    elif encoding != "identity":
        raise ApiError(415, "bad_encoding", f"Content-Encoding {encoding!r} is not supported; "
                       "send gzip or identity")
    return body


def _json(body: bytes) -> dict[str, Any]:
    try:
        obj = loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ApiError(400, "bad_json", f"the body must be a JSON object, got "
                       f"{type(obj).__name__}")
    return obj


def _session(obj: dict[str, Any]) -> str:
    session = obj.get("session")
    if not isinstance(session, str) or not SESSION.match(session):
        raise ApiError(400, "bad_session", f"'session' must be 32 lowercase hex digits, got "
                       f"{session!r}")
    return session


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ApiError(400, "bad_query", f"query parameter {name} must be an int >= 0, got "
                       f"{raw!r}")
    return int(raw)


def _pick(row: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """The row's ``_step``/``_runtime``/``_timestamp`` and the ``/``-joined ``keys`` it has."""
    out = {k: row[k] for k in ("_step", "_runtime", "_timestamp") if k in row}
    for key in keys:
        node: Any = row
        path = key.split("/")
        for seg in path:
            if type(node) is not dict or seg not in node:
                break
            node = node[seg]
        else:
            target = out
            for seg in path[:-1]:
                target = target.setdefault(seg, {})
            target[path[-1]] = node
            continue
        if key in row:  # a top-level key that itself contains '/'
            out[key] = row[key]
    return out
