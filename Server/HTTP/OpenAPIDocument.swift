/// The OpenAPI 3.1 description of the sync protocol, served at `GET /openapi.yaml`.
///
/// A test exercises every route and status listed here, so keep it in step with ``SyncAPI``.
public enum OpenAPIDocument {
    /// The properties of a change, as a pushed `Change` and a pulled `PulledChange` (one with its `seq`) share them;
    /// joined at the indentation they take in ``yaml``.
    private static let changeProperties = [
        "id: {type: string, pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$', description: UUIDv7}",
        "entity: {type: string, pattern: '^(document/[0-9a-f]{16}|event/[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$', description: \"document/<16 hex> or event/<UUIDv7>\"}",
        "field: {type: string}",
        "op: {type: string, enum: [set, add, remove, append]}",
        "value: {oneOf: [{type: string}, {type: boolean}]}",
        "supersedes: {type: array, maxItems: 10000, items: {type: string, pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'}}",
        "hlc: {type: string, pattern: '^[0-9]{1,15}:[0-9]{4}$', description: \"<unix-ms>:<4-digit counter>\"}",
        "author: {type: string, pattern: '^[a-z0-9._-]{1,64}$'}",
        "replica: {type: string, pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'}",
        "reason: {type: string}",
        "schema: {type: integer, format: int32, minimum: 1, maximum: 2147483647}",
    ].joined(separator: "\n        ")

    public static let yaml = """
        openapi: 3.1.0
        info:
          title: Concord sync server
          version: "1"
          description: |
            Offline-first annotation sync (protocol.md §5). Every route but /v1/health, /metrics and /openapi.yaml needs
            `Authorization: Bearer <token>`. Request bodies may be gzip (`Content-Encoding: gzip`), responses are
            gzip when `Accept-Encoding` allows it. Every error is `{"error": "...", "detail": ...}`; an unknown path
            answers 404 and a known path with another method 405 (with `Allow`).
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error: {type: string}
                detail:
                  oneOf:
                    - type: string
                    - type: array
                      items: {$ref: "#/components/schemas/RefusedChange"}
            RefusedChange:
              type: object
              required: [index, error]
              properties:
                index: {type: integer}
                id: {type: string}
                error: {type: string}
            Change:
              type: object
              additionalProperties: false
              required: [id, entity, field, op, value, hlc, author, replica, schema]
              properties:
                \(changeProperties)
            PulledChange:
              type: object
              additionalProperties: false
              required: [id, entity, field, op, value, hlc, author, replica, schema, seq]
              properties:
                \(changeProperties)
                seq: {type: integer, format: int64, minimum: 1, description: the change's place in the server's commit order}
            Analyst:
              type: object
              properties:
                name: {type: string}
                role: {type: string, enum: [analyst, adjudicator]}
            Candidate:
              type: object
              properties:
                change: {type: string}
                value: {oneOf: [{type: string}, {type: boolean}]}
                author: {type: string}
                hlc: {type: string}
          responses:
            Error:
              description: What is wrong and what to do.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Error"}
            RateLimited:
              description: >-
                The token's analyst made more requests than the server's rate limit allows (by default 1,000 at
                once, then 50 a second); nothing was done; retry after Retry-After seconds.
              headers:
                Retry-After:
                  description: Whole seconds to wait.
                  schema: {type: integer, minimum: 1}
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Error"}
        security:
          - bearer: []
        paths:
          /v1/changes:
            post:
              summary: Push a batch of changes, atomically.
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      required: [replica, changes]
                      properties:
                        replica: {type: string, pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'}
                        changes: {type: array, maxItems: 10000, items: {$ref: "#/components/schemas/Change"}}
              responses:
                "200":
                  description: Stored; ids already stored with the same content count as duplicates.
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          accepted: {type: integer}
                          duplicates: {type: integer}
                          cursor: {type: integer}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/RateLimited"}
                "403":
                  description: Some change may not be written by this analyst (forged author, role); nothing stored.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Error"}
                "413":
                  description: Body over 32 MiB (decompressed) or more than 10,000 changes; nothing stored.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Error"}
                "415": {$ref: "#/components/responses/Error"}
                "422":
                  description: Some change is invalid (schema, clock ahead, id reused); one detail entry each; nothing stored.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Error"}
                "503":
                  description: >-
                    The server cannot write its database (read-only, failing, or busy: then with Retry-After);
                    nothing stored; retry later.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Error"}
                "507":
                  description: The server's disk is full; nothing stored; retry after its administrator frees space.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Error"}
            get:
              summary: Pull changes in commit order.
              parameters:
                - {name: after, in: query, schema: {type: integer, format: int64, minimum: 0, maximum: 9223372036854775807, default: 0}}
                - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 20000, default: 1000}}
                - name: wait
                  in: query
                  description: >-
                    Long poll (protocol.md §14): when no change is after `after`, hold the request up to this many seconds
                    until one is committed (on any server of the database), then answer; an empty page when none came.
                  schema: {type: integer, minimum: 0, maximum: 50, default: 0}
                - name: doc
                  in: query
                  description: >-
                    Blind coding (protocol.md §15): ask again for what was withheld of this document's events in
                    (`after`, `through`] while it was blind for the analyst; 409 while it still is.
                  schema: {type: string, pattern: "^document/[0-9a-f]{16}$"}
                - name: known
                  in: query
                  description: >-
                    `SEQ:ID`, the latest point of the log the client saw (protocol.md §5.14): 409 with detail
                    "rewound" when this server holds another change at SEQ, or none.
                  schema: {type: string, pattern: "^[0-9]{1,18}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}
                - name: through
                  in: query
                  description: With `doc`, the last seq of the range asked for; at or below `after`, the range is empty.
                  schema: {type: integer, format: int64, minimum: 0, maximum: 9223372036854775807}
              responses:
                "200":
                  description: >-
                    A page; `next` is the cursor to ask for next (the last seq scanned: past withheld changes too, so
                    a page may be empty with `more`).
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          changes:
                            type: array
                            items: {$ref: "#/components/schemas/PulledChange"}
                          next: {type: integer}
                          more: {type: boolean}
                          withheld:
                            description: Blind documents (protocol.md §15) whose changes this page left out.
                            type: array
                            items: {type: string}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "409":
                  description: >-
                    With `doc`, the document is still blind for the analyst; with `known`, the server's log was
                    rewound (detail "rewound").
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Error"}
                "429": {$ref: "#/components/responses/RateLimited"}
          /v1/me:
            get:
              summary: Who the token belongs to.
              responses:
                "200":
                  description: The analyst's name and role.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Analyst"}
                "401": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/RateLimited"}
          /v1/analysts:
            get:
              summary: The analysts who may be assigned documents (protocol.md §15), by name; revoked ones left out.
              responses:
                "200":
                  description: Names and roles.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: "#/components/schemas/Analyst"}
                "401": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/RateLimited"}
          /v1/conflicts:
            get:
              summary: Open conflicts, as `concord conflicts --json` lists them.
              responses:
                "200":
                  description: >-
                    Register conflicts, then delete/edit conflicts (kind delete-edit, concurrent ids), then cluster
                    disagreements (cluster, field, candidates with their event).
                  content:
                    application/json:
                      schema:
                        type: array
                        items:
                          type: object
                          properties:
                            entity: {type: string}
                            cluster: {type: string}
                            field: {type: string}
                            candidates: {type: array, items: {$ref: "#/components/schemas/Candidate"}}
                            kind: {type: string, enum: [delete-edit]}
                            concurrent: {type: array, items: {type: string}}
                            title: {type: string}
                            evidence: {type: string}
                            document:
                              type: object
                              properties:
                                id: {type: string}
                                title: {type: string}
                "401": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/RateLimited"}
          /v1/report:
            get:
              summary: The conflict-resolution report (open and resolved conflicts, agreement rates, activity).
              parameters:
                - {name: format, in: query, required: false, schema: {type: string, enum: [json, md, html], default: json}}
              responses:
                "200":
                  description: The report in the requested format.
                  content:
                    application/json:
                      schema: {type: object}
                    text/markdown:
                      schema: {type: string}
                    text/html:
                      schema: {type: string}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/RateLimited"}
          /v1/events/{id}:
            get:
              summary: One event as `concord show --json` prints it.
              parameters:
                - {name: id, in: path, required: true, schema: {type: string, pattern: '^(event/)?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'}, description: the event's UUIDv7, example: "0193f6c2-6e00-7000-8000-1a2b3c4d5e6f"}
              responses:
                "200":
                  description: The merged event.
                  content:
                    application/json:
                      schema: {type: object}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/RateLimited"}
                "404": {$ref: "#/components/responses/Error"}
          /v1/snapshot:
            get:
              summary: >-
                The newest store snapshot a first sync may install instead of pulling change by change (docs/protocol.md
                §14): a client store file of the first `seq` changes. 404 until the server has made one (it does
                each time the log grows by `serve --snapshot-every` changes).
              responses:
                "200":
                  description: Its manifest.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [seq, changes, bytes, sha256, format]
                        properties:
                          seq: {type: integer, description: the server seq of its last change; the pull cursor once installed}
                          changes: {type: integer}
                          bytes: {type: integer}
                          sha256: {type: string, description: the file's SHA-256, lowercase hex}
                          format: {type: string, description: fingerprint of the store format; a client takes only its own}
                "401": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/RateLimited"}
                "404": {$ref: "#/components/responses/Error"}
          /v1/snapshot/{seq}:
            get:
              summary: >-
                The snapshot file (a store's tables packed in one zlib stream, sent as stored). `Range: bytes=N-` resumes a download (206,
                with Content-Range); other ranges are ignored. The newest two snapshots are kept.
              parameters:
                - {name: seq, in: path, required: true, schema: {type: integer, format: int64, minimum: 1, maximum: 9223372036854775807}, description: the manifest's seq, example: 50}
                - {name: Range, in: header, required: false, schema: {type: string}, description: "`bytes=N-` resumes; any other form is ignored (the whole file is sent)", example: "bytes=100-"}
              responses:
                "200":
                  description: The whole file.
                  content:
                    application/vnd.concord.snapshot:
                      schema: {type: string, format: binary}
                "206":
                  description: The file from the byte the Range names.
                  content:
                    application/vnd.concord.snapshot:
                      schema: {type: string, format: binary}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/RateLimited"}
                "404": {$ref: "#/components/responses/Error"}
                "416": {$ref: "#/components/responses/Error"}
          /v1/health:
            get:
              summary: >-
                Liveness and readiness, and the number of stored changes. No auth. 200 when the database answered a
                read within 2 s, else 503: take the server out of a load balancer while it answers 503.
              security: []
              responses:
                "200":
                  description: OK.
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          status: {type: string}
                          changes: {type: integer}
                "503":
                  description: Not ready, the database did not answer; with Retry-After.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Error"}
          /metrics:
            get:
              summary: >-
                Counters and latency histograms in Prometheus' text format (pushes, changes accepted and refused, pull
                pages, database errors, request latency by route). No auth: no label names an analyst or an entity.
              security: []
              responses:
                "200":
                  description: Prometheus text exposition 0.0.4.
                  content:
                    text/plain: {}
          /openapi.yaml:
            get:
              summary: This document. No auth.
              security: []
              responses:
                "200":
                  description: OpenAPI 3.1 YAML.
                  content:
                    application/yaml: {}

        """
}
