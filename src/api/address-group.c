#include "api/address-group.h"

#include "core/ip.h"

static char *convert_description(json_t *, json_t **);
static char *convert_addresses(json_t *, json_t **);

static const struct attr address_group_attrs[] = {
    {"id", "id", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"project_id", "project_id", COL_TEXT, A_POST | A_FILTER | A_SORT,
     convert_string, NULL},
    {"tenant_id", "project_id", COL_TEXT, A_POST | A_FILTER | A_SORT | A_ALIAS,
     convert_string, NULL},
    {"name", "name", COL_TEXT, A_POST | A_PUT | A_FILTER | A_SORT,
     convert_string, "\"\""},
    {"description", "description", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT, convert_description, "\"\""},
    {"addresses", "addresses", COL_JSON, A_POST, convert_addresses, "[]"},
};

const struct resource_def address_group_def = {
    .singular = "address_group",
    .plural = "address_groups",
    .collection = "address-groups",
    .table = "address_groups",
    .not_found = "AddressGroupNotFound",
    .noun = "Address group",
    .attrs = address_group_attrs,
    .n_attrs = ARRAY_SIZE(address_group_attrs),
};

static char *
convert_description(json_t *value, json_t **ret)
{
    char *repr;
    char *why;

    if (json_is_string(value) && json_string_length(value) <= 1024) {
        *ret = json_incref(value);
        return NULL;
    }
    if (!json_is_string(value)) {
        return convert_string(value, ret);
    }
    repr = schema_repr(value);
    why = xasprintf("'%s' exceeds maximum length of 1024", repr);
    free(repr);
    return why;
}

/* Appends the network 'net' to 'list' unless it is there. */
static void
add_unique(json_t *list, const struct ip_net *net)
{
    char buf[IPNET_STRLEN];
    size_t i;
    json_t *v;

    ipnet_format(net, buf);
    json_array_foreach (list, i, v) {
        if (!strcmp(json_string_value(v), buf)) {
            return;
        }
    }
    json_array_append_new(list, json_string(buf));
}

/* A list of distinct CIDRs, stored as their networks without repeats. */
static char *
convert_addresses(json_t *value, json_t **ret)
{
    json_t *out;
    size_t i, j;
    json_t *item, *other;

    if (json_is_null(value)) {
        *ret = json_array();
        return NULL;
    }
    if (!json_is_array(value)) {
        char *repr = schema_repr(value);
        char *why = xasprintf("'%s' is not a list", repr);
        free(repr);
        return why;
    }
    out = json_array();
    json_array_foreach (value, i, item) {
        struct ip_net net;
        char *why = schema_check_subnet(item, &net);

        json_array_foreach (value, j, other) {
            if (!why && j < i && json_equal(item, other)) {
                why = xasprintf("Duplicate items in the list: '%s'",
                                json_string_value(item));
            }
        }
        if (why) {
            json_decref(out);
            return why;
        }
        add_unique(out, &net);
    }
    *ret = out;
    return NULL;
}

static struct api_error *
ag_create(struct api_request *req, json_t *ag, char **ret_id)
{
    struct api_error *e = resource_init_row(req, ag, 0, ret_id);

    /* Shown without standard attributes, as Neutron shows them. */
    json_object_del(ag, "tags");
    json_object_del(ag, "revision_number");
    json_object_del(ag, "created_at");
    json_object_del(ag, "updated_at");
    return e ? e
             : api_error_from_store(
                 store_insert(req->store, &address_group_def, ag));
}

static struct api_error *
ag_update(struct api_request *req, json_t *row, json_t *changes)
{
    if (!resource_merge(row, changes)) {
        return NULL;
    }
    return api_error_from_store(
        store_update(req->store, &address_group_def,
                     json_string_value(json_object_get(row, "id")), row));
}

static struct api_error *
ag_delete(struct api_request *req, json_t *row)
{
    const char *id = json_string_value(json_object_get(row, "id"));
    json_t *rules = store_ids_where(req->store, &security_group_rule_def,
                                    "remote_address_group_id", id);
    bool used = json_array_size(rules) > 0;

    json_decref(rules);
    if (used) {
        return api_error_new(409, "AddressGroupInUse",
                             "Address group %s is in use on one or more "
                             "security group rules.",
                             id);
    }
    return api_error_from_store(
        store_delete(req->store, &address_group_def, id));
}

const struct resource_ops address_group_ops = {
    .def = &address_group_def,
    .create = ag_create,
    .update = ag_update,
    .delete = ag_delete,
};

/* ---- add_addresses, remove_addresses. ---- */

struct action_args {
    const char *id;
    const char *action; /* Also its policy rule's name. */
    bool add;
    json_t *addresses; /* Requested, normalized. */
    json_t *row;       /* Result. */
};

/* Python's repr of a list of strings: "['a', 'b']". */
static char *
list_repr(json_t *list)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    size_t i;
    json_t *v;

    ds_put_char(&s, '[');
    json_array_foreach (list, i, v) {
        ds_put_format(&s, "%s'%s'", i ? ", " : "", json_string_value(v));
    }
    ds_put_char(&s, ']');
    return ds_steal(&s);
}

static bool
contains(json_t *list, json_t *value)
{
    size_t i;
    json_t *v;

    json_array_foreach (list, i, v) {
        if (json_equal(v, value)) {
            return true;
        }
    }
    return false;
}

/* The requested addresses that are ('present') or are not in 'have'. */
static json_t *
select_addresses(json_t *wanted, json_t *have, bool present)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;

    json_array_foreach (wanted, i, v) {
        if (contains(have, v) == present) {
            json_array_append(out, v);
        }
    }
    return out;
}

static struct api_error *
do_action(struct call *c, void *aux)
{
    struct action_args *a = aux;
    struct api_error *e = api_get_for_action(&c->req, &address_group_def,
                                             a->id, a->action, &a->row);
    json_t *have, *wrong, *next;
    size_t i;
    json_t *v;

    if (e) {
        return e;
    }
    have = json_object_get(a->row, "addresses");
    wrong = select_addresses(a->addresses, have, a->add);
    if (json_array_size(wrong)) {
        char *repr = list_repr(wrong);
        e = a->add ? api_error_new(400, "AddressesAlreadyExist",
                                   "Addresses %s already exist in the "
                                   "address group %s.",
                                   repr, a->id)
                   : api_error_new(404, "AddressesNotFound",
                                   "Addresses %s not found in the address "
                                   "group %s.",
                                   repr, a->id);
        free(repr);
        json_decref(wrong);
        return e;
    }
    json_decref(wrong);
    next = a->add ? json_deep_copy(have) : json_array();
    json_array_foreach (a->add ? a->addresses : have, i, v) {
        if (a->add || !contains(a->addresses, v)) {
            json_array_append(next, v);
        }
    }
    json_object_set_new(a->row, "addresses", next);
    e = api_error_from_store(
        store_update(c->req.store, &address_group_def, a->id, a->row));
    if (!e) {
        api_render(&c->req, &address_group_ops, a->row, NULL);
    }
    return e;
}

/* The "addresses" of an action's body, normalized; netaddr's error for a
 * bad one. */
static json_t *
action_addresses(json_t *body, struct api_error **e)
{
    json_t *list = json_object_get(body, "addresses");
    json_t *out = json_array();
    size_t i;
    json_t *v;

    if (!json_is_array(list)) {
        *e = api_bad_request("Unable to find 'addresses' in request body");
        json_decref(out);
        return NULL;
    }
    json_array_foreach (list, i, v) {
        struct ip_net net, network;
        const char *s = json_string_value(v);

        if (!s || ipnet_parse(s, &net)) {
            char *repr = schema_repr(v);
            *e = api_error_new(400, "AddrFormatError", "invalid IPNetwork %s",
                               repr);
            free(repr);
            json_decref(out);
            return NULL;
        }
        network = ipnet_network(&net);
        add_unique(out, &network);
    }
    return out;
}

void
address_group_action(struct call *c, const char *id, const char *action,
                     struct http_response *resp)
{
    struct action_args a = {id, action, !strcmp(action, "add_addresses"), NULL,
                            NULL};
    struct api_error *e = NULL;
    json_t *body;

    if (!api_action_routed(c, action, "add_addresses", "remove_addresses",
                           resp)) {
        return;
    }
    body = api_parse_body(c->http, &e);
    if (body) {
        a.addresses = action_addresses(body, &e);
    }
    if (!e) {
        e = api_in_transaction(c, true, do_action, &a);
    }
    if (e) {
        api_respond_error(resp, e);
    } else {
        api_respond_json(resp, 200,
                         json_pack("{s:O}", "address_group", a.row));
    }
    json_decref(a.row);
    json_decref(a.addresses);
    json_decref(body);
}
