/* RBAC policies on networks (the rbac-policies extension), as Neutron's
 * network RBAC: a policy lets project target_tenant, or every project
 * ('*'), use a network (access_as_shared: ports and subnets on it) or see
 * it as an external network (access_as_external).  A network's flags are
 * policies too: 'shared' is the wildcard access_as_shared policy and
 * 'router:external' means some access_as_external policy exists; writes of
 * either side keep the other in step, and a policy's change revises its
 * network.  Who may see which rows is the store's scope (store_visible()),
 * who may do what the policy (api/authz.h). */
#include <ctype.h>
#include <errno.h>

#include "api/resource.h"
#include "core/uuid.h"

#define SHARED   "access_as_shared"
#define EXTERNAL "access_as_external"

static char *
convert_object_type(json_t *value, json_t **ret)
{
    char *s = json_is_string(value) ? xstrdup(json_string_value(value))
                                    : schema_repr(value);
    char *why = NULL;

    for (char *p = s; *p; p++) {
        *p = tolower((unsigned char) *p);
    }
    if (!strcmp(s, "network")) {
        *ret = json_string(s);
    } else {
        why = xasprintf("'%s' is not a valid RBAC object type", s);
    }
    free(s);
    return why;
}

static const struct attr rbac_attrs[] = {
    {"id", "id", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"project_id", "project_id", COL_TEXT, A_POST | A_FILTER | A_SORT,
     convert_string, NULL},
    {"tenant_id", "project_id", COL_TEXT, A_POST | A_FILTER | A_SORT | A_ALIAS,
     convert_string, NULL},
    {"object_type", "object_type", COL_TEXT,
     A_POST | A_REQUIRED | A_FILTER | A_SORT | A_CONVERT, convert_object_type,
     NULL},
    {"object_id", "object_id", COL_TEXT,
     A_POST | A_REQUIRED | A_FILTER | A_SORT, convert_uuid, NULL},
    {"target_tenant", "target_project", COL_TEXT,
     A_POST | A_PUT | A_REQUIRED | A_FILTER | A_SORT, convert_string, NULL},
    {"action", "action", COL_TEXT, A_POST | A_REQUIRED | A_FILTER | A_SORT,
     convert_string, NULL},
};

const struct resource_def rbac_def = {
    .singular = "rbac_policy",
    .plural = "rbac_policies",
    .collection = "rbac-policies",
    .table = "networkrbacs",
    .not_found = "RbacPolicyNotFound",
    .noun = "RBAC policy",
    /* Neutron finds a policy's type by looking for it: "unknown". */
    .not_found_fmt = "RBAC policy of type unknown with ID %s not found",
    .attrs = rbac_attrs,
    .n_attrs = ARRAY_SIZE(rbac_attrs),
};

static const char *
get_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Sets the network's shared and router:external flags from its policies
 * and revises it. */
static struct api_error *
sync_flags(struct api_request *req, const char *network_id)
{
    json_t *net = NULL, *rows, *row;
    bool shared = false, external = false;
    struct api_error *e = resource_get(req, &network_def, network_id, &net);
    size_t i;

    if (e) {
        return e;
    }
    rows = store_rows_where(req->store, &rbac_def, "object_id", network_id);
    json_array_foreach (rows, i, row) {
        shared |= !strcmp(get_str(row, "action"), SHARED)
                  && !strcmp(get_str(row, "target_tenant"), "*");
        external |= !strcmp(get_str(row, "action"), EXTERNAL);
    }
    json_decref(rows);
    json_object_set_new(net, "shared", json_boolean(shared));
    json_object_set_new(net, "router:external", json_boolean(external));
    e = resource_save(req, &network_def, net);
    json_decref(net);
    return e;
}

/* The policy's network, which a non-admin caller must own (Neutron's
 * callbacks; their failures are InvalidInput there). */
static struct api_error *
owned_network(struct api_request *req, const char *network_id, json_t **ret)
{
    const char *scope = authz_scope(req->ctx);
    json_t *net = NULL;
    struct api_error *e = resource_get(req, &network_def, network_id, &net);

    if (!e && scope
        && store_visible(req->store, &network_def, network_id, scope) != 1) {
        e = resource_not_found(&network_def, network_id);
    }
    if (e) {
        /* InvalidInput adds the final period. */
        struct api_error *wrapped = api_invalid_input(
            "%.*s", (int) strlen(e->message) - 1, e->message);
        api_error_free(e);
        json_decref(net);
        return wrapped;
    }
    if (!req->ctx->is_admin
        && strcmp(get_str(net, "project_id"), req->ctx->project_id)) {
        json_decref(net);
        return api_invalid_input("Only admins can manipulate policies on "
                                 "networks they do not own");
    }
    *ret = net;
    return NULL;
}

/* 409 if ports depend on 'network' being shared with 'target'. */
static struct api_error *
check_in_use(struct api_request *req, json_t *network, const char *target,
             const char *policy_object)
{
    const char *id = get_str(network, "id");
    int r = store_rbac_in_use(req->store, id, get_str(network, "project_id"),
                              target);

    if (r < 0) {
        return api_error_from_store(r);
    }
    if (!r) {
        return NULL;
    }
    if (!policy_object) {
        return api_error_new(409, "InvalidSharedSetting",
                             "Unable to reconfigure sharing settings for "
                             "network %s. Multiple tenants are using it.",
                             get_str(network, "name"));
    }
    return api_error_new(409, "RbacPolicyInUse",
                         "RBAC policy on object %s cannot be removed because "
                         "other objects depend on it.\nDetails: Unable to "
                         "reconfigure sharing settings for network %s. "
                         "Multiple tenants are using it.",
                         policy_object, id);
}

static struct api_error *
rbac_create(struct api_request *req, json_t *attrs, char **ret_id)
{
    static const char *const not_rbac[] = {"tags", "revision_number",
                                           "created_at", "updated_at"};
    const char *action = get_str(attrs, "action");
    json_t *net = NULL;
    struct api_error *e = NULL;
    int r;

    if (strcmp(action, SHARED) && strcmp(action, EXTERNAL)) {
        return api_error_new(400, "InvalidActionForType",
                             "Invalid action '%s' for object type 'network'. "
                             "Valid actions: ('%s', '%s')",
                             action, SHARED, EXTERNAL);
    }
    e = owned_network(req, get_str(attrs, "object_id"), &net);
    if (!e) {
        e = resource_init_row(req, attrs, 0, ret_id);
    }
    for (size_t i = 0; !e && i < ARRAY_SIZE(not_rbac); i++) {
        json_object_del(attrs, not_rbac[i]);
    }
    if (!e) {
        r = store_insert(req->store, &rbac_def, attrs);
        e = r == -EEXIST ? api_error_new(409, "DuplicateRbacPolicy",
                                         "An RBAC policy already exists "
                                         "with those values.")
                         : api_error_from_store(r);
    }
    if (!e) {
        e = sync_flags(req, get_str(net, "id"));
    }
    if (e) {
        free(*ret_id);
        *ret_id = NULL;
    }
    json_decref(net);
    return e;
}

static struct api_error *
rbac_update(struct api_request *req, json_t *row, json_t *changes)
{
    json_t *target = json_object_get(changes, "target_tenant");
    const char *old = get_str(row, "target_tenant");
    json_t *net = NULL;
    struct api_error *e;

    if (!target || !strcmp(json_string_value(target), old)) {
        return NULL;
    }
    e = owned_network(req, get_str(row, "object_id"), &net);
    if (!e && !strcmp(get_str(row, "action"), SHARED)) {
        e = check_in_use(req, net, old, get_str(row, "object_id"));
    }
    if (!e) {
        int r;
        json_object_set(row, "target_tenant", target);
        r = store_update(req->store, &rbac_def, get_str(row, "id"), row);
        e = r == -EEXIST ? api_error_new(409, "DuplicateRbacPolicy",
                                         "An RBAC policy already exists "
                                         "with those values.")
                         : api_error_from_store(r);
    }
    if (!e) {
        e = sync_flags(req, get_str(net, "id"));
    }
    json_decref(net);
    return e;
}

static struct api_error *
rbac_delete(struct api_request *req, json_t *row)
{
    const char *network_id = get_str(row, "object_id");
    json_t *net = NULL;
    struct api_error *e = resource_get(req, &network_def, network_id, &net);

    if (!e && !strcmp(get_str(row, "action"), SHARED)) {
        e = check_in_use(req, net, get_str(row, "target_tenant"), network_id);
    }
    if (!e) {
        e = api_error_from_store(
            store_delete(req->store, &rbac_def, get_str(row, "id")));
    }
    if (!e) {
        e = sync_flags(req, network_id);
    }
    json_decref(net);
    return e;
}

/* Adds or removes the wildcard policy 'action' of network 'row'. */
static struct api_error *
set_wildcard(struct api_request *req, json_t *row, const char *action, bool on)
{
    const char *id = get_str(row, "id");
    json_t *rows, *policy;
    char uuid[UUID_STRLEN];
    size_t i;
    int r = 0;

    if (on) {
        uuid_generate(uuid);
        policy = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", uuid,
                           "project_id", get_str(row, "project_id"),
                           "object_type", "network", "object_id", id,
                           "target_tenant", "*", "action", action);
        r = store_insert(req->store, &rbac_def, policy);
        json_decref(policy);
        return api_error_from_store(r == -EEXIST ? 0 : r);
    }
    /* External: every policy goes, as Neutron's external-net does. */
    rows = store_rows_where(req->store, &rbac_def, "object_id", id);
    json_array_foreach (rows, i, policy) {
        if (!r && !strcmp(get_str(policy, "action"), action)
            && (!strcmp(action, EXTERNAL)
                || !strcmp(get_str(policy, "target_tenant"), "*"))) {
            r = store_delete(req->store, &rbac_def, get_str(policy, "id"));
        }
    }
    json_decref(rows);
    return api_error_from_store(r);
}

struct api_error *
rbac_sync_network(struct api_request *req, json_t *row, json_t *old)
{
    bool shared = json_is_true(json_object_get(row, "shared"));
    bool external = json_is_true(json_object_get(row, "router:external"));
    bool was_shared = old && json_is_true(json_object_get(old, "shared"));
    bool was_external =
        old && json_is_true(json_object_get(old, "router:external"));
    struct api_error *e = NULL;

    if (was_shared && !shared) {
        e = check_in_use(req, old, "*", NULL);
    }
    if (!e && shared != was_shared) {
        e = set_wildcard(req, row, SHARED, shared);
    }
    if (!e && external != was_external) {
        e = set_wildcard(req, row, EXTERNAL, external);
    }
    return e;
}

struct api_error *
rbac_forget_network(struct api_request *req, const char *id)
{
    json_t *rows = store_rows_where(req->store, &rbac_def, "object_id", id);
    json_t *policy;
    size_t i;
    int r = 0;

    /* One by one, so each project's count of policies stays right. */
    json_array_foreach (rows, i, policy) {
        r = r ? r : store_delete(req->store, &rbac_def, get_str(policy, "id"));
    }
    json_decref(rows);
    return api_error_from_store(r);
}

const struct resource_ops rbac_ops = {
    &rbac_def, rbac_create, rbac_update, rbac_delete, NULL,
};
