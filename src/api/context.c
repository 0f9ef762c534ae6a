#include "api/context.h"

#include <stdio.h>

#include "core/config.h"
#include "core/uuid.h"
#include "core/util.h"

struct request_context *
request_context_noauth(const char *project_id)
{
    struct request_context *ctx = xcalloc(1, sizeof *ctx);
    char uuid[UUID_STRLEN];

    uuid_generate(uuid);
    snprintf(ctx->request_id, sizeof ctx->request_id, "req-%s", uuid);
    ctx->user_id = xstrdup("");
    ctx->project_id = xstrdup(project_id);
    ctx->roles = strv_split_commas("admin");
    ctx->is_admin = true;
    return ctx;
}

void
request_context_free(struct request_context *ctx)
{
    if (ctx) {
        free(ctx->user_id);
        free(ctx->project_id);
        strv_free(ctx->roles);
        free(ctx);
    }
}
