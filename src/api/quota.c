#include "api/quota.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>

#include "api/resource.h"
#include "api/schema.h"
#include "api/security-group.h"
#include "api/subnetpool.h"

/* A resource with a quota: its name in the API, what it counts, and the
 * server_config member holding its default limit. */
static const struct {
    const char *name;
    const struct resource_def *def;
    size_t dflt;
} resources[] = {
    {"network", &network_def, offsetof(struct server_config, quota_network)},
    {"subnet", &subnet_def, offsetof(struct server_config, quota_subnet)},
    {"port", &port_def, offsetof(struct server_config, quota_port)},
    {"security_group", &security_group_def,
     offsetof(struct server_config, quota_security_group)},
    {"security_group_rule", &security_group_rule_def,
     offsetof(struct server_config, quota_security_group_rule)},
    {"rbac_policy", &rbac_def,
     offsetof(struct server_config, quota_rbac_policy)},
    {"subnetpool", &subnetpool_def,
     offsetof(struct server_config, default_quota)},
};

static long
default_limit(const struct server_config *cfg, size_t i)
{
    return *(const int *) ((const char *) cfg + resources[i].dflt);
}

/* The limits of 'project': defaults overridden by its own ('set', from
 * store_quota_list(); may be NULL). */
static json_t *
limits_of(const struct server_config *cfg, json_t *set)
{
    json_t *limits = json_object();

    for (size_t i = 0; i < ARRAY_SIZE(resources); i++) {
        json_t *v = json_object_get(set, resources[i].name);
        json_object_set_new(limits, resources[i].name,
                            v ? json_incref(v)
                              : json_integer(default_limit(cfg, i)));
    }
    return limits;
}

static struct api_error *
read_limits(struct api_request *req, const char *project, json_t **ret)
{
    json_t *all = NULL;
    int r = store_quota_list(req->store, project, &all);

    if (r) {
        return api_error_from_store(r);
    }
    *ret = limits_of(req->cfg, json_object_get(all, project));
    json_decref(all);
    return NULL;
}

struct api_error *
quota_check(struct api_request *req, const struct resource_def *def,
            const char *project)
{
    long limit, used;
    size_t i;
    int r;

    for (i = 0; i < ARRAY_SIZE(resources) && resources[i].def != def; i++) {
        continue;
    }
    if (i == ARRAY_SIZE(resources)) {
        return NULL;
    }
    r = store_quota_get(req->store, project, resources[i].name, &limit);
    if (r == -ENOENT) {
        limit = default_limit(req->cfg, i);
    } else if (r) {
        return api_error_from_store(r);
    }
    if (limit < 0) {
        return NULL;
    }
    used = store_count_owned(req->store, def, project);
    if (used < 0) {
        return api_error_from_store(used);
    }
    if (used >= limit) {
        return api_error_new(409, "OverQuota",
                             "Quota exceeded for resources: ['%s'].",
                             resources[i].name);
    }
    return NULL;
}

/* Neutron's quota rules, on the caller's own project as Neutron's
 * validate_policy does; reading one's own quotas needs none. */
static struct api_error *
authorize(struct api_request *req, const char *verb, const char *project)
{
    json_t *target;
    struct api_error *e;

    if (project && !strcmp(project, req->ctx->project_id)
        && !strcmp(verb, "get")) {
        return NULL;
    }
    target = json_pack("{s:s, s:s}", "project_id", req->ctx->project_id,
                       "tenant_id", req->ctx->project_id);
    e = authz_enforce(req->authz, req->ctx, verb, "quota", target, NULL);
    json_decref(target);
    return e;
}

static void
add_project(json_t *obj, const char *project)
{
    json_object_set_new(obj, "project_id", json_string(project));
    json_object_set_new(obj, "tenant_id", json_string(project));
}

/* What a GET, PUT or DELETE of /v2.0/quotas[/project[/what]] answers. */
struct quota_args {
    const char *project; /* NULL: the collection. */
    const char *what;    /* NULL, "default" or "details". */
    json_t *body;        /* PUT: the "quota" object. */
    json_t *out;
};

static struct api_error *
do_list(struct call *c, struct quota_args *a)
{
    json_t *all = NULL, *set, *list = json_array();
    const char *project;
    int r = store_quota_list(c->req.store, NULL, &all);

    if (r) {
        json_decref(list);
        return api_error_from_store(r);
    }
    json_object_foreach (all, project, set) {
        json_t *q = limits_of(c->req.cfg, set);
        add_project(q, project);
        json_array_append_new(list, q);
    }
    json_decref(all);
    a->out = json_pack("{s:o}", "quotas", list);
    return NULL;
}

static struct api_error *
do_details(struct call *c, struct quota_args *a)
{
    json_t *limits = NULL, *details = json_object();
    struct api_error *e = read_limits(&c->req, a->project, &limits);

    for (size_t i = 0; !e && i < ARRAY_SIZE(resources); i++) {
        long used =
            store_count_owned(c->req.store, resources[i].def, a->project);
        if (used < 0) {
            e = api_error_from_store(used);
            break;
        }
        json_object_set_new(
            details, resources[i].name,
            json_pack("{s:O, s:i, s:i}", "limit",
                      json_object_get(limits, resources[i].name), "used",
                      (json_int_t) used, "reserved", 0));
    }
    json_decref(limits);
    if (e) {
        json_decref(details);
        return e;
    }
    a->out = json_pack("{s:o}", "quota", details);
    return NULL;
}

/* Checks the body of a PUT as Neutron's attribute map for quotas does
 * (integers from -1, converted in place); 'force' and 'check_limit' are
 * accepted and ignored. */
static struct api_error *
validate_update(json_t *body)
{
    const char *key;
    json_t *v;

    json_object_foreach (body, key, v) {
        bool known = false;
        json_t *n = NULL;
        char *why;

        if (!strcmp(key, "force") || !strcmp(key, "check_limit")) {
            continue;
        }
        for (size_t i = 0; i < ARRAY_SIZE(resources) && !known; i++) {
            known = !strcmp(key, resources[i].name);
        }
        if (!known) {
            return api_bad_request("Unrecognized attribute(s) '%s'", key);
        }
        why = convert_int(v, &n);
        if (why) {
            struct api_error *e = api_invalid_input("%s", why);
            free(why);
            return e;
        }
        if (json_integer_value(n) < -1 || json_integer_value(n) > INT_MAX) {
            char *shown = schema_repr(v);
            struct api_error *e =
                json_integer_value(n) < -1
                    ? api_bad_request("Invalid input for %s. Reason: '%s' "
                                      "is too small - must be at least "
                                      "'-1'.",
                                      key, shown)
                    : api_bad_request("Invalid input for %s. Reason: '%s' "
                                      "is too large - must be no larger "
                                      "than '%d'.",
                                      key, shown, INT_MAX);
            free(shown);
            json_decref(n);
            return e;
        }
        json_object_set_new(body, key, n);
    }
    return NULL;
}

static struct api_error *
do_update(struct call *c, struct quota_args *a)
{
    struct api_error *e = validate_update(a->body);
    const char *key;
    json_t *v;

    json_object_foreach (e ? NULL : a->body, key, v) {
        int r = 0;
        if (strcmp(key, "force") && strcmp(key, "check_limit")) {
            r = store_quota_set(c->req.store, a->project, key,
                                json_integer_value(v));
        }
        if (r) {
            return api_error_from_store(r);
        }
    }
    return e;
}

static struct api_error *
do_quota(struct call *c, void *aux)
{
    struct quota_args *a = aux;
    const char *method = http_request_method(c->http);
    json_t *limits = NULL;
    struct api_error *e;
    int r;

    if (!a->project) {
        e = authorize(&c->req, "get", NULL);
        return e ? e : do_list(c, a);
    }
    e = authorize(&c->req,
                  !strcmp(method, "GET")   ? "get"
                  : !strcmp(method, "PUT") ? "update"
                                           : "delete",
                  a->project);
    if (e) {
        return e;
    }
    if (!strcmp(method, "DELETE")) {
        r = store_quota_delete(c->req.store, a->project);
        return r == -ENOENT ? api_error_new(404, "TenantQuotaNotFound",
                                            "Quota for tenant %s could not "
                                            "be found.",
                                            a->project)
                            : api_error_from_store(r);
    }
    if (a->what && !strcmp(a->what, "details")) {
        return do_details(c, a);
    }
    e = !strcmp(method, "PUT") ? do_update(c, a) : NULL;
    if (!e && a->what) {
        limits = limits_of(c->req.cfg, NULL);
    } else if (!e) {
        e = read_limits(&c->req, a->project, &limits);
        if (!e) {
            add_project(limits, a->project);
        }
    }
    if (!e) {
        a->out = json_pack("{s:o}", "quota", limits);
    }
    return e;
}

void
quota_route(struct call *c, struct http_response *resp)
{
    const char *method = http_request_method(c->http);
    struct quota_args a = {NULL, NULL, NULL, NULL};
    bool write = strcmp(method, "GET");
    struct api_error *e = NULL;
    json_t *body = NULL;

    if (c->n_segs > 4
        || (c->n_segs == 4 && strcmp(c->segs[3], "default")
            && strcmp(c->segs[3], "details"))) {
        api_not_found(resp);
        return;
    }
    a.project = c->n_segs > 2 ? c->segs[2] : NULL;
    a.what = c->n_segs > 3 ? c->segs[3] : NULL;
    if ((write && (!a.project || a.what))
        || (strcmp(method, "GET") && strcmp(method, "PUT")
            && strcmp(method, "DELETE"))) {
        api_method_not_allowed(resp, method);
        return;
    }
    if (!strcmp(method, "PUT")) {
        body = api_parse_body(c->http, &e);
        a.body = body ? json_object_get(body, "quota") : NULL;
        if (body && !json_is_object(a.body)) {
            e = api_bad_request("Unable to find 'quota' in request body");
        }
    }
    if (!e) {
        e = api_in_transaction(c, write, do_quota, &a);
    }
    if (e) {
        api_respond_error(resp, e);
    } else if (!strcmp(method, "DELETE")) {
        resp->status = 204;
    } else {
        api_respond_json(resp, 200, json_incref(a.out));
    }
    json_decref(a.out);
    json_decref(body);
}
