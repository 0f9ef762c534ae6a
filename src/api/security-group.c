#include "api/security-group.h"

#include <errno.h>
#include <strings.h>

#include "api/query.h"
#include "api/sg-rule.h"
#include "core/ip.h"
#include "core/json-writer.h"

static char *convert_direction(json_t *, json_t **);
static const char *body_project(struct api_request *, json_t *attrs);

static const struct attr security_group_attrs[] = {
    STANDARD_ATTRS,
    {"stateful", "stateful", COL_BOOL, A_POST | A_PUT, convert_bool, "true"},
    {"shared", "shared", COL_BOOL, A_FILTER, NULL, NULL},
    {"security_group_rules", NULL, COL_NONE, 0, NULL, NULL},
};

const struct resource_def security_group_def = {
    .singular = "security_group",
    .plural = "security_groups",
    .collection = "security-groups",
    .table = "security_groups",
    .not_found = "SecurityGroupNotFound",
    .noun = "Security group",
    .not_found_fmt = "Security group %s does not exist",
    .attrs = security_group_attrs,
    .n_attrs = ARRAY_SIZE(security_group_attrs),
};

/* Converters of protocol, ports, ethertype and remote_ip_prefix raise
 * Neutron's own exceptions: sgrule_normalize() runs them. */
static const struct attr security_group_rule_attrs[] = {
    {"id", "id", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"project_id", "project_id", COL_TEXT, A_POST | A_FILTER | A_SORT,
     convert_string, NULL},
    {"tenant_id", "project_id", COL_TEXT, A_POST | A_FILTER | A_SORT | A_ALIAS,
     convert_string, NULL},
    {"security_group_id", "security_group_id", COL_TEXT,
     A_POST | A_REQUIRED | A_FILTER | A_SORT, convert_string, NULL},
    {"remote_group_id", "remote_group_id", COL_TEXT,
     A_POST | A_FILTER | A_SORT | A_NULLABLE, convert_string, "null"},
    {"direction", "direction", COL_TEXT,
     A_POST | A_REQUIRED | A_FILTER | A_SORT, convert_direction, NULL},
    {"protocol", "protocol", COL_TEXT, A_POST | A_FILTER | A_SORT, NULL,
     "null"},
    {"port_range_min", "port_range_min", COL_INT, A_POST | A_FILTER | A_SORT,
     NULL, "null"},
    {"port_range_max", "port_range_max", COL_INT, A_POST | A_FILTER | A_SORT,
     NULL, "null"},
    {"ethertype", "ethertype", COL_TEXT, A_POST | A_FILTER | A_SORT, NULL,
     "\"IPv4\""},
    {"remote_ip_prefix", "remote_ip_prefix", COL_TEXT,
     A_POST | A_FILTER | A_SORT, NULL, "null"},
    {"remote_address_group_id", "remote_address_group_id", COL_TEXT,
     A_POST | A_FILTER | A_SORT | A_NULLABLE, convert_string, "null"},
    {"normalized_cidr", "normalized_cidr", COL_TEXT, A_FILTER | A_SORT, NULL,
     NULL},
    {"description", "description", COL_TEXT, A_POST | A_FILTER | A_SORT,
     convert_string, "\"\""},
    {"revision_number", "revision_number", COL_INT, A_FILTER | A_SORT, NULL,
     NULL},
    {"created_at", "created_at", COL_TEXT, 0, NULL, NULL},
    {"updated_at", "updated_at", COL_TEXT, 0, NULL, NULL},
};

const struct resource_def security_group_rule_def = {
    .singular = "security_group_rule",
    .plural = "security_group_rules",
    .collection = "security-group-rules",
    .table = "security_group_rules",
    .not_found = "SecurityGroupRuleNotFound",
    .noun = "Security group rule",
    .not_found_fmt = "Security group rule %s does not exist",
    .attrs = security_group_rule_attrs,
    .n_attrs = ARRAY_SIZE(security_group_rule_attrs),
};

static const char *
get_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static char *
convert_direction(json_t *value, json_t **ret)
{
    const char *s = json_string_value(value);
    char *repr;
    char *why;

    if (s && (!strcmp(s, "ingress") || !strcmp(s, "egress"))) {
        *ret = json_incref(value);
        return NULL;
    }
    repr = schema_repr(value);
    why = xasprintf("%s is not in valid_values", repr);
    free(repr);
    return why;
}

/* ---- Rules. ---- */

static struct api_error *
insert_rule(struct api_request *req, json_t *rule)
{
    char *id = NULL;
    struct api_error *e = resource_init_row(req, rule, 0, &id);

    free(id);
    json_object_del(rule, "tags"); /* Rules have none. */
    return e ? e
             : api_error_from_store(
                 store_insert(req->store, &security_group_rule_def, rule));
}

/* Whether object 'id' of 'def' (a group or an address group) exists for
 * 'project_id': its own, or any for an admin.  NotFound otherwise. */
static struct api_error *
check_owned(struct api_request *req, const struct resource_def *def,
            const char *id, const char *project_id)
{
    static const char *const fields[] = {"project_id", NULL};
    json_t *row = NULL;
    struct api_error *e = resource_get_fields(req, def, id, fields, &row);

    if (!e && !req->ctx->is_admin
        && strcmp(get_str(row, "project_id"), project_id)) {
        e = resource_not_found(def, id);
    }
    json_decref(row);
    return e;
}

static struct api_error *
check_duplicate(struct api_request *req, json_t *rule)
{
    json_t *rules = store_rows_where(req->store, &security_group_rule_def,
                                     "security_group_id",
                                     get_str(rule, "security_group_id"));
    char *key = sgrule_key(rule);
    struct api_error *e = NULL;
    size_t i;
    json_t *other;

    json_array_foreach (rules, i, other) {
        char *other_key = sgrule_key(other);
        bool same = !strcmp(key, other_key);

        free(other_key);
        if (same) {
            e = api_error_new(409, "SecurityGroupRuleExists",
                              "Security group rule already exists. Rule id "
                              "is %s.",
                              get_str(other, "id"));
            break;
        }
    }
    free(key);
    json_decref(rules);
    return e;
}

/* Bumps the revision of group 'id' after a change of its rules (which
 * also logs it for the feed). */
static struct api_error *
revise_group(struct api_request *req, const char *id)
{
    json_t *sg = store_get(req->store, &security_group_def, id);
    struct api_error *e = NULL;

    if (sg) {
        e = resource_save(req, &security_group_def, sg);
        json_decref(sg);
    }
    return e;
}

static struct api_error *
check_rule_references(struct api_request *req, json_t *rule)
{
    const char *project = get_str(rule, "project_id");
    const char *remote = get_str(rule, "remote_group_id");
    const char *ag = get_str(rule, "remote_address_group_id");
    struct api_error *e = NULL;

    if (remote) {
        e = check_owned(req, &security_group_def, remote, project);
    }
    if (!e && ag) {
        e = check_owned(req, &address_group_def, ag, project);
    }
    return e ? e
             : check_owned(req, &security_group_def,
                           get_str(rule, "security_group_id"), project);
}

static struct api_error *
rule_create(struct api_request *req, json_t *rule, char **ret_id)
{
    struct api_error *e = resource_init_row(req, rule, 0, ret_id);

    json_object_del(rule, "tags");
    e = e ? e : sgrule_normalize(rule);
    e = e ? e : check_rule_references(req, rule);
    e = e ? e : check_duplicate(req, rule);
    if (!e) {
        e = api_error_from_store(
            store_insert(req->store, &security_group_rule_def, rule));
    }
    return e ? e : revise_group(req, get_str(rule, "security_group_id"));
}

static struct api_error *
rule_delete(struct api_request *req, json_t *rule)
{
    struct api_error *e = api_error_from_store(store_delete(
        req->store, &security_group_rule_def, get_str(rule, "id")));

    return e ? e : revise_group(req, get_str(rule, "security_group_id"));
}

/* Neutron creates a bulk of rules as one: all for one group and one
 * project, none twice. */
static struct api_error *
rules_check_bulk(struct api_request *req, json_t *items)
{
    json_t *keys = json_object();
    const char *group = NULL, *project = NULL;
    struct api_error *e = NULL;
    size_t i;
    json_t *item;

    json_array_foreach (items, i, item) {
        json_t *rule = NULL;
        const char *g, *p;
        char *key;

        e = schema_validate(&security_group_rule_def, item, true, &rule);
        e = e ? e : sgrule_normalize(rule);
        if (e) {
            json_decref(rule);
            break;
        }
        g = get_str(rule, "security_group_id");
        p = body_project(req, rule);
        if (group && strcmp(g, group)) {
            e = api_error_new(400, "SecurityGroupNotSingleGroupRules",
                              "Only allowed to update rules for one security "
                              "profile at a time");
        } else if (project && strcmp(p, project)) {
            e = api_error_new(
                400, "SecurityGroupRulesNotSingleTenant",
                "Multiple tenant_ids in bulk security group rule "
                "create not allowed");
        }
        group = g;
        project = p;
        key = sgrule_key(rule);
        if (!e && json_object_get(keys, key)) {
            e = api_error_new(409, "DuplicateSecurityGroupRuleInPost",
                              "Duplicate Security Group Rule in POST.");
        }
        json_object_set_new(keys, key, rule); /* Keeps 'group', 'project'. */
        free(key);
        if (e) {
            break;
        }
    }
    json_decref(keys);
    return e;
}

/* Listing groups or rules makes the listed project's default group, as
 * Neutron does: the project filtered on, or the caller's. */
static struct api_error *
ensure_listed_default(struct api_request *req, const struct list_query *q)
{
    const char *project = req->ctx->project_id;
    char *id = NULL;
    struct api_error *e;

    for (size_t i = 0; i < q->n_filters; i++) {
        if (!strcmp(q->filters[i].attr->column, "project_id")) {
            project =
                json_string_value(json_array_get(q->filters[i].values, 0));
            break;
        }
    }
    if (!project || !*project) {
        return NULL;
    }
    e = sg_ensure_default(req, project, &id);
    free(id);
    return e;
}

const struct resource_ops security_group_rule_ops = {
    .def = &security_group_rule_def,
    .create = rule_create,
    .delete = rule_delete,
    .check_bulk = rules_check_bulk,
    .before_list = ensure_listed_default,
};

/* ---- Groups. ---- */

static bool
is_default_name(json_t *name)
{
    const char *s = json_string_value(name);

    return s && !strcasecmp(s, "default");
}

static struct api_error *
default_exists(void)
{
    return api_error_new(409, "SecurityGroupDefaultAlreadyExists",
                         "Default security group already exists.");
}

/* Stores group 'sg' with Neutron's initial rules: egress to anywhere for
 * IPv4 and IPv6, and for a default group ingress from its own members. */
static struct api_error *
insert_group(struct api_request *req, json_t *sg, bool is_default)
{
    static const char *const ethertypes[] = {"IPv4", "IPv6"};
    const char *id = get_str(sg, "id");
    struct api_error *e;

    json_object_set_new(sg, "shared", json_false());
    e = api_error_from_store(
        store_insert(req->store, &security_group_def, sg));
    for (size_t i = 0; i < 2 * ARRAY_SIZE(ethertypes) && !e; i++) {
        bool ingress = !(i % 2);
        json_t *rule;

        if (ingress && !is_default) {
            continue;
        }
        rule = json_pack(
            "{s:s, s:s, s:s, s:s, s:n, s:n, s:n, s:n, s:n, s:n, s:n}",
            "project_id", get_str(sg, "project_id"), "security_group_id", id,
            "direction", ingress ? "ingress" : "egress", "ethertype",
            ethertypes[i / 2], "protocol", "port_range_min", "port_range_max",
            "remote_ip_prefix", "normalized_cidr", "remote_address_group_id",
            "description");
        json_object_set_new(rule, "remote_group_id",
                            ingress ? json_string(id) : json_null());
        e = insert_rule(req, rule);
        json_decref(rule);
    }
    return e;
}

static json_t *
cache_get(struct api_request *req, const char *key)
{
    return req->batch_cache
               ? json_incref(json_object_get(req->batch_cache, key))
               : NULL;
}

static void
cache_put(struct api_request *req, const char *key, json_t *value)
{
    if (req->batch_cache) {
        json_object_set(req->batch_cache, key, value);
    }
}

static struct api_error *
make_default(struct api_request *req, const char *project_id, char **ret_id)
{
    json_t *sg = json_pack("{s:s, s:s, s:s, s:b}", "project_id", project_id,
                           "name", "default", "description",
                           "Default security group", "stateful", 1);
    struct api_error *e = resource_init_row(req, sg, 1, ret_id);

    e = e ? e : insert_group(req, sg, true);
    if (!e) {
        e = api_error_from_store(
            store_default_sg_set(req->store, project_id, *ret_id));
    }
    json_decref(sg);
    if (e) {
        free(*ret_id);
        *ret_id = NULL;
    }
    return e;
}

struct api_error *
sg_ensure_default(struct api_request *req, const char *project_id,
                  char **ret_id)
{
    char *key = xasprintf("default-sg:%s", project_id);
    json_t *cached = cache_get(req, key);
    struct api_error *e = NULL;
    int r;

    *ret_id = NULL;
    if (cached) {
        *ret_id = xstrdup(json_string_value(cached));
    } else if (strcmp(project_id, req->ctx->project_id)
               && !req->ctx->is_admin) {
        /* Nobody makes another project's default group (Neutron bug
         * 1987410). */
    } else {
        r = store_default_sg_get(req->store, project_id, ret_id);
        if (r == -ENOENT) {
            e = make_default(req, project_id, ret_id);
        } else {
            e = api_error_from_store(r);
        }
    }
    if (!e && *ret_id && !cached) {
        json_t *v = json_string(*ret_id);
        cache_put(req, key, v);
        json_decref(v);
    }
    json_decref(cached);
    free(key);
    return e;
}

/* The project a request body is for: its own or the caller's. */
static const char *
body_project(struct api_request *req, json_t *attrs)
{
    const char *p = get_str(attrs, "project_id");

    p = p ? p : get_str(attrs, "tenant_id");
    return p ? p : req->ctx->project_id;
}

static struct api_error *
sg_create(struct api_request *req, json_t *sg, char **ret_id)
{
    char *default_id = NULL;
    struct api_error *e = NULL;

    if (is_default_name(json_object_get(sg, "name"))) {
        return default_exists();
    }
    e = sg_ensure_default(req, body_project(req, sg), &default_id);
    free(default_id);
    e = e ? e : resource_init_row(req, sg, 1, ret_id);
    return e ? e : insert_group(req, sg, false);
}

static struct api_error *
sg_update(struct api_request *req, json_t *row, json_t *changes)
{
    const char *id = get_str(row, "id");
    json_t *stateful = json_object_get(changes, "stateful");

    if (is_default_name(json_object_get(changes, "name"))) {
        return default_exists();
    }
    if (stateful && !json_equal(stateful, json_object_get(row, "stateful"))
        && store_sg_in_use(req->store, id) > 0) {
        return api_error_new(409, "SecurityGroupInUse",
                             "Security Group %s in use.", id);
    }
    if (json_object_get(changes, "name")
        && store_sg_is_default(req->store, id) > 0) {
        return api_error_new(409, "SecurityGroupCannotUpdateDefault",
                             "Updating default security group not allowed.");
    }
    if (!resource_merge(row, changes)) {
        return NULL;
    }
    return resource_save(req, &security_group_def, row);
}

/* Rules of other groups that name group 'id' as their remote group go
 * with it (Neutron's foreign key cascades); their groups change. */
static struct api_error *
delete_remote_rules(struct api_request *req, const char *id)
{
    json_t *rules = store_rows_where(req->store, &security_group_rule_def,
                                     "remote_group_id", id);
    struct api_error *e = NULL;
    size_t i;
    json_t *rule;

    json_array_foreach (rules, i, rule) {
        if (!strcmp(get_str(rule, "security_group_id"), id)) {
            continue; /* Goes with the group itself. */
        }
        e = rule_delete(req, rule);
        if (e) {
            break;
        }
    }
    json_decref(rules);
    return e;
}

/* Deletes group 'id' and its own rules one by one rather than by the
 * foreign key's cascade, so each leaves the project's quota usage. */
static struct api_error *
delete_group(struct api_request *req, const char *id)
{
    json_t *ids = store_ids_where(req->store, &security_group_rule_def,
                                  "security_group_id", id);
    int r = 0;
    size_t i;
    json_t *rule_id;

    json_array_foreach (ids, i, rule_id) {
        r = store_delete(req->store, &security_group_rule_def,
                         json_string_value(rule_id));
        if (r) {
            break;
        }
    }
    json_decref(ids);
    r = r ? r : store_delete(req->store, &security_group_def, id);
    return api_error_from_store(r);
}

static struct api_error *
sg_delete(struct api_request *req, json_t *row)
{
    const char *id = get_str(row, "id");
    struct api_error *e;

    if (store_sg_in_use(req->store, id) > 0) {
        return api_error_new(409, "SecurityGroupInUse",
                             "Security Group %s in use.", id);
    }
    if (!req->ctx->is_admin && store_sg_is_default(req->store, id) > 0) {
        return api_error_new(409, "SecurityGroupCannotRemoveDefault",
                             "Insufficient rights for removing default "
                             "security group.");
    }
    e = delete_remote_rules(req, id);
    return e ? e : delete_group(req, id);
}

/* A group's rules as Neutron embeds them: each with "tags". */
static void
put_rules(struct api_request *req, const char *id, struct ds *out)
{
    json_t *rules = store_rows_where(req->store, &security_group_rule_def,
                                     "security_group_id", id);
    size_t i;
    json_t *rule;

    ds_put_char(out, '[');
    json_array_foreach (rules, i, rule) {
        json_object_set(rule, "tenant_id",
                        json_object_get(rule, "project_id"));
        json_object_set_new(rule, "tags", json_array());
        ds_put_cstr(out, i ? "," : "");
        json_put_value(out, rule);
    }
    ds_put_char(out, ']');
    json_decref(rules);
}

static void
sg_render_extra(struct api_request *req, const char *id, char **fields,
                bool first, struct ds *out)
{
    if (query_fields_want(fields, "security_group_rules")) {
        ds_put_cstr(out, first ? "" : ",");
        ds_put_cstr(out, "\"security_group_rules\":");
        put_rules(req, id, out);
    }
}

const struct resource_ops security_group_ops = {
    .def = &security_group_def,
    .create = sg_create,
    .update = sg_update,
    .delete = sg_delete,
    .render_extra = sg_render_extra,
    .before_list = ensure_listed_default,
};

/* ---- Ports. ---- */

/* The 'stateful' of group 'id' for a port of 'project_id', read once per
 * batch. */
static struct api_error *
group_stateful(struct api_request *req, const char *id, const char *project_id,
               bool *ret)
{
    static const char *const fields[] = {"project_id", "stateful", NULL};
    char *key = xasprintf("sg:%s", id);
    json_t *sg = cache_get(req, key);
    struct api_error *e = NULL;

    if (!sg) {
        e = resource_get_fields(req, &security_group_def, id, fields, &sg);
        if (!e) {
            cache_put(req, key, sg);
        }
    }
    free(key);
    if (!e && !req->ctx->is_admin
        && strcmp(get_str(sg, "project_id"), project_id)) {
        e = resource_not_found(&security_group_def, id);
    }
    if (!e) {
        *ret = json_is_true(json_object_get(sg, "stateful"));
    }
    json_decref(sg);
    return e;
}

struct api_error *
sg_check_port_groups(struct api_request *req, const char *project_id,
                     json_t *ids, json_t **ret)
{
    struct ds missing = DS_EMPTY_INITIALIZER;
    json_t *out = json_array();
    bool kinds[2] = {false, false}; /* Stateless, stateful seen. */
    struct api_error *e = NULL;
    size_t i, j;
    json_t *id, *seen;

    json_array_foreach (ids, i, id) {
        bool dup = false, stateful = false;

        json_array_foreach (out, j, seen) {
            dup |= json_equal(id, seen);
        }
        if (dup) {
            continue;
        }
        e = group_stateful(req, json_string_value(id), project_id, &stateful);
        if (e && e->status == 404) {
            /* Neutron names every missing group at once. */
            ds_put_format(&missing, "%s%s", missing.len ? ", " : "",
                          json_string_value(id));
            api_error_free(e);
            e = NULL;
            continue;
        }
        if (e) {
            break;
        }
        kinds[stateful] = true;
        json_array_append(out, id);
    }
    if (!e && missing.len) {
        e = resource_not_found(&security_group_def, ds_cstr(&missing));
    } else if (!e && kinds[0] && kinds[1]) {
        e = api_error_new(409, "SecurityGroupConflict",
                          "Error Cannot apply both stateful and stateless "
                          "security groups on the same port at the same "
                          "time while attempting the operation.");
    }
    ds_destroy(&missing);
    if (e) {
        json_decref(out);
        return e;
    }
    *ret = out;
    return NULL;
}

struct api_error *
sg_touch(struct api_request *req, json_t *ids)
{
    size_t i;
    json_t *id;

    json_array_foreach (ids, i, id) {
        char *key = xasprintf("touched:%s", json_string_value(id));
        json_t *done = cache_get(req, key);
        int r = 0;

        /* Once per batch is enough: the feed reads a group's members when
         * it answers, after the batch committed. */
        if (!done) {
            r = store_log_change(req->store, &security_group_def,
                                 json_string_value(id));
        }
        if (!r && !done) {
            cache_put(req, key, json_true());
        }
        json_decref(done);
        free(key);
        if (r) {
            return api_error_from_store(r);
        }
    }
    return NULL;
}

struct api_error *
sg_port_set_groups(struct api_request *req, const char *port_id,
                   json_t *old_ids, json_t *new_ids)
{
    json_t *none = json_array();
    struct api_error *e = NULL;
    int r = 0;

    if (!json_equal(old_ids ? old_ids : none, new_ids ? new_ids : none)) {
        /* A new port has no rows to replace. */
        r = store_sg_bindings_set(req->store, port_id,
                                  new_ids ? new_ids : none, old_ids != NULL);
        e = api_error_from_store(r);
    }
    e = e ? e : sg_touch(req, old_ids);
    if (!e && new_ids && !json_equal(old_ids, new_ids)) {
        e = sg_touch(req, new_ids);
    }
    json_decref(none);
    return e;
}

struct api_error *
sg_add_members(struct api_request *req, json_t *sg)
{
    json_t *members = json_pack("{s:[], s:[]}", "IPv4", "IPv6");
    json_t *seen = json_object(); /* A set, so 10,000 members stay cheap. */
    json_t *addresses = NULL;
    int r =
        store_sg_member_addresses(req->store, get_str(sg, "id"), &addresses);
    size_t i;
    json_t *a;

    json_array_foreach (r ? NULL : addresses, i, a) {
        const char *s = json_string_value(a);

        if (!json_object_get(seen, s)) {
            json_object_set_new(seen, s, json_true());
            json_array_append(
                json_object_get(members, strchr(s, ':') ? "IPv6" : "IPv4"), a);
        }
    }
    json_decref(addresses);
    json_decref(seen);
    if (r) {
        json_decref(members);
        return api_error_from_store(r);
    }
    json_object_set_new(sg, "members", members);
    return NULL;
}
