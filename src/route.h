/* SPDX-License-Identifier: MIT */
/* route.h: the route table and request dispatch. */
#ifndef PF_ROUTE_H
#define PF_ROUTE_H

#include "app.h"
#include "http.h"

typedef void (*route_handler_fn)(const struct app *app, struct http_req *req, struct http_resp *resp);

/* Finds the handler for req->path and method and runs it; unknown paths
 * get 404, known paths with another method 405. */
void route_dispatch(const struct app *app, struct http_req *req, struct http_resp *resp);

/* Handles one whole request from its CGI environment and body (in; NULL:
 * none): derives the request, dispatches, writes the response to out.
 * Used by the server and by tests. */
int route_serve(const struct app *app, char **env, const struct http_in *in, const struct http_out *out,
                void (*log_sink)(void *, const char *), void *log_ctx, struct http_scratch *scratch);

/* Answers a request with a body that no thread may take now (they are
 * all kept busy by other bodies): 503 with Retry-After, and a log line. */
int route_serve_busy(const struct app *app, char **env, const struct http_out *out,
                     void (*log_sink)(void *, const char *), void *log_ctx, struct http_scratch *scratch);

#endif
