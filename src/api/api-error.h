/* User-facing failures of the API, rendered as Neutron renders them:
 *
 *     {"NeutronError": {"type": TYPE, "message": MESSAGE, "detail": ""}}
 *
 * with TYPE the name of the Neutron exception class (e.g. "NetworkNotFound")
 * and the HTTP status Neutron maps it to.  Every handler returns NULL for
 * success or one of these, which the dispatcher turns into the response. */
#ifndef API_ERROR_H
#define API_ERROR_H 1

#include <jansson.h>

#include "core/util.h"

struct api_error {
    int status; /* HTTP status, 4xx or 5xx. */
    char *type; /* Neutron exception class name. */
    char *message;
};

/* Creates an error.  The caller owns it (api_error_free()). */
struct api_error *api_error_new(int status, const char *type, const char *fmt,
                                ...) PRINTF_FORMAT(3, 4);

/* Shorthands for the most common kinds. */
#define api_bad_request(...)   api_error_new(400, "HTTPBadRequest", __VA_ARGS__)
#define api_invalid_input(...) api_error_invalid_input(__VA_ARGS__)
struct api_error *api_error_invalid_input(const char *fmt, ...)
    PRINTF_FORMAT(1, 2);

void api_error_free(struct api_error *);

/* Returns a new reference to the NeutronError body of 'e'. */
json_t *api_error_to_json(const struct api_error *e);

#endif /* api/api-error.h */
