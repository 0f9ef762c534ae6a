/* Requests from the neutrino CLI to a Neutron v2.0 API server, over
 * libcurl's easy (blocking) interface: a command line makes a handful of
 * calls, one after the other.
 *
 * With noauth the endpoint is given (--os-endpoint / OS_ENDPOINT) and the
 * project, if any, goes in X-Project-Id.  Failures come back as the text
 * the openstack CLI prints for them: openstacksdk's exception name, the
 * HTTP status and the NeutronError message, e.g. "NotFoundException: 404:
 * Client Error for url: http://.../v2.0/networks/x, Network x could not be
 * found.". */
#ifndef CLI_API_H
#define CLI_API_H 1

#include <jansson.h>
#include <stdbool.h>

#include "core/util.h"

struct cli_api;

/* 'endpoint' is the server's URL, with or without a trailing "/v2.0";
 * 'project_id' may be NULL. */
struct cli_api *cli_api_create(const char *endpoint, const char *project_id);
void cli_api_destroy(struct cli_api *);

/* Sends 'token' (a Keystone token) as X-Auth-Token with every request. */
void cli_api_set_token(struct cli_api *, const char *token);

/* Sends 'method' to 'path' under the v2.0 root (e.g. "/networks?name=x"),
 * or to 'path' itself if it is a whole http(s) URL (pagination links),
 * with 'body' as JSON (borrowed; NULL: none).  Returns the HTTP status,
 * with the decoded answer in '*ret_body' when it is JSON (else NULL; the
 * caller owns it) and, for a status of 400 or more, the openstack CLI's
 * error text in '*ret_error' (malloc'd).  Returns -EIO, with the reason in
 * '*ret_error', when the server cannot be reached or answers garbage. */
int cli_api_request(struct cli_api *, const char *method, const char *path,
                    const json_t *body, json_t **ret_body,
                    char **ret_error) WARN_UNUSED;

/* openstackclient wraps the HTTP errors of the commands that also work
 * with nova-network ("network create", "network show") as "Error while
 * executing command: NotFoundException: 404, MESSAGE"; 'wrap' selects that
 * form for the following requests. */
void cli_api_wrap_errors(struct cli_api *, bool wrap);
bool cli_api_wraps_errors(const struct cli_api *);

/* 'text' escaped for a URL query value (malloc'd). */
char *cli_api_escape(const char *text);

#endif /* cli/cli-api.h */
