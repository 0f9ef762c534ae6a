#include "api/token.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "core/config.h"

/* The string at 'path' (keys separated by '.') below 'obj', or "". */
static const char *
str_at(const json_t *obj, const char *path)
{
    char *copy = xstrdup(path), *save = NULL;
    const json_t *v = obj;

    for (char *k = strtok_r(copy, ".", &save); k && v;
         k = strtok_r(NULL, ".", &save)) {
        v = json_is_object(v) ? json_object_get(v, k) : NULL;
    }
    free(copy);
    return json_is_string(v) ? json_string_value(v) : "";
}

static char **
role_names(const json_t *roles)
{
    size_t n = json_is_array(roles) ? json_array_size(roles) : 0, k = 0;
    char **v = xcalloc(n + 1, sizeof *v);
    const json_t *role;
    size_t i;

    json_array_foreach (roles, i, role) {
        const char *name = str_at(role, "name");
        if (*name) {
            v[k++] = xstrdup(name);
        }
    }
    return v;
}

int
token_info_from_json(const json_t *body, struct token_info **ret)
{
    const json_t *token = json_object_get(body, "token");
    const json_t *system;
    struct token_info *info;
    int64_t expires;

    if (!json_is_object(token) || !*str_at(token, "user.id")
        || timestamp_parse_usec(str_at(token, "expires_at"), &expires) < 0) {
        return -EINVAL;
    }
    info = xcalloc(1, sizeof *info);
    info->user_id = xstrdup(str_at(token, "user.id"));
    info->user_domain_id = xstrdup(str_at(token, "user.domain.id"));
    info->project_id = xstrdup(str_at(token, "project.id"));
    info->project_domain_id = xstrdup(str_at(token, "project.domain.id"));
    info->domain_id = xstrdup(str_at(token, "domain.id"));
    system = json_object_get(token, "system");
    info->system_scope =
        xstrdup(json_is_true(json_object_get(system, "all")) ? "all" : "");
    info->roles = role_names(json_object_get(token, "roles"));
    info->expires_at = expires;
    *ret = info;
    return 0;
}

void
token_info_free(struct token_info *info)
{
    if (info) {
        free(info->user_id);
        free(info->user_domain_id);
        free(info->project_id);
        free(info->project_domain_id);
        free(info->domain_id);
        free(info->system_scope);
        strv_free(info->roles);
        free(info);
    }
}

bool
token_info_has_role(const struct token_info *info, const char *role)
{
    for (char **r = info->roles; *r; r++) {
        if (!strcasecmp(*r, role)) {
            return true;
        }
    }
    return false;
}
