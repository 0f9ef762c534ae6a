#include "api/context.h"

#include <stdio.h>

#include "core/config.h"
#include "core/uuid.h"
#include "core/util.h"

static struct request_context *
context_new(void)
{
    struct request_context *ctx = xcalloc(1, sizeof *ctx);
    char uuid[UUID_STRLEN];

    uuid_generate(uuid);
    snprintf(ctx->request_id, sizeof ctx->request_id, "req-%s", uuid);
    return ctx;
}

struct request_context *
request_context_noauth(const char *project_id)
{
    struct request_context *ctx = context_new();

    ctx->user_id = xstrdup("");
    ctx->project_id = xstrdup(project_id);
    ctx->project_domain_id = xstrdup("");
    ctx->user_domain_id = xstrdup("");
    ctx->system_scope = xstrdup("");
    ctx->roles = strv_split_commas("admin");
    ctx->is_admin = true;
    return ctx;
}

struct request_context *
request_context_from_token(const struct token_info *info)
{
    struct request_context *ctx = context_new();
    size_t n = strv_length(info->roles);

    ctx->user_id = xstrdup(info->user_id);
    ctx->project_id = xstrdup(info->project_id);
    ctx->project_domain_id = xstrdup(info->project_domain_id);
    ctx->user_domain_id = xstrdup(info->user_domain_id);
    ctx->system_scope = xstrdup(info->system_scope);
    ctx->roles = xcalloc(n + 1, sizeof *ctx->roles);
    for (size_t i = 0; i < n; i++) {
        ctx->roles[i] = xstrdup(info->roles[i]);
    }
    ctx->is_admin = token_info_has_role(info, "admin");
    return ctx;
}

void
request_context_free(struct request_context *ctx)
{
    if (ctx) {
        free(ctx->user_id);
        free(ctx->project_id);
        free(ctx->project_domain_id);
        free(ctx->user_domain_id);
        free(ctx->system_scope);
        strv_free(ctx->roles);
        free(ctx);
    }
}
