"""The OpenAPI 3.1 document of protocol v1, served at ``/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

from runlog.backends.http.protocol import PREFIX, VERSION, VERSION_HEADER


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    str(code): {"$ref": f"#/components/responses/{name}"}
    for code, name in ((400, "BadRequest"), (401, "Unauthorized"), (404, "NotFound"),
                       (413, "TooLarge"))
}
_RUN_PARAMS = [
    {"name": "project", "in": "path", "required": True, "schema": _ref("Name")},
    {"name": "run_id", "in": "path", "required": True, "schema": _ref("Name")},
]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document (a fresh dict)."""
    run = f"{PREFIX}/runs/{{project}}/{{run_id}}"
    session_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["session"], "properties": {"session": _ref("Session")}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "runlog collector", "version": str(VERSION),
                 "description": "runlog HTTP protocol v1 (see docs/http-protocol.md). Every "
                                f"request may send `{VERSION_HEADER}: {VERSION}`; bodies may be "
                                "gzip (`Content-Encoding: gzip`)."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"},
                "Session": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                "Record": {"type": "object", "required": ["v", "type"],
                           "description": "An IR record in runlog's JSON form v1; media "
                                          "payloads carry \"ref\": \"media/<sha256>.<ext>\"."},
                "Batch": {"type": "object", "required": ["seq", "records"], "properties": {
                    "seq": {"type": "integer", "minimum": 1},
                    "records": {"type": "array", "items": _ref("Record")}}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
            },
            "responses": {
                name: _json(_ref("Error"), text) for name, text in (
                    ("BadRequest", "malformed request (JSON, schema, names, protocol version)"),
                    ("Unauthorized", "missing or wrong bearer token"),
                    ("NotFound", "no such run, media or endpoint"),
                    ("TooLarge", "body over the collector's size limit"))
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            f"{PREFIX}/health": {"get": {"security": [], "summary": "liveness and protocol",
                                         "responses": {"200": {"description": "ok"}}}},
            f"{PREFIX}/openapi.json": {"get": {"security": [], "summary": "this document",
                                               "responses": {"200": {"description": "ok"}}}},
            f"{PREFIX}/runs": {"get": {
                "summary": "list runs",
                "parameters": [{"name": "project", "in": "query", "schema": _ref("Name")}],
                "responses": {"200": _json({"type": "object"}, "{\"runs\": [...]}"), **_ERRORS}}},
            run: {
                "parameters": _RUN_PARAMS,
                "put": {"summary": "create or resume a run (idempotent by run id)",
                        "requestBody": session_body,
                        "responses": {"201": {"description": "created; acked is 0"},
                                      "200": {"description": "exists; acked is the session's "
                                              "highest stored sequence"}, **_ERRORS}},
                "get": {"summary": "run metadata and resume state (next_step, config, "
                                   "summary leaves)",
                        "responses": {"200": {"description": "ok"}, **_ERRORS}},
            },
            f"{run}/batches": {"parameters": _RUN_PARAMS, "post": {
                "summary": "store batches of one session in sequence order; duplicates are "
                           "skipped, a gap stops; answers the highest contiguous sequence",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["session", "batches"],
                    "properties": {"session": _ref("Session"),
                                   "batches": {"type": "array", "items": _ref("Batch")}}}}}},
                "responses": {"200": _json({"type": "object", "properties": {
                    "acked": {"type": "integer"}}}, "acknowledged"),
                    "409": {"$ref": "#/components/responses/BadRequest"}, **_ERRORS}}},
            f"{run}/finish": {"parameters": _RUN_PARAMS, "post": {
                "summary": "the session ended", "requestBody": session_body,
                "responses": {"200": {"description": "ok"}, **_ERRORS}}},
            f"{run}/media/{{name}}": {
                "parameters": [*_RUN_PARAMS, {"name": "name", "in": "path", "required": True,
                                              "schema": {"type": "string", "pattern":
                                                         "^[0-9a-f]{64}\\.[A-Za-z0-9._+-]+$"}}],
                "put": {"summary": "upload media by sha256 (idempotent)",
                        "requestBody": {"content": {"application/octet-stream": {}}},
                        "responses": {"201": {"description": "stored"},
                                      "200": {"description": "already stored"}, **_ERRORS}},
                "get": {"summary": "media bytes", "responses": {"200": {"description": "ok"},
                                                                **_ERRORS}},
                "head": {"summary": "is it stored?", "responses": {
                    "200": {"description": "yes"}, "404": {"description": "no"}}},
            },
            f"{run}/history": {"parameters": _RUN_PARAMS, "get": {
                "summary": "history rows, paged, optionally only some keys",
                "parameters": [
                    {"name": "offset", "in": "query", "schema": {"type": "integer"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer",
                                                                "maximum": 10000}},
                    {"name": "keys", "in": "query", "schema": {"type": "string"},
                     "description": "comma-separated, nested keys joined with '/'"}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "rows": {"type": "array"}, "next_offset": {"type": ["integer", "null"]}}},
                    "rows in the files layout's history.jsonl form"), **_ERRORS}}},
            f"{run}/summary": {"parameters": _RUN_PARAMS, "get": {
                "summary": "the summary", "responses": {"200": {"description": "ok"},
                                                        **_ERRORS}}},
        },
    }
