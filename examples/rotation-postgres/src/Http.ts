// The HTTP service: `GET /query` runs `SELECT current_user` through the pool of the current credentials and answers
// with the user and the secret version that served it. Errors answer 503 with the error's tag and message (a
// PostgreSQL or Secrets Manager message: never a password).
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import type { ServeError } from "@effect/platform/HttpServerError"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { Database } from "./Database.js"

export const router = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/query",
    Effect.flatMap(
      Database,
      (database) =>
        database.query<{ user: string; one: number }>("SELECT current_user AS user, 1 AS one").pipe(
          Effect.matchEffect({
            onSuccess: (result) =>
              HttpServerResponse.json({
                user: result.rows[0]?.user,
                one: result.rows[0]?.one,
                version: result.versionId
              }),
            onFailure: (error) =>
              HttpServerResponse.json({ error: error._tag, message: error.message }, { status: 503 })
          })
        )
    )
  )
)

/** Serves the router on 127.0.0.1 at a free port; `HttpServer.HttpServer` tells which. */
export const HttpLive: Layer.Layer<HttpServer.HttpServer, ServeError, Database> = HttpServer.serve(router).pipe(
  Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" }))
)
