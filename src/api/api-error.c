#include "api/api-error.h"

#include <stdarg.h>

struct api_error *
api_error_new(int status, const char *type, const char *fmt, ...)
{
    struct api_error *e = xmalloc(sizeof *e);
    va_list args;

    char *raw;

    va_start(args, fmt);
    raw = xvasprintf(fmt, args);
    va_end(args);
    /* Messages quote client input, which need not be UTF-8; the body must
     * be. */
    e->message = utf8_sanitize(raw);
    free(raw);
    e->status = status;
    e->type = xstrdup(type);
    return e;
}

/* neutron_lib.exceptions.InvalidInput. */
struct api_error *
api_error_invalid_input(const char *fmt, ...)
{
    va_list args;
    char *msg;
    struct api_error *e;

    va_start(args, fmt);
    msg = xvasprintf(fmt, args);
    va_end(args);
    e = api_error_new(400, "InvalidInput", "Invalid input for operation: %s.",
                      msg);
    free(msg);
    return e;
}

void
api_error_free(struct api_error *e)
{
    if (e) {
        free(e->type);
        free(e->message);
        free(e);
    }
}

json_t *
api_error_to_json(const struct api_error *e)
{
    return json_pack("{s:{s:s, s:s, s:s}}", "NeutronError", "type", e->type,
                     "message", e->message, "detail", "");
}
