#include "api/api.h"

#include <errno.h>
#include <stdio.h>

#include "api/address-group.h"
#include "api/agents.h"
#include "api/dhcp-sched.h"
#include "api/call.h"
#include "api/feed.h"
#include "api/ipam.h"
#include "api/quota.h"
#include "api/resource.h"
#include "api/rpc.h"
#include "api/security-group.h"
#include "api/subnetpool.h"
#include "core/config.h"
#include "core/ds.h"
#include "core/json-writer.h"
#include "core/log.h"
#include "core/uuid.h"

LOG_DEFINE_THIS_MODULE(api);

struct api {
    struct store *store;
    const struct server_config *cfg;
    struct feed *feed;
    const struct authz *authz;
    json_t *batch_cache; /* See struct api_request. */
};

static const struct resource_ops *const resources[] = {
    &network_ops,
    &subnet_ops,
    &subnetpool_ops,
    &port_ops,
    &agent_ops,
    &security_group_ops,
    &security_group_rule_ops,
    &address_group_ops,
    &rbac_ops,
};
/* The first ones are Neutron's core resources, which /v2.0/ lists. */
#define N_CORE_RESOURCES 4

/* The extensions that work here, as Neutron advertises them. */
static const struct {
    const char *alias, *name, *description;
} extensions[] = {
    {"address-group", "Address group", "Support address group"},
    {"agent", "agent", "The agent management extension."},
    {"allowed-address-pairs", "Allowed Address Pairs",
     "Provides allowed address pairs"},
    {"binding", "Port Binding",
     "Expose port bindings of a virtual port to "
     "external application"},
    {"default-subnetpools", "Default Subnetpools",
     "Provides ability to mark and use a subnetpool as the default."},
    {"dhcp_agent_scheduler", "DHCP Agent Scheduler",
     "Schedule networks among dhcp agents"},
    {"empty-string-filtering", "Empty String Filtering Extension",
     "Allow filtering by attributes with empty string value"},
    {"external-net", "Neutron external network",
     "Adds external network attribute to network resource."},
    {"extra_dhcp_opt", "Neutron Extra DHCP options",
     "Extra options configuration for DHCP. For example PXE boot options "
     "to DHCP clients can be specified (e.g. tftp-server, server-ip-address,"
     " bootfile-name)"},
    {"filter-validation", "Filter parameters validation",
     "Provides validation on filter parameters."},
    {"ip-substring-filtering", "IP address substring filtering",
     "Provides IP address substring filtering when listing ports"},
    {"net-mtu", "Network MTU",
     "Provides MTU attribute for a network "
     "resource."},
    {"net-mtu-writable", "Network MTU (writable)",
     "Provides a writable MTU attribute for a network resource."},
    {"network-ip-availability", "Network IP Availability",
     "Provides IP availability data for each network and subnet."},
    {"pagination", "Pagination support",
     "Extension that indicates that "
     "pagination is enabled."},
    {"port-mac-address-regenerate", "Neutron Port MAC address regenerate",
     "Network port MAC address regenerate"},
    {"port-security", "Port Security", "Provides port security"},
    {"port-security-groups-filtering", "Port filtering on security groups",
     "Provides security groups filtering when listing ports"},
    {"project-id", "project_id field enabled",
     "Extension that indicates that project_id field is enabled."},
    {"provider", "Provider Network",
     "Expose mapping of virtual networks "
     "to physical networks"},
    {"quota_details", "Quota details management support",
     "Expose functions for quotas usage statistics per project"},
    {"quotas", "Quota management support",
     "Expose functions for quotas management per project"},
    {"rbac-policies", "RBAC Policies",
     "Allows creation and modification of policies that control tenant "
     "access to resources."},
    {"security-group", "security-group", "The security groups extension."},
    {"security-groups-normalized-cidr",
     "Normalized CIDR field for security group rules",
     "Add new field with normalized remote_ip_prefix cidr in SG rule"},
    {"security-groups-remote-address-group",
     "Remote address group id field for security group rules",
     "Add new field of remote address group id in SG rules"},
    {"security-groups-shared-filtering",
     "Security group filtering on the shared field",
     "Support filtering security groups on the shared field"},
    {"revision-if-match", "If-Match constraints based on revision_number",
     "Extension indicating that If-Match based on revision_number is "
     "supported."},
    {"sorting", "Sorting support",
     "Extension that indicates that sorting "
     "is enabled."},
    {"standard-attr-description", "standard-attr-description",
     "Extension to add descriptions to standard attributes"},
    {"standard-attr-revisions", "Resource revision numbers",
     "This extension will display the revision number of neutron "
     "resources."},
    {"standard-attr-tag",
     "Tag support for resources with standard "
     "attribute: subnet, trunk, network_segment_range, "
     "router, network, policy, subnetpool, port, "
     "security_group, floatingip",
     "Enables to set tag on resources with standard attribute."},
    {"standard-attr-timestamp", "Resource timestamps",
     "Adds created_at and updated_at fields to all Neutron resources that "
     "have Neutron standard attributes."},
    {"stateful-security-group", "Stateful security group",
     "Indicates if the security group is stateful or not"},
    {"subnet_allocation", "Subnet Allocation",
     "Enables allocation of subnets from a subnet pool"},
    {"subnetpool-prefix-ops", "Subnet Pool Prefix Operations",
     "Provides support for adjusting the prefix list of subnet pools"},
};

struct api *
api_new(struct store *store, const struct server_config *cfg,
        struct feed *feed, const struct authz *authz)
{
    struct api *api = xmalloc(sizeof *api);

    api->store = store;
    api->cfg = cfg;
    api->feed = feed;
    api->authz = authz;
    api->batch_cache = json_object();
    return api;
}

void
api_free(struct api *api)
{
    if (api) {
        json_decref(api->batch_cache);
        free(api);
    }
}

struct feed *
api_feed(const struct api *api)
{
    return api->feed;
}

/* ---- Helpers shared with the resource modules (resource.h). ---- */

struct api_error *
api_error_from_store(int r)
{
    if (!r) {
        return NULL;
    }
    if (r == -EBUSY || r == -EAGAIN) {
        return api_error_new(503, "ServiceUnavailable",
                             "The database is busy, try again.");
    }
    if (r == -ENOTCONN) {
        return api_error_new(503, "ServiceUnavailable",
                             "The database is unreachable, try again.");
    }
    if (r == -EEXIST) {
        return api_error_new(409, "Conflict", "A conflicting object exists.");
    }
    return api_error_new(500, "HTTPInternalServerError",
                         "Request Failed: internal server error while "
                         "processing your request.");
}

struct api_error *
resource_not_found(const struct resource_def *def, const char *id)
{
    struct api_error *e;
    char *fmt;

    if (def->not_found_fmt) {
        /* "PREFIX%sSUFFIX": no format string from data. */
        const char *at = strstr(def->not_found_fmt, "%s");
        fmt = xasprintf("%.*s%s%s", (int) (at - def->not_found_fmt),
                        def->not_found_fmt, id, at + 2);
    } else {
        fmt = xasprintf("%s %s could not be found.", def->noun, id);
    }
    e = api_error_new(404, def->not_found, "%s", fmt);
    free(fmt);
    return e;
}

struct api_error *
resource_get(struct api_request *req, const struct resource_def *def,
             const char *id, json_t **ret)
{
    return resource_get_fields(req, def, id, NULL, ret);
}

struct api_error *
resource_get_fields(struct api_request *req, const struct resource_def *def,
                    const char *id, const char *const *names, json_t **ret)
{
    json_t *row = store_get_fields(req->store, def, id, names);

    if (!row) {
        return resource_not_found(def, id);
    }
    *ret = row;
    return NULL;
}

struct api_error *
resource_init_row(struct api_request *req, json_t *attrs, int revision,
                  char **ret_id)
{
    const char *project =
        json_string_value(json_object_get(attrs, "project_id"));
    const char *tenant =
        json_string_value(json_object_get(attrs, "tenant_id"));
    char id[UUID_STRLEN];

    if (project && tenant && strcmp(project, tenant)) {
        return api_bad_request("'project_id' and 'tenant_id' do not match");
    }
    project = project ? project : tenant ? tenant : req->ctx->project_id;
    if (strcmp(project, req->ctx->project_id) && !req->ctx->is_admin) {
        return api_bad_request("Specifying 'project_id' or 'tenant_id' "
                               "other than the authenticated project in "
                               "request requires admin or advsvc "
                               "privileges");
    }
    json_object_set_new(attrs, "project_id", json_string(project));
    json_object_del(attrs, "tenant_id");
    uuid_generate(id);
    json_object_set_new(attrs, "id", json_string(id));
    json_object_set_new(attrs, "tags", json_array());
    json_object_set_new(attrs, "revision_number", json_integer(revision));
    json_object_set_new(attrs, "created_at", json_string(req->now));
    json_object_set_new(attrs, "updated_at", json_string(req->now));
    *ret_id = xstrdup(id);
    return NULL;
}

bool
resource_merge(json_t *row, json_t *changes)
{
    bool changed = false;
    const char *key;
    json_t *value;

    json_object_foreach (changes, key, value) {
        if (!json_equal(json_object_get(row, key), value)) {
            json_object_set(row, key, value);
            changed = true;
        }
    }
    return changed;
}

struct api_error *
resource_save(struct api_request *req, const struct resource_def *def,
              json_t *row)
{
    json_int_t rev =
        json_integer_value(json_object_get(row, "revision_number"));

    json_object_set_new(row, "revision_number", json_integer(rev + 1));
    json_object_set_new(row, "updated_at", json_string(req->now));
    return api_error_from_store(store_update(
        req->store, def, json_string_value(json_object_get(row, "id")), row));
}

/* ---- Policy (api/authz.h) around the handlers. ---- */

static bool
bypass(const struct api_request *req)
{
    return authz_bypass(req->authz, req->ctx);
}

/* The stored row 'id' if the caller's scope (api/authz.h) includes it;
 * otherwise the resource's NotFound, as Neutron's scoped query answers. */
static struct api_error *
get_visible(struct api_request *req, const struct resource_def *def,
            const char *id, json_t **ret)
{
    const char *scope = authz_scope(req->ctx);
    struct api_error *e = resource_get(req, def, id, ret);

    if (!e && scope && store_visible(req->store, def, id, scope) != 1) {
        json_decref(*ret);
        *ret = NULL;
        e = resource_not_found(def, id);
    }
    return e;
}

/* A network's 'shared' as the caller sees it: shared with everyone or, by
 * an RBAC policy, with the caller's project (Neutron's
 * _is_network_shared). */
static bool
shared_with_caller(struct api_request *req, json_t *net)
{
    return json_is_true(json_object_get(net, "shared"))
           || store_rbac_allows(req->store,
                                json_string_value(json_object_get(net, "id")),
                                "access_as_shared", req->ctx->project_id)
                  == 1;
}

/* Adds to 'target' what Neutron's rules read of its network (a subnet's
 * or a port's): "network:tenant_id" and "shared".  'cache' (may be NULL)
 * keeps them by network id for a list. */
static void
add_network_fields(struct api_request *req, const struct resource_def *def,
                   json_t *target, json_t *cache)
{
    static const char *const fields[] = {"id", "project_id", "shared", NULL};
    const char *id = json_string_value(json_object_get(target, "network_id"));
    json_t *net;

    if (def == &network_def || !id) {
        return;
    }
    net = json_incref(json_object_get(cache, id));
    if (!net) {
        net = store_get_fields(req->store, &network_def, id, fields);
        if (net && cache) {
            json_object_set(cache, id, net);
        }
    }
    if (net) {
        json_object_set(target, "network:tenant_id",
                        json_object_get(net, "project_id"));
        json_object_set(target, "network:project_id",
                        json_object_get(net, "project_id"));
        json_object_set_new(target, "shared",
                            json_boolean(shared_with_caller(req, net)));
    }
    json_decref(net);
}

/* What the rules see of 'row': its attributes, tenant_id, its network's. */
static json_t *
policy_target(struct api_request *req, const struct resource_def *def,
              json_t *row, json_t *cache)
{
    json_t *target = json_copy(row);

    if (json_object_get(row, "project_id")) {
        json_object_set(target, "tenant_id",
                        json_object_get(row, "project_id"));
    }
    if (def == &network_def) {
        json_object_set_new(target, "shared",
                            json_boolean(shared_with_caller(req, row)));
    }
    add_network_fields(req, def, target, cache);
    return target;
}

/* True if the caller passes get_<resource> on 'row'. */
static bool
may_read(struct api_request *req, const struct resource_def *def, json_t *row,
         json_t *cache)
{
    char *action;
    json_t *target;
    bool ok;

    if (bypass(req)) {
        return true;
    }
    action = xasprintf("get_%s", def->singular);
    target = policy_target(req, def, row, cache);
    ok = authz_check(req->authz, req->ctx, action, target);
    json_decref(target);
    free(action);
    return ok;
}

/* Neutron's policy hook for an update or delete of 'row' (with 'changes'
 * applied for an update; 'given': the request's attributes): a failure is
 * 403 if the caller may read the object, else 404. */
static struct api_error *
authorize_change(struct api_request *req, const struct resource_def *def,
                 const char *verb, json_t *row, json_t *changes, json_t *given)
{
    json_t *target;
    struct api_error *e;

    if (bypass(req)) {
        return NULL;
    }
    target = policy_target(req, def, row, NULL);
    json_object_update(target, changes);
    e = authz_enforce(req->authz, req->ctx, verb, def->singular, target,
                      given);
    if (e && !may_read(req, def, row, NULL)) {
        api_error_free(e);
        e = api_error_new(404, "HTTPNotFound",
                          "The resource could not be found.");
    }
    json_decref(target);
    return e;
}

struct api_error *
api_get_for_action(struct api_request *req, const struct resource_def *def,
                   const char *id, const char *rule, json_t **ret)
{
    struct api_error *e = get_visible(req, def, id, ret);
    json_t *target;

    if (e || bypass(req)) {
        return e;
    }
    target = policy_target(req, def, *ret, NULL);
    if (!authz_check(req->authz, req->ctx, rule, target)) {
        e = may_read(req, def, *ret, NULL)
                ? api_error_new(403, "PolicyNotAuthorized",
                                "rule:%s is disallowed by policy", rule)
                : resource_not_found(def, id);
        json_decref(*ret);
        *ret = NULL;
    }
    json_decref(target);
    return e;
}

/* Neutron's policy hook for a create from request body 'item' ('attrs':
 * validated, defaults filled), then the network's visibility: a port or
 * subnet on a network the caller may not see is NetworkNotFound. */
static struct api_error *
authorize_create(struct api_request *req, const struct resource_def *def,
                 json_t *item, json_t *attrs)
{
    const char *project =
        json_string_value(json_object_get(attrs, "project_id"));
    const char *tenant =
        json_string_value(json_object_get(attrs, "tenant_id"));
    const char *scope = authz_scope(req->ctx);
    const char *net_id =
        json_string_value(json_object_get(attrs, "network_id"));
    json_t *target;
    struct api_error *e = NULL;

    if (bypass(req) && !scope) {
        return NULL;
    }
    target = json_copy(attrs);
    project = project ? project : tenant ? tenant : req->ctx->project_id;
    json_object_set_new(target, "project_id", json_string(project));
    json_object_set_new(target, "tenant_id", json_string(project));
    add_network_fields(req, def, target, NULL);
    if (!bypass(req)) {
        e = authz_enforce(req->authz, req->ctx, "create", def->singular,
                          target, item);
    }
    if (!e && def != &network_def && net_id && scope
        && store_visible(req->store, &network_def, net_id, scope) != 1) {
        e = resource_not_found(&network_def, net_id);
    }
    json_decref(target);
    return e;
}

/* ---- Rendering. ---- */

static void
apply_fields(json_t *obj, char **fields)
{
    const char *key;
    json_t *value;
    void *tmp;

    if (!fields) {
        return;
    }
    json_object_foreach_safe (obj, tmp, key, value) {
        bool keep = false;
        for (size_t i = 0; fields[i] && !keep; i++) {
            keep = !strcmp(fields[i], key);
        }
        if (!keep) {
            json_object_del(obj, key);
        }
    }
}

/* Completes a stored row for a response: tenant_id and the attributes
 * without a column, as the list writer renders them. */
void
api_render(struct api_request *req, const struct resource_ops *ops,
           json_t *row, char **fields)
{
    if (json_object_get(row, "project_id")) {
        json_object_set(row, "tenant_id", json_object_get(row, "project_id"));
    }
    if (ops->render_extra) {
        struct ds text = DS_EMPTY_INITIALIZER;
        json_t *extra;

        ds_put_char(&text, '{');
        ops->render_extra(req, json_string_value(json_object_get(row, "id")),
                          NULL, true, &text);
        ds_put_char(&text, '}');
        extra = json_loads(ds_cstr(&text), 0, NULL);
        json_object_update(row, extra);
        json_decref(extra);
        ds_destroy(&text);
    }
    apply_fields(row, fields);
}

/* api_render() and what the caller's policy changes: the attributes it
 * may not read go, a network's 'shared' is as shared with it. */
static void
render_for_caller(struct api_request *req, const struct resource_ops *ops,
                  json_t *row)
{
    api_render(req, ops, row, NULL);
    if (bypass(req)) {
        return;
    }
    if (ops->def == &network_def) {
        json_object_set_new(row, "shared",
                            json_boolean(shared_with_caller(req, row)));
    }
    authz_strip(req->authz, req->ctx, ops->def->singular, row);
}

static char *
dump(json_t *body)
{
    struct ds text = DS_EMPTY_INITIALIZER;

    ds_reserve(&text, 1024); /* A port's JSON; grown by doubling from there. */
    json_put_value(&text, body);
    json_decref(body);
    return ds_steal(&text);
}

void
api_respond_error(struct http_response *resp, struct api_error *e)
{
    if (e->status >= 500) {
        log_error("request failed: %s: %s", e->type, e->message);
    }
    resp->status = e->status;
    resp->body = dump(api_error_to_json(e));
    if (!strcmp(e->type, "ServiceUnavailable")) {
        /* The database's trouble, not the request's: clients that honour
         * it retry. */
        resp->extra_header_name = "Retry-After";
        resp->extra_header_value = xstrdup("1");
    }
    api_error_free(e);
}

void
api_respond_json(struct http_response *resp, int status, json_t *body)
{
    resp->status = status;
    resp->body = dump(body);
}

/* ---- Request plumbing. ---- */

json_t *
api_parse_body(const struct http_request *http, struct api_error **e)
{
    size_t len;
    const char *body = http_request_body(http, &len);
    json_error_t err;
    json_t *json;

    if (!len) {
        *e = api_bad_request("Resource body required");
        return NULL;
    }
    json = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!json || !json_is_object(json)) {
        json_decref(json);
        *e = api_bad_request("Body contains invalid data");
        return NULL;
    }
    return json;
}

/* Parses "If-Match: revision_number=N"; -1 when absent. */
static struct api_error *
if_match(const struct http_request *http, long long *ret)
{
    const char *h = http_request_header(http, "If-Match");
    char *end;

    *ret = -1;
    if (!h) {
        return NULL;
    }
    if (str_startswith(h, "revision_number=")) {
        *ret = strtoll(h + 16, &end, 10);
        if (end != h + 16 && !*end && *ret >= 0) {
            return NULL;
        }
    }
    *ret = -1;
    return api_error_new(400, "BadRequest",
                         "Bad If-Match request: Revision number etag must be "
                         "in the format of revision_number=<int>.");
}

static struct api_error *
check_revision(json_t *row, long long wanted)
{
    long long rev =
        json_integer_value(json_object_get(row, "revision_number"));

    if (wanted >= 0 && wanted != rev) {
        return api_error_new(412, "RevisionNumberConstraintFailed",
                             "Constrained to %lld, but current revision is "
                             "%lld",
                             wanted, rev);
    }
    return NULL;
}

/* Runs 'fn' as one request of the current batch: inside the batch's
 * transaction (opened on first use), under a savepoint that is undone if
 * 'fn' fails.  The batch commits in api_commit_batch() before any of its
 * responses leave, so nothing uncommitted is ever acknowledged, and a burst
 * of requests costs one commit.  The request that opens the transaction
 * needs no savepoint (SQLite copies every page a savepoint's writes touch):
 * undoing it is rolling back the transaction.  A batch that only reads
 * does not take the write lock (on PostgreSQL, the one all servers share);
 * the first 'write' request of a batch that has read so far ends that
 * transaction and opens a write one. */
struct api_error *
api_in_transaction(struct call *c, bool write,
                   struct api_error *(*fn)(struct call *, void *), void *aux)
{
    struct store *st = c->req.store;
    bool first = !store_in_transaction(st);
    struct api_error *e;
    int r = 0;

    if (!first && write && !store_in_write_transaction(st)) {
        json_object_clear(c->api->batch_cache);
        r = store_commit(st); /* Its reads are done. */
        first = true;
    }
    r = r ? r : first ? store_begin(st, write) : store_savepoint(st);

    if (r) {
        return api_error_from_store(r);
    }
    e = fn(c, aux);
    if (!e && !first) {
        e = api_error_from_store(store_release(st));
    }
    if (e) {
        json_object_clear(c->api->batch_cache);
    }
    if (e && first) {
        store_rollback(st);
    } else if (e) {
        store_rollback_to(st);
    }
    return e;
}

bool
api_commit_batch(void *aux)
{
    struct api *api = aux;
    int r;

    /* Other servers may write once our transaction ends. */
    json_object_clear(api->batch_cache);
    if (store_in_transaction(api->store)) {
        r = store_commit(api->store);
        if (r) {
            log_error("cannot commit a batch of requests: %s", strerror(-r));
            store_rollback(api->store);
            return false;
        }
        feed_notify(api->feed);
    }
    /* Other servers' commits heard while the batch ran. */
    feed_poll_database(api->feed);
    return true;
}

/* ---- Collections. ---- */

struct create_args {
    const struct resource_ops *ops;
    json_t *items; /* Resource bodies. */
    json_t *out;   /* Rendered results. */
};

/* The project a new resource will belong to (see resource_init_row()). */
static const char *
item_project(const struct call *c, json_t *attrs)
{
    const char *project =
        json_string_value(json_object_get(attrs, "project_id"));
    const char *tenant =
        json_string_value(json_object_get(attrs, "tenant_id"));

    return project ? project : tenant ? tenant : c->req.ctx->project_id;
}

static struct api_error *
do_create(struct call *c, void *aux)
{
    struct create_args *a = aux;
    size_t i;
    json_t *item;

    if (a->ops->check_bulk && json_array_size(a->items) > 1) {
        struct api_error *e = a->ops->check_bulk(&c->req, a->items);
        if (e) {
            return e;
        }
    }
    json_array_foreach (a->items, i, item) {
        json_t *attrs = NULL, *row;
        char *id = NULL;
        struct api_error *e;

        e = schema_validate(a->ops->def, item, true, &attrs);
        if (!e) {
            e = authorize_create(&c->req, a->ops->def, item, attrs);
        }
        if (!e) {
            e = quota_check(&c->req, a->ops->def, item_project(c, attrs));
        }
        if (!e) {
            e = a->ops->create(&c->req, attrs, &id);
        }
        free(id);
        if (e) {
            json_decref(attrs);
            return e;
        }
        /* 'attrs' is now the stored row; columns it lacks hold NULL. */
        row = attrs;
        for (size_t k = 0; k < a->ops->def->n_attrs; k++) {
            const struct attr *at = &a->ops->def->attrs[k];
            if (ATTR_STORED(at) && !json_object_get(row, at->name)) {
                json_object_set_new(row, at->name, json_null());
            }
        }
        render_for_caller(&c->req, a->ops, row);
        json_array_append_new(a->out, row);
    }
    return NULL;
}

/* Unwraps {"port": {...}} or {"ports": [{...} | {"port": {...}}, ...]}. */
static json_t *
body_items(const struct resource_def *def, json_t *body, bool *bulk,
           struct api_error **e)
{
    json_t *one = json_object_get(body, def->singular);
    json_t *many = json_object_get(body, def->plural);
    json_t *items;
    size_t i;
    json_t *item;

    *bulk = !one && many;
    if (one) {
        if (!json_is_object(one)) {
            *e = api_bad_request("Body contains invalid data");
            return NULL;
        }
        return json_pack("[O]", one);
    }
    if (!many) {
        *e = api_bad_request("Unable to find '%s' in request body",
                             def->singular);
        return NULL;
    }
    if (!json_is_array(many) || !json_array_size(many)) {
        *e = api_bad_request(json_is_array(many) ? "Resources required"
                                                 : "Body contains invalid "
                                                   "data");
        return NULL;
    }
    items = json_array();
    json_array_foreach (many, i, item) {
        json_t *inner = json_object_get(item, def->singular);
        item = inner && json_object_size(item) == 1 ? inner : item;
        if (!json_is_object(item)) {
            json_decref(items);
            *e = api_bad_request("Body contains invalid data");
            return NULL;
        }
        json_array_append(items, item);
    }
    return items;
}

static void
handle_create(struct call *c, const struct resource_ops *ops,
              struct http_response *resp)
{
    struct api_error *e = NULL;
    json_t *body = api_parse_body(c->http, &e);
    struct create_args a = {ops, NULL, json_array()};
    bool bulk = false;

    if (body) {
        a.items = body_items(ops->def, body, &bulk, &e);
    }
    if (a.items) {
        e = api_in_transaction(c, true, do_create, &a);
    }
    if (e) {
        api_respond_error(resp, e);
    } else if (bulk) {
        api_respond_json(resp, 201,
                         json_pack("{s:O}", ops->def->plural, a.out));
    } else {
        api_respond_json(
            resp, 201,
            json_pack("{s:O}", ops->def->singular, json_array_get(a.out, 0)));
    }
    json_decref(a.out);
    json_decref(a.items);
    json_decref(body);
}

/* Appends "key=value" to a URL's query, percent-encoding both. */
static void
put_query_arg(struct ds *url, const char *key, const char *value)
{
    const char *parts[2] = {key, value};

    ds_put_char(url, strchr(ds_cstr(url), '?') ? '&' : '?');
    for (int i = 0; i < 2; i++) {
        for (const unsigned char *p = (const unsigned char *) parts[i]; *p;
             p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                || (*p >= '0' && *p <= '9') || strchr("-_.~:", *p)) {
                ds_put_char(url, *p);
            } else {
                ds_put_format(url, "%%%02X", *p);
            }
        }
        if (!i) {
            ds_put_char(url, '=');
        }
    }
}

static char *
base_url(const struct http_request *http)
{
    const char *host = http_request_header(http, "Host");
    const char *proto = http_request_header(http, "X-Forwarded-Proto");

    return xasprintf("%s://%s", proto ? proto : "http",
                     host ? host : "localhost");
}

static json_t *
page_link(const struct call *c, const char *rel, const char *marker,
          bool reverse)
{
    size_t n;
    const struct http_arg *args = http_request_args(c->http, &n);
    char *base = base_url(c->http);
    struct ds url = DS_EMPTY_INITIALIZER;
    json_t *link;

    ds_put_format(&url, "%s%s", base, http_request_path(c->http));
    for (size_t i = 0; i < n; i++) {
        if (strcmp(args[i].key, "marker")
            && strcmp(args[i].key, "page_reverse")) {
            put_query_arg(&url, args[i].key, args[i].value);
        }
    }
    if (marker) {
        put_query_arg(&url, "marker", marker);
    }
    if (reverse) {
        put_query_arg(&url, "page_reverse", "True");
    }
    link = json_pack("{s:s, s:s}", "rel", rel, "href", ds_cstr(&url));
    ds_destroy(&url);
    free(base);
    return link;
}

static json_t *
page_links(const struct call *c, const struct list_query *q, json_t *ids)
{
    size_t n = json_array_size(ids);
    json_t *links = json_array();
    /* An empty page's links have no marker, as Neutron's: "previous" from
     * past the end is the last page. */
    const char *first = json_string_value(json_array_get(ids, 0));
    const char *last =
        n ? json_string_value(json_array_get(ids, n - 1)) : NULL;

    if (!q->page_reverse ? (long) n >= q->limit : true) {
        json_array_append_new(links, page_link(c, "next", last, false));
    }
    if (q->page_reverse ? (long) n >= q->limit : true) {
        json_array_append_new(links, page_link(c, "previous", first, true));
    }
    return links;
}

struct list_args {
    const struct resource_ops *ops;
    struct list_query q;
    struct api_request *req;
    struct ds rows; /* The JSON objects, comma-separated. */
    json_t *ids;    /* Their ids, for paging links. */
};

static void
list_extra(void *aux, const char *id, char **fields, bool first,
           struct ds *out)
{
    struct list_args *a = aux;

    a->ops->render_extra(a->req, id, fields, first, out);
}

/* The list as a caller under policy sees it: rows in its scope (in the
 * query's SQL, so limits and markers hold), those it may read, without the
 * attributes it may not read. */
static int
list_under_policy(struct call *c, struct list_args *a)
{
    const struct resource_def *def = a->ops->def;
    json_t *rows = NULL, *networks = json_object(), *row;
    size_t i;
    int r = store_list(c->req.store, def, &a->q, &rows);

    a->ids = json_array();
    json_array_foreach (rows, i, row) {
        if (!may_read(&c->req, def, row, networks)) {
            continue;
        }
        ds_put_cstr(&a->rows, json_array_size(a->ids) ? "," : "");
        json_array_append(a->ids, json_object_get(row, "id"));
        render_for_caller(&c->req, a->ops, row);
        apply_fields(row, a->q.fields);
        json_put_value(&a->rows, row);
    }
    json_decref(networks);
    json_decref(rows);
    return r;
}

static struct api_error *
do_list(struct call *c, void *aux)
{
    struct list_args *a = aux;
    int r;

    a->req = &c->req;
    if (a->ops->before_list) {
        struct api_error *e = a->ops->before_list(&c->req, &a->q);
        if (e) {
            return e;
        }
    }
    a->q.scope_project = authz_scope(c->req.ctx);
    if (bypass(&c->req)) {
        r = store_list_json(c->req.store, a->ops->def, &a->q,
                            a->ops->render_extra ? list_extra : NULL, a,
                            &a->rows, &a->ids);
    } else {
        r = list_under_policy(c, a);
    }
    if (r == -ENOENT) {
        return resource_not_found(a->ops->def, a->q.marker);
    }
    return api_error_from_store(r);
}

static void
handle_list(struct call *c, const struct resource_ops *ops,
            struct http_response *resp)
{
    size_t n;
    const struct http_arg *args = http_request_args(c->http, &n);
    struct list_args a = {ops, {0}, NULL, DS_EMPTY_INITIALIZER, NULL};
    struct api_error *e = list_query_parse(
        ops->def, args, n, c->req.cfg->pagination_max_limit, &a.q);

    if (!e) {
        ds_put_format(&a.rows, "{\"%s\":[", ops->def->plural);
        /* A list may make what it lists (a project's default group). */
        e = api_in_transaction(c, ops->before_list != NULL, do_list, &a);
    }
    if (e) {
        api_respond_error(resp, e);
    } else {
        struct ds body = a.rows; /* Already holds the opening. */

        ds_init(&a.rows);
        ds_put_char(&body, ']');
        if (a.q.limit > 0) {
            json_t *links = page_links(c, &a.q, a.ids);
            char *text = json_dumps(links, JSON_COMPACT);
            ds_put_format(&body, ",\"%s_links\":%s", ops->def->plural, text);
            free(text);
            json_decref(links);
        }
        ds_put_char(&body, '}');
        resp->status = 200;
        resp->body = ds_steal(&body);
    }
    ds_destroy(&a.rows);
    json_decref(a.ids);
    list_query_destroy(&a.q);
}

/* ---- Single resources. ---- */

struct item_args {
    const struct resource_ops *ops;
    const char *id;
    json_t *body; /* PUT: the resource's attributes. */
    long long if_match;
    json_t *row; /* Result. */
};

static struct api_error *
do_show(struct call *c, void *aux)
{
    struct item_args *a = aux;
    struct api_error *e = get_visible(&c->req, a->ops->def, a->id, &a->row);

    if (!e && !may_read(&c->req, a->ops->def, a->row, NULL)) {
        e = resource_not_found(a->ops->def, a->id);
    }
    if (!e) {
        render_for_caller(&c->req, a->ops, a->row);
    }
    return e;
}

static struct api_error *
do_update(struct call *c, void *aux)
{
    struct item_args *a = aux;
    json_t *changes = NULL;
    /* Neutron validates the body before it looks the object up. */
    struct api_error *e =
        schema_validate(a->ops->def, a->body, false, &changes);

    if (!e) {
        e = get_visible(&c->req, a->ops->def, a->id, &a->row);
    }
    if (!e) {
        e = check_revision(a->row, a->if_match);
    }
    if (!e) {
        e = authorize_change(&c->req, a->ops->def, "update", a->row, changes,
                             a->body);
    }
    if (!e) {
        e = a->ops->update(&c->req, a->row, changes);
    }
    json_decref(changes);
    json_decref(a->row);
    a->row = NULL;
    if (!e) {
        e = do_show(c, a);
    }
    return e;
}

static struct api_error *
do_delete(struct call *c, void *aux)
{
    struct item_args *a = aux;
    struct api_error *e = get_visible(&c->req, a->ops->def, a->id, &a->row);

    if (!e) {
        e = authorize_change(&c->req, a->ops->def, "delete", a->row, NULL,
                             NULL);
    }
    if (!e) {
        e = check_revision(a->row, a->if_match);
    }
    if (!e) {
        e = a->ops->delete (&c->req, a->row);
    }
    return e;
}

static void
handle_item(struct call *c, const struct resource_ops *ops, const char *id,
            struct http_response *resp)
{
    const char *method = http_request_method(c->http);
    struct item_args a = {ops, id, NULL, -1, NULL};
    json_t *body = NULL;
    struct api_error *e = NULL;
    size_t n;
    const struct http_arg *args = http_request_args(c->http, &n);
    char **fields = query_parse_fields(args, n);

    if (!strcmp(method, "GET")) {
        e = api_in_transaction(c, false, do_show, &a);
    } else if (!strcmp(method, "PUT") && !ops->update) {
        e = api_error_new(405, "HTTPMethodNotAllowed",
                          "The method %s is not allowed for this resource.",
                          method);
    } else if (!strcmp(method, "PUT")) {
        body = api_parse_body(c->http, &e);
        a.body = body ? json_object_get(body, ops->def->singular) : NULL;
        if (body && !json_is_object(a.body)) {
            e = json_object_get(body, ops->def->singular)
                    ? api_bad_request("Body contains invalid data")
                    : api_bad_request("Unable to find '%s' in request body",
                                      ops->def->singular);
        }
        if (!e) {
            e = if_match(c->http, &a.if_match);
        }
        if (!e) {
            e = api_in_transaction(c, true, do_update, &a);
        }
    } else if (!strcmp(method, "DELETE")) {
        size_t len;
        (void) http_request_body(c->http, &len);
        e = len ? api_bad_request("Request body is not supported in "
                                  "DELETE.")
                : if_match(c->http, &a.if_match);
        if (!e) {
            e = api_in_transaction(c, true, do_delete, &a);
        }
    } else {
        e = api_error_new(405, "HTTPMethodNotAllowed",
                          "The method %s is not allowed for this resource.",
                          method);
    }
    if (e) {
        api_respond_error(resp, e);
    } else if (!strcmp(method, "DELETE")) {
        resp->status = 204;
    } else {
        apply_fields(a.row, fields);
        api_respond_json(resp, 200,
                         json_pack("{s:O}", ops->def->singular, a.row));
    }
    json_decref(a.row);
    json_decref(body);
    strv_free(fields);
}

/* ---- Tags (standard-attr-tag). ---- */

struct tag_args {
    const struct resource_ops *ops;
    const char *id;
    const char *method;
    const char *tag;  /* NULL: the whole list. */
    json_t *new_tags; /* PUT of the list. */
    json_t *row;
    int status;
};

static struct api_error *
validate_tags(json_t *tags)
{
    size_t i, j;
    json_t *t, *u;

    if (!json_is_array(tags)) {
        return api_invalid_input("Tags must be a list of unique strings");
    }
    json_array_foreach (tags, i, t) {
        if (!json_is_string(t) || !json_string_length(t)
            || json_string_length(t) > 255) {
            return api_invalid_input("'%s' is not a valid tag",
                                     json_is_string(t) ? json_string_value(t)
                                                       : "value");
        }
        json_array_foreach (tags, j, u) {
            if (j < i && json_equal(t, u)) {
                return api_invalid_input("Duplicate items in the list: "
                                         "'%s'",
                                         json_string_value(t));
            }
        }
    }
    return NULL;
}

static struct api_error *
do_tags(struct call *c, void *aux)
{
    struct tag_args *a = aux;
    json_t *tags, *t = NULL, *new_tags = NULL;
    size_t idx;
    bool present = false;
    struct api_error *e;

    e = get_visible(&c->req, a->ops->def, a->id, &a->row);
    if (e) {
        api_error_free(e);
        return api_error_new(404, "TagResourceNotFound",
                             "Resource %s %s could not be found.",
                             a->ops->def->singular, a->id);
    }
    /* Changing tags is changing the resource. */
    if (strcmp(a->method, "GET")) {
        e = authorize_change(&c->req, a->ops->def, "update", a->row, NULL,
                             NULL);
        if (e) {
            return e;
        }
    }
    tags = json_object_get(a->row, "tags");
    json_array_foreach (tags, idx, t) {
        present |= a->tag && !strcmp(json_string_value(t), a->tag);
    }
    if (a->tag && !present
        && (!strcmp(a->method, "GET") || !strcmp(a->method, "DELETE"))) {
        return api_error_new(404, "TagNotFound",
                             "Tag %s could not be found for %s %s.", a->tag,
                             a->ops->def->singular, a->id);
    }
    if (!strcmp(a->method, "GET")) {
        a->status = a->tag ? 204 : 200;
        return NULL;
    }
    if (!strcmp(a->method, "PUT") && a->tag) {
        new_tags = json_deep_copy(tags);
        if (!present) {
            json_t *one = json_pack("[s]", a->tag);
            e = validate_tags(one);
            json_decref(one);
            if (e) {
                json_decref(new_tags);
                return e;
            }
            json_array_append_new(new_tags, json_string(a->tag));
        }
        a->status = 201;
    } else if (!strcmp(a->method, "PUT")) {
        new_tags = json_incref(a->new_tags);
        a->status = 200;
    } else {
        new_tags = json_array();
        json_array_foreach (tags, idx, t) {
            if (a->tag && strcmp(json_string_value(t), a->tag)) {
                json_array_append(new_tags, t);
            }
        }
        a->status = 204;
    }
    e = NULL;
    if (!json_equal(new_tags, tags)) {
        e = api_error_from_store(
            store_tags_set(c->req.store, a->ops->def, a->id, new_tags));
        json_object_set(a->row, "tags", new_tags);
        if (!e) {
            e = resource_save(&c->req, a->ops->def, a->row);
        }
    }
    json_decref(new_tags);
    return e;
}

static void
handle_tags(struct call *c, const struct resource_ops *ops, const char *id,
            const char *tag, struct http_response *resp)
{
    const char *method = http_request_method(c->http);
    struct tag_args a = {ops, id, method, tag, NULL, NULL, 0};
    struct api_error *e = NULL;
    json_t *body = NULL;

    if (strcmp(method, "GET") && strcmp(method, "PUT")
        && strcmp(method, "DELETE")) {
        e = api_error_new(405, "HTTPMethodNotAllowed",
                          "The method %s is not allowed for this resource.",
                          method);
    } else if (!strcmp(method, "PUT") && !tag) {
        body = api_parse_body(c->http, &e);
        a.new_tags = body ? json_object_get(body, "tags") : NULL;
        if (body && !a.new_tags) {
            e = api_invalid_input("Invalid tags body");
        }
        if (!e) {
            e = validate_tags(a.new_tags);
        }
    }
    if (!e) {
        e = api_in_transaction(c, strcmp(method, "GET"), do_tags, &a);
    }
    if (e) {
        api_respond_error(resp, e);
    } else if (a.status == 200) {
        api_respond_json(
            resp, 200,
            json_pack("{s:O}", "tags", json_object_get(a.row, "tags")));
    } else {
        resp->status = a.status;
    }
    json_decref(a.row);
    json_decref(body);
}

/* ---- Network IP availability. ---- */

/* Availability filters name the network's attributes with a "network_"
 * prefix; ip_version selects subnets. */
static struct api_error *
availability_query(const struct http_request *http, struct list_query *q,
                   json_t **ret_versions)
{
    size_t n;
    const struct http_arg *args = http_request_args(http, &n);
    struct http_arg *mapped = xcalloc(n + 1, sizeof *mapped);
    size_t m = 0;
    struct api_error *e = NULL;

    *ret_versions = NULL;
    for (size_t i = 0; i < n && !e; i++) {
        const char *k = args[i].key;
        if (!strcmp(k, "network_id") || !strcmp(k, "network_name")) {
            mapped[m++] = (struct http_arg){k + 8, args[i].value};
        } else if (!strcmp(k, "project_id") || !strcmp(k, "tenant_id")) {
            mapped[m++] = args[i];
        } else if (!strcmp(k, "ip_version")) {
            json_t *v;
            char *why = schema_convert_filter(resource_attr(&subnet_def, k),
                                              args[i].value, &v);
            if (why) {
                e = api_invalid_input("%s", why);
                free(why);
                break;
            }
            if (!*ret_versions) {
                *ret_versions = json_array();
            }
            json_array_append_new(*ret_versions, v);
        } else if (strcmp(k, "fields")) {
            e = api_bad_request("['%s'] is invalid attribute for filtering",
                                k);
        }
    }
    if (!e) {
        e = list_query_parse(&network_def, mapped, m, -1, q);
    }
    free(mapped);
    if (e) {
        json_decref(*ret_versions);
        *ret_versions = NULL;
    }
    return e;
}

/* Pool sizes reach 2^64 and beyond on IPv6, past JSON libraries' integers,
 * so availability is written as text. */
struct member_writer {
    struct ds *out;
    char **fields; /* Members to write; NULL: all. */
    bool first;
};

static bool
member_begin(struct member_writer *w, const char *name)
{
    bool wanted = query_fields_want(w->fields, name);

    if (wanted) {
        ds_put_format(w->out, "%s\"%s\":", w->first ? "" : ",", name);
        w->first = false;
    }
    return wanted;
}

static void
put_str_member(struct member_writer *w, const char *name, json_t *value)
{
    if (!member_begin(w, name)) {
        return;
    }
    if (json_is_string(value)) {
        json_put_string(w->out, json_string_value(value),
                        json_string_length(value));
    } else {
        ds_put_cstr(w->out, "null");
    }
}

static void
put_u128_member(struct member_writer *w, const char *name, ip_u128 value)
{
    char buf[IP_U128_STRLEN];

    if (member_begin(w, name)) {
        ip_u128_format(value, buf);
        ds_put_cstr(w->out, buf);
    }
}

static void
subnet_availability(struct api_request *req, json_t *subnet, ip_u128 *total,
                    ip_u128 *used, struct ds *out)
{
    struct member_writer w = {out, NULL, true};
    struct ip_range *pools = NULL;
    int version = json_integer_value(json_object_get(subnet, "ip_version"));
    int n = ipam_pools_from_json(json_object_get(subnet, "allocation_pools"),
                                 version, &pools);
    ip_u128 size = 0;
    long count = store_ip_count(
        req->store, json_string_value(json_object_get(subnet, "id")), NULL);

    for (int i = 0; i < n; i++) {
        size += ip_range_size(&pools[i]);
    }
    free(pools);
    count = count > 0 ? count : 0;
    *total += size;
    *used += count;
    ds_put_char(out, '{');
    put_str_member(&w, "subnet_id", json_object_get(subnet, "id"));
    put_str_member(&w, "subnet_name", json_object_get(subnet, "name"));
    put_str_member(&w, "cidr", json_object_get(subnet, "cidr"));
    put_u128_member(&w, "ip_version", version);
    put_u128_member(&w, "total_ips", size);
    put_u128_member(&w, "used_ips", count);
    ds_put_char(out, '}');
}

static void
network_availability(struct api_request *req, json_t *net, json_t *versions,
                     char **fields, struct ds *out)
{
    const char *id = json_string_value(json_object_get(net, "id"));
    json_t *subnets = subnets_of_network(req, id);
    struct member_writer w = {out, fields, true};
    struct ds list = DS_EMPTY_INITIALIZER;
    ip_u128 total = 0, used = 0;
    size_t i;
    json_t *s;

    json_array_foreach (subnets, i, s) {
        json_t *version = json_object_get(s, "ip_version");
        size_t j;
        json_t *v;
        bool wanted = !versions;

        json_array_foreach (versions, j, v) {
            wanted |= json_equal(v, version);
        }
        if (wanted) {
            ds_put_cstr(&list, list.len ? "," : "");
            subnet_availability(req, s, &total, &used, &list);
        }
    }
    json_decref(subnets);
    ds_put_char(out, '{');
    put_str_member(&w, "network_id", json_object_get(net, "id"));
    put_str_member(&w, "network_name", json_object_get(net, "name"));
    put_str_member(&w, "tenant_id", json_object_get(net, "project_id"));
    put_str_member(&w, "project_id", json_object_get(net, "project_id"));
    if (member_begin(&w, "subnet_ip_availability")) {
        ds_put_format(out, "[%s]", ds_cstr(&list));
    }
    put_u128_member(&w, "total_ips", total);
    put_u128_member(&w, "used_ips", used);
    ds_put_char(out, '}');
    ds_destroy(&list);
}

/* get_network_ip_availability on a network's availability record. */
static bool
may_see_availability(struct api_request *req, json_t *net)
{
    json_t *project = json_object_get(net, "project_id");
    json_t *target;
    bool ok;

    if (bypass(req)) {
        return true;
    }
    target =
        json_pack("{s:O, s:O}", "project_id", project, "tenant_id", project);
    ok = authz_check(req->authz, req->ctx, "get_network_ip_availability",
                     target);
    json_decref(target);
    return ok;
}

struct avail_args {
    const char *id;      /* NULL: all networks. */
    struct list_query q; /* Without 'id': which networks. */
    json_t *versions;    /* IP versions to report, NULL: all. */
    char **fields;
    struct ds out;
};

static struct api_error *
do_availability(struct call *c, void *aux)
{
    struct avail_args *a = aux;
    json_t *nets = NULL, *net;
    size_t i;
    int r;

    if (a->id) {
        struct api_error *e = network_get_row(&c->req, a->id, &net);
        if (!e && !may_see_availability(&c->req, net)) {
            json_decref(net);
            e = resource_not_found(&network_def, a->id);
        }
        if (e) {
            return e;
        }
        network_availability(&c->req, net, NULL, a->fields, &a->out);
        json_decref(net);
        return NULL;
    }
    r = store_list(c->req.store, &network_def, &a->q, &nets);
    if (r) {
        return api_error_from_store(r);
    }
    json_array_foreach (nets, i, net) {
        if (may_see_availability(&c->req, net)) {
            ds_put_cstr(&a->out, a->out.len ? "," : "");
            network_availability(&c->req, net, a->versions, a->fields,
                                 &a->out);
        }
    }
    json_decref(nets);
    return NULL;
}

static void
handle_availability(struct call *c, const char *id, struct http_response *resp)
{
    size_t n;
    const struct http_arg *args = http_request_args(c->http, &n);
    struct avail_args a = {
        id, {0}, NULL, query_parse_fields(args, n), DS_EMPTY_INITIALIZER};
    struct api_error *e = NULL;

    if (strcmp(http_request_method(c->http), "GET")) {
        e = api_error_new(405, "HTTPMethodNotAllowed",
                          "The method is not allowed for this resource.");
    } else if (!id) {
        e = availability_query(c->http, &a.q, &a.versions);
    }
    if (!e) {
        e = api_in_transaction(c, false, do_availability, &a);
    }
    list_query_destroy(&a.q);
    json_decref(a.versions);
    strv_free(a.fields);
    if (e) {
        ds_destroy(&a.out);
        api_respond_error(resp, e);
        return;
    }
    resp->status = 200;
    resp->body =
        id ? xasprintf("{\"network_ip_availability\":%s}", ds_cstr(&a.out))
           : xasprintf("{\"network_ip_availabilities\":[%s]}",
                       ds_cstr(&a.out));
    ds_destroy(&a.out);
}

/* ---- Versions, resources, extensions. ---- */

static json_t *
extension_json(size_t i)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:[]}", "name", extensions[i].name,
                     "alias", extensions[i].alias, "description",
                     extensions[i].description, "updated",
                     "2013-01-01T10:00:00-00:00", "links");
}

static void
handle_extensions(struct call *c, const char *alias,
                  struct http_response *resp)
{
    json_t *list;

    if (strcmp(http_request_method(c->http), "GET")) {
        api_respond_error(resp, api_error_new(404, "HTTPNotFound",
                                              "The resource could not be "
                                              "found."));
        return;
    }
    if (alias) {
        for (size_t i = 0; i < ARRAY_SIZE(extensions); i++) {
            if (!strcmp(extensions[i].alias, alias)) {
                api_respond_json(
                    resp, 200,
                    json_pack("{s:o}", "extension", extension_json(i)));
                return;
            }
        }
        api_respond_error(resp, api_error_new(404, "HTTPNotFound",
                                              "Extension with alias %s does "
                                              "not exist",
                                              alias));
        return;
    }
    list = json_array();
    for (size_t i = 0; i < ARRAY_SIZE(extensions); i++) {
        json_array_append_new(list, extension_json(i));
    }
    api_respond_json(resp, 200, json_pack("{s:o}", "extensions", list));
}

static void
handle_versions(struct call *c, struct http_response *resp)
{
    char *base = base_url(c->http);
    char *href = xasprintf("%s/v2.0/", base);

    api_respond_json(resp, 200,
                     json_pack("{s:[{s:s, s:s, s:[{s:s, s:s}]}]}", "versions",
                               "id", "v2.0", "status", "CURRENT", "links",
                               "rel", "self", "href", href));
    free(href);
    free(base);
}

static void
handle_resources(struct call *c, struct http_response *resp)
{
    char *base = base_url(c->http);
    json_t *list = json_array();

    for (size_t i = 0; i < N_CORE_RESOURCES; i++) {
        const struct resource_def *def = resources[i]->def;
        char *href = xasprintf("%s/v2.0/%s", base, def->plural);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "name",
                            def->singular, "collection", def->plural, "links",
                            "rel", "self", "href", href));
        free(href);
    }
    free(base);
    api_respond_json(resp, 200, json_pack("{s:o}", "resources", list));
}

static const struct resource_ops *
find_collection(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(resources); i++) {
        const struct resource_def *def = resources[i]->def;
        if (!strcmp(def->collection ? def->collection : def->plural, name)) {
            return resources[i];
        }
    }
    return NULL;
}

void
api_not_found(struct http_response *resp)
{
    api_respond_error(resp, api_error_new(404, "HTTPNotFound",
                                          "The resource could not be found."));
}

void
api_method_not_allowed(struct http_response *resp, const char *method)
{
    api_respond_error(resp, api_error_new(405, "HTTPMethodNotAllowed",
                                          "The method %s is not allowed for "
                                          "this resource.",
                                          method));
}

bool
api_action_routed(struct call *c, const char *action, const char *add,
                  const char *remove, struct http_response *resp)
{
    const char *method = http_request_method(c->http);

    if (strcmp(action, add) && strcmp(action, remove)) {
        api_not_found(resp);
        return false;
    }
    if (strcmp(method, "PUT")) {
        api_method_not_allowed(resp, method);
        return false;
    }
    return true;
}

static void
route_collection(struct call *c, const struct resource_ops *ops,
                 struct http_response *resp)
{
    const char *method = http_request_method(c->http);
    char **s = c->segs;

    if (c->n_segs == 2) {
        if (!strcmp(method, "GET")) {
            handle_list(c, ops, resp);
        } else if (!strcmp(method, "POST") && ops->create) {
            handle_create(c, ops, resp);
        } else {
            api_method_not_allowed(resp, method);
        }
    } else if (c->n_segs == 3) {
        handle_item(c, ops, s[2], resp);
    } else if ((ops == &network_ops && !strcmp(s[3], "dhcp-agents"))
               || (ops == &agent_ops && !strcmp(s[3], "dhcp-networks"))) {
        dhcp_sched_route(c, resp);
    } else if (c->n_segs <= 5 && !strcmp(s[3], "tags")
               && resource_attr(ops->def, "tags")) {
        handle_tags(c, ops, s[2], c->n_segs == 5 ? s[4] : NULL, resp);
    } else if (ops == &subnetpool_ops && c->n_segs == 4) {
        subnetpool_action(c, s[2], s[3], resp);
    } else {
        api_not_found(resp);
    }
}

static void
route(struct call *c, struct http_response *resp)
{
    char **s = c->segs;
    size_t n = c->n_segs;
    const struct resource_ops *ops;

    if (!n) {
        if (strcmp(http_request_method(c->http), "GET")) {
            api_method_not_allowed(resp, http_request_method(c->http));
        } else {
            handle_versions(c, resp);
        }
    } else if (n >= 2 && !strcmp(s[0], "neutrino") && !strcmp(s[1], "v1")) {
        rpc_route(c, resp);
    } else if (strcmp(s[0], "v2.0")) {
        api_not_found(resp);
    } else if (n == 1) {
        const char *path = http_request_path(c->http);
        if (path[strlen(path) - 1] != '/') {
            api_not_found(resp); /* As Neutron: "/v2.0" needs its slash. */
        } else if (strcmp(http_request_method(c->http), "GET")) {
            api_method_not_allowed(resp, http_request_method(c->http));
        } else {
            handle_resources(c, resp);
        }
    } else if (!strcmp(s[1], "extensions") && n <= 3) {
        handle_extensions(c, n == 3 ? s[2] : NULL, resp);
    } else if (!strcmp(s[1], "quotas")) {
        quota_route(c, resp);
    } else if (!strcmp(s[1], "network-ip-availabilities") && n <= 3) {
        handle_availability(c, n == 3 ? s[2] : NULL, resp);
    } else if (!strcmp(s[1], "address-groups") && n == 4) {
        address_group_action(c, s[2], s[3], resp);
    } else if ((ops = find_collection(s[1]))) {
        route_collection(c, ops, resp);
    } else {
        api_not_found(resp);
    }
}

/* Splits "/v2.0/ports/ID" into its non-empty segments. */
static char **
split_path(const char *path, size_t *n)
{
    char *copy = xstrdup(path), *save = NULL;
    char **segs = xcalloc(strlen(path) / 2 + 2, sizeof *segs);

    *n = 0;
    for (char *t = strtok_r(copy, "/", &save); t;
         t = strtok_r(NULL, "/", &save)) {
        segs[(*n)++] = xstrdup(t);
    }
    free(copy);
    return segs;
}

void
api_handle_request(const struct http_request *http, struct http_response *resp,
                   void *aux)
{
    struct api *api = aux;
    const char *project = http_request_header(http, "X-Project-Id");
    struct request_context *own = NULL, *ctx = http_request_data(http);
    struct call c;

    /* Authenticated requests bring their context (api/auth.h); without
     * one, noauth: admin of X-Project-Id or the default project. */
    if (!ctx) {
        ctx = own = request_context_noauth(
            project && *project ? project : api->cfg->noauth_project_id);
    }
    c = (struct call){
        .api = api,
        .http = http,
        .req = {api->store, api->cfg, ctx, api->authz, ""},
    };

    timestamp_now(c.req.now);
    c.segs = split_path(http_request_path(http), &c.n_segs);
    if (c.n_segs == 2 && !strcmp(c.segs[0], "v2.0")
        && !strcmp(c.segs[1], "ports")
        && !strcmp(http_request_method(http), "POST")) {
        c.req.batch_cache = api->batch_cache;
    } else {
        json_object_clear(api->batch_cache);
    }
    resp->request_id = xstrdup(ctx->request_id);
    route(&c, resp);
    for (size_t i = 0; i < c.n_segs; i++) {
        free(c.segs[i]);
    }
    free(c.segs);
    request_context_free(own);
}
