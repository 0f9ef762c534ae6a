#include "api/authz.h"

#include <stdio.h>

#include "api/api-error.h"
#include "api/policy.h"
#include "core/ds.h"

struct authz {
    struct policy *policy;
    bool enforce_new_defaults;
};

/* The attributes Neutron's attribute maps mark 'enforce_policy', with
 * Neutron's default as JSON text (NULL: none), in map order. */
static const struct {
    const char *resource, *attr, *dflt;
} policed[] = {
    {"network", "shared", "false"},
    {"network", "router:external", "false"},
    {"network", "provider:network_type", NULL},
    {"network", "provider:physical_network", NULL},
    {"network", "provider:segmentation_id", NULL},
    {"network", "segments", NULL},
    {"network", "port_security_enabled", "true"},
    {"network", "mtu", "0"},
    {"network", "is_default", "false"},
    {"subnet", "segment_id", "null"},
    {"port", "mac_address", NULL},
    {"port", "fixed_ips", NULL},
    {"port", "device_owner", "\"\""},
    {"port", "allowed_address_pairs", NULL},
    {"port", "port_security_enabled", NULL},
    {"port", "binding:vnic_type", "\"normal\""},
    {"port", "binding:host_id", NULL},
    {"port", "binding:profile", NULL},
    {"port", "data_plane_status", NULL},
    {"subnetpool", "is_default", "false"},
    {"subnetpool", "shared", "false"},
    {"rbac_policy", "object_type", "null"},
    {"rbac_policy", "object_id", NULL},
    {"rbac_policy", "target_tenant", NULL},
    {"rbac_policy", "action", NULL},
};

int
authz_new(const struct server_config *cfg, struct authz **ret,
          char **ret_error)
{
    struct authz *az = xmalloc(sizeof *az);
    int r = 0;

    az->policy = policy_new(cfg->enforce_new_defaults);
    az->enforce_new_defaults = cfg->enforce_new_defaults;
    if (cfg->policy_file && *cfg->policy_file) {
        r = policy_load_file(az->policy, cfg->policy_file, ret_error);
    }
    if (r < 0) {
        authz_free(az);
        return r;
    }
    *ret = az;
    return 0;
}

void
authz_free(struct authz *az)
{
    if (az) {
        policy_free(az->policy);
        free(az);
    }
}

bool
authz_bypass(const struct authz *az, const struct request_context *ctx)
{
    return ctx->is_admin && !az->enforce_new_defaults;
}

const char *
authz_scope(const struct request_context *ctx)
{
    if (ctx->is_admin) {
        return NULL;
    }
    for (char **r = ctx->roles; *r; r++) {
        if (!strcmp(*r, "advsvc")) {
            return NULL;
        }
    }
    return ctx->project_id;
}

bool
authz_check(const struct authz *az, const struct request_context *ctx,
            const char *action, const json_t *target)
{
    return authz_bypass(az, ctx)
           || policy_check(az->policy, action, ctx, target);
}

/* True if a given attribute's 'value' counts as set: always on update,
 * on create unless it is Neutron's default 'dflt', as neutron/policy.py's
 * _is_attribute_explicitly_set. */
static bool
explicitly_set(const char *dflt, bool create, const json_t *value)
{
    json_t *d;
    bool same;

    if (!create || !dflt) {
        return true;
    }
    d = json_loads(dflt, JSON_DECODE_ANY, NULL);
    same = json_equal(d, value) || (json_is_null(d) && !value);
    json_decref(d);
    return !same;
}

/* Checks rule 'name', adding it to the failed expression 'expr'. */
static bool
check_leaf(const struct authz *az, const struct request_context *ctx,
           const char *name, const json_t *target, struct ds *expr)
{
    ds_put_format(expr, "rule:%s", name);
    return policy_check(az->policy, name, ctx, target);
}

/* "(rule:A:x and (rule:A:x:k1 and ...))" for an attribute whose value is a
 * list of objects, as neutron/policy.py's _build_list_of_subattrs_rule. */
static bool
check_attr(const struct authz *az, const struct request_context *ctx,
           const char *action, const char *attr, const json_t *value,
           const json_t *target, struct ds *expr)
{
    struct ds sub = DS_EMPTY_INITIALIZER;
    char *name = xasprintf("%s:%s", action, attr);
    bool ok = true, any = false;
    size_t i;
    json_t *item;

    json_array_foreach (value, i, item) {
        const char *key;
        json_t *v;

        json_object_foreach (item, key, v) {
            char *subname = xasprintf("%s:%s", name, key);
            ds_put_cstr(&sub, any ? " and " : "(");
            ok &= check_leaf(az, ctx, subname, target, &sub);
            any = true;
            free(subname);
        }
    }
    if (any) {
        ds_put_char(expr, '(');
    }
    ok &= check_leaf(az, ctx, name, target, expr);
    if (any) {
        ds_put_format(expr, " and %s))", ds_cstr(&sub));
    }
    ds_destroy(&sub);
    free(name);
    return ok;
}

struct api_error *
authz_enforce(const struct authz *az, const struct request_context *ctx,
              const char *verb, const char *resource, const json_t *target,
              const json_t *given)
{
    bool create = !strcmp(verb, "create");
    bool attrs = create || !strcmp(verb, "update");
    char *action = xasprintf("%s_%s", verb, resource);
    struct ds expr = DS_EMPTY_INITIALIZER;
    struct ds attr_expr = DS_EMPTY_INITIALIZER;
    struct api_error *e = NULL;
    char *wrapped;
    bool ok;

    if (authz_bypass(az, ctx)) {
        free(action);
        return NULL;
    }
    ok = check_leaf(az, ctx, action, target, &expr);
    for (size_t i = 0; attrs && i < ARRAY_SIZE(policed); i++) {
        const char *attr = policed[i].attr;
        const json_t *value = json_object_get(target, attr);

        if (strcmp(policed[i].resource, resource)
            || !json_object_get(given, attr)
            || !explicitly_set(policed[i].dflt, create, value)) {
            continue;
        }
        /* Nested as Neutron's AndChecks print: "((a and b) and c)". */
        ok &= check_attr(az, ctx, action, attr, json_object_get(given, attr),
                         target, &attr_expr);
        wrapped =
            xasprintf("(%s and %s)", ds_cstr(&expr), ds_cstr(&attr_expr));
        ds_clear(&expr);
        ds_clear(&attr_expr);
        ds_put_cstr(&expr, wrapped);
        free(wrapped);
    }
    if (!ok) {
        e = api_error_new(403, "PolicyNotAuthorized",
                          "%s is disallowed by policy", ds_cstr(&expr));
    }
    ds_destroy(&expr);
    ds_destroy(&attr_expr);
    free(action);
    return e;
}

void
authz_strip(const struct authz *az, const struct request_context *ctx,
            const char *resource, json_t *obj)
{
    json_t *hidden;
    const char *key;
    json_t *value;
    size_t i;

    if (authz_bypass(az, ctx)) {
        return;
    }
    /* Decided on the whole object, then removed, as Neutron does. */
    hidden = json_array();
    json_object_foreach (obj, key, value) {
        char *rule = xasprintf("get_%s:%s", resource, key);
        if (policy_has_rule(az->policy, rule)
            && !policy_check(az->policy, rule, ctx, obj)) {
            json_array_append_new(hidden, json_string(key));
        }
        free(rule);
    }
    json_array_foreach (hidden, i, value) {
        json_object_del(obj, json_string_value(value));
    }
    json_decref(hidden);
}
