/* "neutrino port create|list|show|set|unset|delete", as
 * openstackclient/network/v2/port.py. */
#include "cli/commands.h"

#include <errno.h>

static const struct cli_column show_columns[] = {
    {"admin_state_up", "admin_state_up", CLI_FMT_ADMIN_STATE},
    {"allowed_address_pairs", "allowed_address_pairs", CLI_FMT_LIST_DICT},
    {"binding_host_id", "binding:host_id", CLI_FMT_RAW},
    {"binding_profile", "binding:profile", CLI_FMT_DICT},
    {"binding_vif_details", "binding:vif_details", CLI_FMT_DICT},
    {"binding_vif_type", "binding:vif_type", CLI_FMT_RAW},
    {"binding_vnic_type", "binding:vnic_type", CLI_FMT_RAW},
    {"created_at", "created_at", CLI_FMT_RAW},
    {"data_plane_status", "data_plane_status", CLI_FMT_RAW},
    {"description", "description", CLI_FMT_RAW},
    {"device_id", "device_id", CLI_FMT_RAW},
    {"device_owner", "device_owner", CLI_FMT_RAW},
    {"device_profile", "device_profile", CLI_FMT_RAW},
    {"dns_assignment", "dns_assignment", CLI_FMT_LIST_DICT},
    {"dns_domain", "dns_domain", CLI_FMT_RAW},
    {"dns_name", "dns_name", CLI_FMT_RAW},
    {"extra_dhcp_opts", "extra_dhcp_opts", CLI_FMT_LIST_DICT},
    {"fixed_ips", "fixed_ips", CLI_FMT_LIST_DICT},
    {"id", "id", CLI_FMT_RAW},
    {"ip_allocation", "ip_allocation", CLI_FMT_RAW},
    {"mac_address", "mac_address", CLI_FMT_RAW},
    {"name", "name", CLI_FMT_RAW},
    {"network_id", "network_id", CLI_FMT_RAW},
    {"numa_affinity_policy", "numa_affinity_policy", CLI_FMT_RAW},
    {"port_security_enabled", "port_security_enabled", CLI_FMT_RAW},
    {"project_id", "project_id", CLI_FMT_RAW},
    {"propagate_uplink_status", "propagate_uplink_status", CLI_FMT_RAW},
    {"qos_network_policy_id", "qos_network_policy_id", CLI_FMT_RAW},
    {"qos_policy_id", "qos_policy_id", CLI_FMT_RAW},
    {"resource_request", "resource_request", CLI_FMT_RAW},
    {"revision_number", "revision_number", CLI_FMT_RAW},
    {"security_group_ids", "security_groups", CLI_FMT_LIST},
    {"status", "status", CLI_FMT_RAW},
    {"tags", "tags", CLI_FMT_LIST},
    {"trunk_details", "trunk_details", CLI_FMT_RAW},
    {"updated_at", "updated_at", CLI_FMT_RAW},
};

const struct cli_resource cli_port_resource = {
    "port", "ports", "Port", show_columns, ARRAY_SIZE(show_columns),
};

static const struct cli_column list_columns[] = {
    {"ID", "id", CLI_FMT_RAW},
    {"Name", "name", CLI_FMT_RAW},
    {"MAC Address", "mac_address", CLI_FMT_RAW},
    {"Fixed IP Addresses", "fixed_ips", CLI_FMT_LIST_DICT},
    {"Status", "status", CLI_FMT_RAW},
    {"Security Groups", "security_groups", CLI_FMT_LIST},
    {"Device Owner", "device_owner", CLI_FMT_RAW},
    {"Tags", "tags", CLI_FMT_LIST},
};

/* The first five columns without --long. */
#define N_SHORT_COLUMNS 5

/* What port.py passes as "fields", one per column of list_columns. */
static const char *const list_fields[] = {
    "id",           "name",   "mac_address",
    "fixed_ips",    "status", "security_group_ids",
    "device_owner", "tags",
};

/* port.py's _get_attrs(). */
static const struct cli_attr common_attrs[] = {
    {"--description", "description", CLI_ATTR_STRING},
    {"--device", "device_id", CLI_ATTR_STRING},
    {"--device-owner", "device_owner", CLI_ATTR_STRING},
    {"--enable", "admin_state_up", CLI_ATTR_TRUE},
    {"--disable", "admin_state_up", CLI_ATTR_FALSE},
    {"--vnic-type", "binding:vnic_type", CLI_ATTR_STRING},
    {"--host", "binding:host_id", CLI_ATTR_STRING},
    {"--mac-address", "mac_address", CLI_ATTR_STRING},
    {"--dns-domain", "dns_domain", CLI_ATTR_STRING},
    {"--dns-name", "dns_name", CLI_ATTR_STRING},
    {"--name", "name", CLI_ATTR_STRING},
    {"--project", "project_id", CLI_ATTR_STRING},
    {"--disable-port-security", "port_security_enabled", CLI_ATTR_FALSE},
    {"--enable-port-security", "port_security_enabled", CLI_ATTR_TRUE},
    {"--no-qos-policy", "qos_policy_id", CLI_ATTR_NULL},
    {"--enable-uplink-status-propagation", "propagate_uplink_status",
     CLI_ATTR_TRUE},
    {"--disable-uplink-status-propagation", "propagate_uplink_status",
     CLI_ATTR_FALSE},
    {"--device-profile", "device_profile", CLI_ATTR_STRING},
    {"--data-plane-status", "data_plane_status", CLI_ATTR_STRING},
};

static const char *const numa_policies[][2] = {
    {"--numa-policy-required", "required"},
    {"--numa-policy-preferred", "preferred"},
    {"--numa-policy-legacy", "legacy"},
};

static const char *const fixed_ip_keys[] = {"subnet", "ip-address", NULL};
static const char *const address_keys[] = {"ip-address", NULL};
static const char *const address_optional[] = {"mac-address", NULL};
static const char *const dhcp_keys[] = {"name", NULL};
static const char *const dhcp_optional[] = {"value", "ip-version", NULL};

static void
apply_common(json_t *attrs, const struct cli_args *args)
{
    cli_attrs_apply(attrs, args, common_attrs, ARRAY_SIZE(common_attrs));
    if (cli_args_flag(args, "--no-security-group")) {
        json_object_set_new(attrs, "security_groups", json_array());
    }
    for (size_t i = 0; i < ARRAY_SIZE(numa_policies); i++) {
        if (cli_args_flag(args, numa_policies[i][0])) {
            json_object_set_new(attrs, "numa_affinity_policy",
                                json_string(numa_policies[i][1]));
        }
    }
}

/* Renames key 'from' of 'obj' to 'to', if present. */
static void
rename_key(json_t *obj, const char *from, const char *to)
{
    json_t *v = json_object_get(obj, from);

    if (v) {
        json_object_set(obj, to, v);
        json_object_del(obj, from);
    }
}

/* --fixed-ip subnet=NAME|ID,ip-address=IP as the API's fixed_ips (the
 * subnet found by name or ID), appended to 'list'. */
static int
add_fixed_ips(struct cli_ctx *ctx, const struct cli_args *args, json_t *list)
{
    const char *const *values;
    size_t n = cli_args_values(args, "--fixed-ip", &values);

    for (size_t i = 0; i < n; i++) {
        json_t *ip =
            cli_parse_kv(ctx, "--fixed-ip", values[i], NULL, fixed_ip_keys);
        const char *subnet;

        if (!ip) {
            return -EINVAL;
        }
        subnet = json_string_value(json_object_get(ip, "subnet"));
        if (subnet && *subnet) {
            json_t *sub;
            int r = cli_find(ctx, &cli_subnet_resource, subnet, &sub);

            if (r < 0) {
                json_decref(ip);
                return r;
            }
            json_object_set(ip, "subnet_id", json_object_get(sub, "id"));
            json_object_del(ip, "subnet");
            json_decref(sub);
        }
        rename_key(ip, "ip-address", "ip_address");
        json_array_append_new(list, ip);
    }
    return 0;
}

/* The ID of security group 'name_or_id', appended to 'list'. */
static int
add_security_group(struct cli_ctx *ctx, const char *name_or_id, json_t *list)
{
    json_t *group;
    int r = cli_find(ctx, &cli_security_group_resource, name_or_id, &group);

    if (!r) {
        json_array_append(list, json_object_get(group, "id"));
        json_decref(group);
    }
    return r;
}

/* --security-group NAME|ID: the groups' IDs, appended to 'list'. */
static int
add_security_groups(struct cli_ctx *ctx, const struct cli_args *args,
                    json_t *list)
{
    const char *const *values;
    size_t n = cli_args_values(args, "--security-group", &values);
    int r = 0;

    for (size_t i = 0; !r && i < n; i++) {
        r = add_security_group(ctx, values[i], list);
    }
    return r;
}

/* --security-group on unset: each group found and removed from 'list', or
 * "Port does not contain security group NAME" as port.py says it. */
static int
remove_security_groups(struct cli_ctx *ctx, const struct cli_args *args,
                       json_t *list)
{
    const char *const *values;
    size_t n = cli_args_values(args, "--security-group", &values);
    int r = 0;

    for (size_t i = 0; !r && i < n; i++) {
        json_t *one = json_array();

        r = add_security_group(ctx, values[i], one);
        if (!r && cli_remove_items(ctx, list, one, "Port", "") < 0) {
            r = cli_fail(ctx, "Port does not contain security group %s",
                         values[i]);
        }
        json_decref(one);
    }
    return r;
}

/* --allowed-address ip-address=IP[,mac-address=MAC], appended to
 * 'list'. */
static int
add_address_pairs(struct cli_ctx *ctx, const struct cli_args *args,
                  json_t *list)
{
    const char *const *values;
    size_t n = cli_args_values(args, "--allowed-address", &values);

    for (size_t i = 0; i < n; i++) {
        json_t *pair = cli_parse_kv(ctx, "--allowed-address", values[i],
                                    address_keys, address_optional);

        if (!pair) {
            return -EINVAL;
        }
        rename_key(pair, "ip-address", "ip_address");
        rename_key(pair, "mac-address", "mac_address");
        json_array_append_new(list, pair);
    }
    return 0;
}

/* --extra-dhcp-option name=N[,value=V,ip-version=4|6] into 'attrs'. */
static int
add_dhcp_options(struct cli_ctx *ctx, const struct cli_args *args,
                 json_t *attrs)
{
    const char *const *values;
    size_t n = cli_args_values(args, "--extra-dhcp-option", &values);
    json_t *list = json_array();

    for (size_t i = 0; i < n; i++) {
        json_t *opt = cli_parse_kv(ctx, "--extra-dhcp-option", values[i],
                                   dhcp_keys, dhcp_optional);

        if (!opt) {
            json_decref(list);
            return -EINVAL;
        }
        rename_key(opt, "name", "opt_name");
        rename_key(opt, "value", "opt_value");
        rename_key(opt, "ip-version", "ip_version");
        json_array_append_new(list, opt);
    }
    if (n) {
        json_object_set(attrs, "extra_dhcp_opts", list);
    }
    json_decref(list);
    return 0;
}

/* --binding-profile JSON-object or key=value, merged into 'profile'. */
static int
add_binding_profile(struct cli_ctx *ctx, const struct cli_args *args,
                    json_t *profile)
{
    const char *const *values;
    size_t n = cli_args_values(args, "--binding-profile", &values);

    for (size_t i = 0; i < n; i++) {
        json_t *v = json_loads(values[i], JSON_DECODE_ANY, NULL);
        const char *eq = strchr(values[i], '=');

        if (json_is_object(v)) {
            json_object_update(profile, v);
        } else if (eq) {
            char *key = xstrndup(values[i], (size_t) (eq - values[i]));

            json_object_set_new(profile, key, json_string(eq + 1));
            free(key);
        } else {
            json_decref(v);
            return cli_fail(ctx, "Expected '<key>=<value>' or JSON data for "
                                 "option --binding-profile, but encountered "
                                 "JSON parsing error");
        }
        json_decref(v);
    }
    return 0;
}

/* The list attribute 'key' of 'attrs': a copy of 'obj''s (or empty) unless
 * 'clear' already set it. */
static json_t *
list_attr(json_t *attrs, const json_t *obj, const char *key)
{
    json_t *list = json_object_get(attrs, key);

    if (!list) {
        const json_t *old = obj ? json_object_get(obj, key) : NULL;

        list = json_is_array(old) ? json_deep_copy(old) : json_array();
        json_object_set_new(attrs, key, list);
    }
    return list;
}

/* The options create and set share beyond _get_attrs(); 'obj' is the port
 * being set (NULL on create), whose lists the new values extend. */
static int
apply_lists(struct cli_ctx *ctx, const struct cli_args *args, json_t *attrs,
            const json_t *obj)
{
    json_t *profile;
    int r;

    if (cli_args_flag(args, "--no-fixed-ip")) {
        json_object_set_new(attrs, "fixed_ips", json_array());
    }
    if (cli_args_flag(args, "--fixed-ip")) {
        r = add_fixed_ips(ctx, args, list_attr(attrs, obj, "fixed_ips"));
        if (r < 0) {
            return r;
        }
    }
    if (cli_args_flag(args, "--security-group")) {
        r = add_security_groups(ctx, args,
                                list_attr(attrs, obj, "security_groups"));
        if (r < 0) {
            return r;
        }
    }
    if (cli_args_flag(args, "--no-allowed-address")) {
        json_object_set_new(attrs, "allowed_address_pairs", json_array());
    }
    if (cli_args_flag(args, "--allowed-address")) {
        r = add_address_pairs(ctx, args,
                              list_attr(attrs, obj, "allowed_address_pairs"));
        if (r < 0) {
            return r;
        }
    }
    if (cli_args_flag(args, "--no-binding-profile")) {
        json_object_set_new(attrs, "binding:profile", json_object());
    }
    if (cli_args_flag(args, "--binding-profile")) {
        profile = json_object_get(attrs, "binding:profile");
        if (!profile) {
            json_t *old = obj ? json_object_get(obj, "binding:profile") : NULL;

            profile =
                json_is_object(old) ? json_deep_copy(old) : json_object();
            json_object_set_new(attrs, "binding:profile", profile);
        }
        r = add_binding_profile(ctx, args, profile);
        if (r < 0) {
            return r;
        }
    }
    return add_dhcp_options(ctx, args, attrs);
}

#define UPDATABLE_OPTS                                                        \
    {"--description", NULL, CLI_OPT_VALUE, 0},                                \
        {"--device", NULL, CLI_OPT_VALUE, 0},                                 \
        {"--mac-address", NULL, CLI_OPT_VALUE, 0},                            \
        {"--device-owner", NULL, CLI_OPT_VALUE, 0},                           \
        {"--vnic-type", NULL, CLI_OPT_VALUE, 0},                              \
        {"--host", NULL, CLI_OPT_VALUE, 0},                                   \
        {"--dns-domain", NULL, CLI_OPT_VALUE, 0},                             \
        {"--dns-name", NULL, CLI_OPT_VALUE, 0},                               \
        {"--numa-policy-required", NULL, CLI_OPT_FLAG, 10},                   \
        {"--numa-policy-preferred", NULL, CLI_OPT_FLAG, 10},                  \
        {"--numa-policy-legacy", NULL, CLI_OPT_FLAG, 10},                     \
        {"--binding-profile", NULL, CLI_OPT_APPEND, 0},                       \
        {"--enable", NULL, CLI_OPT_FLAG, 11},                                 \
        {"--disable", NULL, CLI_OPT_FLAG, 11},                                \
        {"--extra-dhcp-option", NULL, CLI_OPT_APPEND, 0},                     \
        {"--enable-port-security", NULL, CLI_OPT_FLAG, 12},                   \
        {"--disable-port-security", NULL, CLI_OPT_FLAG, 12},                  \
    {                                                                         \
        "--allowed-address", NULL, CLI_OPT_APPEND, 0                          \
    }

static const struct cli_opt create_opts[] = {
    {"--network", NULL, CLI_OPT_VALUE, 0},
    UPDATABLE_OPTS,
    {"--fixed-ip", NULL, CLI_OPT_APPEND, 1},
    {"--no-fixed-ip", NULL, CLI_OPT_FLAG, 1},
    {"--enable-uplink-status-propagation", NULL, CLI_OPT_FLAG, 2},
    {"--disable-uplink-status-propagation", NULL, CLI_OPT_FLAG, 2},
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
    {"--security-group", NULL, CLI_OPT_APPEND, 4},
    {"--no-security-group", NULL, CLI_OPT_FLAG, 4},
    {"--device-profile", NULL, CLI_OPT_VALUE, 0},
    {"--tag", NULL, CLI_OPT_APPEND, 3},
    {"--no-tag", NULL, CLI_OPT_FLAG, 3},
};

static int
port_create(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *attrs = json_object();
    json_t *net = NULL;
    int r = cli_find(ctx, &cli_network_resource,
                     cli_args_value(args, "--network"), &net);

    if (!r) {
        json_object_set_new(attrs, "name", json_string(args->pos[0]));
        json_object_set(attrs, "network_id", json_object_get(net, "id"));
        /* --enable is the default: create always sends admin_state_up. */
        json_object_set_new(attrs, "admin_state_up", json_true());
        apply_common(attrs, args);
        r = apply_lists(ctx, args, attrs, NULL);
    }
    if (!r) {
        r = cli_create_print(ctx, &cli_port_resource, attrs, args);
    }
    json_decref(net);
    json_decref(attrs);
    return r;
}

static const struct cli_opt list_opts[] = {
    {"--device-owner", NULL, CLI_OPT_VALUE, 0},
    {"--host", NULL, CLI_OPT_VALUE, 0},
    {"--network", NULL, CLI_OPT_VALUE, 0},
    {"--device-id", NULL, CLI_OPT_VALUE, 0},
    {"--mac-address", NULL, CLI_OPT_VALUE, 0},
    {"--long", NULL, CLI_OPT_FLAG, 0},
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
    {"--name", NULL, CLI_OPT_VALUE, 0},
    {"--security-group", NULL, CLI_OPT_APPEND, 0},
    {"--fixed-ip", NULL, CLI_OPT_APPEND, 0},
    CLI_TAG_FILTER_OPTS,
};

static const char *const list_filters[][2] = {
    {"--device-owner", "device_owner"}, {"--device-id", "device_id"},
    {"--host", "binding:host_id"},      {"--mac-address", "mac_address"},
    {"--project", "project_id"},        {"--name", "name"},
};

/* --fixed-ip filters: "subnet_id=ID", "ip_address=IP",
 * "ip_address_substr=S" values of the fixed_ips parameter. */
static int
add_fixed_ip_filters(struct cli_ctx *ctx, const struct cli_args *args,
                     struct ds *query)
{
    static const char *const keys[] = {"subnet", "ip-address", "ip-substring",
                                       NULL};
    const char *const *values;
    size_t n = cli_args_values(args, "--fixed-ip", &values);

    for (size_t i = 0; i < n; i++) {
        json_t *ip = cli_parse_kv(ctx, "--fixed-ip", values[i], NULL, keys);
        const char *v;
        char *f;

        if (!ip) {
            return -EINVAL;
        }
        if ((v = json_string_value(json_object_get(ip, "subnet"))) && *v) {
            json_t *sub;
            int r = cli_find(ctx, &cli_subnet_resource, v, &sub);

            if (r < 0) {
                json_decref(ip);
                return r;
            }
            f = xasprintf("subnet_id=%s",
                          json_string_value(json_object_get(sub, "id")));
            cli_query_add(query, "fixed_ips", f);
            free(f);
            json_decref(sub);
        }
        if ((v = json_string_value(json_object_get(ip, "ip-address")))) {
            f = xasprintf("ip_address=%s", v);
            cli_query_add(query, "fixed_ips", f);
            free(f);
        }
        if ((v = json_string_value(json_object_get(ip, "ip-substring")))) {
            f = xasprintf("ip_address_substr=%s", v);
            cli_query_add(query, "fixed_ips", f);
            free(f);
        }
        json_decref(ip);
    }
    return 0;
}

/* Prints the first 'n' list columns of 'items'.  With -c, port.py (by
 * osc-lib's calculate_header_and_attrs()) prints the columns in the order
 * asked, accepting attribute names for headers; another attribute of a
 * port was not among the fields asked for, so None, and a name that is no
 * attribute at all is blank. */
static int
print_ports(struct cli_ctx *ctx, const json_t *items, size_t n)
{
    const char *const *asked = ctx->fmt.columns;
    size_t n_asked = ctx->fmt.n_columns;
    struct cli_column *cols;
    const char **names;
    int r;

    if (!n_asked) {
        return cli_print_list(ctx, list_columns, n, items);
    }
    cols = xcalloc(n_asked, sizeof *cols);
    names = xcalloc(n_asked, sizeof *names);
    for (size_t k = 0; k < n_asked; k++) {
        cols[k] = (struct cli_column){asked[k], "", CLI_FMT_BLANK};
        for (size_t i = 0; i < ARRAY_SIZE(show_columns); i++) {
            if (streq(asked[k], show_columns[i].name)) {
                cols[k].fmt = CLI_FMT_RAW;
            }
        }
        for (size_t i = 0; i < n; i++) {
            if (streq(asked[k], list_columns[i].name)
                || streq(asked[k], list_fields[i])) {
                cols[k] = list_columns[i];
            }
        }
        names[k] = cols[k].name;
    }
    ctx->fmt.columns = names;
    r = cli_print_list(ctx, cols, n_asked, items);
    ctx->fmt.columns = asked;
    free(names);
    free(cols);
    return r;
}

static int
port_list(struct cli_ctx *ctx, const struct cli_args *args)
{
    struct ds query = DS_EMPTY_INITIALIZER;
    const char *network = cli_args_value(args, "--network");
    const char *const *groups;
    size_t n_groups = cli_args_values(args, "--security-group", &groups);
    json_t *items;
    int r = 0;

    for (size_t i = 0; i < ARRAY_SIZE(list_filters); i++) {
        const char *v = cli_args_value(args, list_filters[i][0]);

        if (v) {
            cli_query_add(&query, list_filters[i][1], v);
        }
    }
    if (network) {
        json_t *net;

        r = cli_find(ctx, &cli_network_resource, network, &net);
        if (!r) {
            cli_query_add(&query, "network_id",
                          json_string_value(json_object_get(net, "id")));
            json_decref(net);
        }
    }
    if (!r) {
        r = add_fixed_ip_filters(ctx, args, &query);
    }
    for (size_t i = 0; i < n_groups; i++) {
        cli_query_add(&query, "security_groups", groups[i]);
    }
    cli_tag_filters(&query, args);
    /* port.py asks for its columns by openstacksdk's attribute names; the
     * API knows "security_groups", not "security_group_ids", so that
     * column comes back empty (None) with the openstack CLI too. */
    for (size_t i = 0; i < ARRAY_SIZE(list_fields); i++) {
        if (i < N_SHORT_COLUMNS || cli_args_flag(args, "--long")) {
            cli_query_add(&query, "fields", list_fields[i]);
        }
    }
    if (!r) {
        r = cli_list(ctx, &cli_port_resource, ds_cstr(&query), &items);
    }
    ds_destroy(&query);
    if (r < 0) {
        return r;
    }
    r = print_ports(ctx, items,
                    cli_args_flag(args, "--long") ? ARRAY_SIZE(list_columns)
                                                  : N_SHORT_COLUMNS);
    json_decref(items);
    return r;
}

static int
port_show(struct cli_ctx *ctx, const struct cli_args *args)
{
    return cli_show(ctx, &cli_port_resource, args->pos[0]);
}

static const struct cli_opt set_opts[] = {
    UPDATABLE_OPTS,
    {"--name", NULL, CLI_OPT_VALUE, 0},
    {"--fixed-ip", NULL, CLI_OPT_APPEND, 0},
    {"--no-fixed-ip", NULL, CLI_OPT_FLAG, 0},
    {"--no-binding-profile", NULL, CLI_OPT_FLAG, 0},
    {"--no-qos-policy", NULL, CLI_OPT_FLAG, 0},
    {"--security-group", NULL, CLI_OPT_APPEND, 0},
    {"--no-security-group", NULL, CLI_OPT_FLAG, 0},
    {"--no-allowed-address", NULL, CLI_OPT_FLAG, 0},
    {"--data-plane-status", NULL, CLI_OPT_VALUE, 0},
    CLI_TAG_SET_OPTS,
};

static int
port_set(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *obj, *attrs = json_object();
    int r = cli_find(ctx, &cli_port_resource, args->pos[0], &obj);

    if (r < 0) {
        json_decref(attrs);
        return r;
    }
    apply_common(attrs, args);
    r = apply_lists(ctx, args, attrs, obj);
    if (!r) {
        r = cli_apply(ctx, &cli_port_resource, obj, TAKE_PTR(attrs), args,
                      false);
    }
    json_decref(attrs);
    json_decref(obj);
    return r;
}

static const struct cli_opt unset_opts[] = {
    {"--fixed-ip", NULL, CLI_OPT_APPEND, 0},
    {"--binding-profile", NULL, CLI_OPT_APPEND, 0},
    {"--security-group", NULL, CLI_OPT_APPEND, 0},
    {"--allowed-address", NULL, CLI_OPT_APPEND, 0},
    {"--qos-policy", NULL, CLI_OPT_FLAG, 0},
    {"--data-plane-status", NULL, CLI_OPT_FLAG, 0},
    {"--numa-policy", NULL, CLI_OPT_FLAG, 0},
    {"--host", NULL, CLI_OPT_FLAG, 0},
    CLI_TAG_UNSET_OPTS,
};

static const struct cli_attr unset_attrs[] = {
    {"--qos-policy", "qos_policy_id", CLI_ATTR_NULL},
    {"--data-plane-status", "data_plane_status", CLI_ATTR_NULL},
    {"--numa-policy", "numa_affinity_policy", CLI_ATTR_NULL},
    {"--host", "binding:host_id", CLI_ATTR_NULL},
};

/* --fixed-ip and --allowed-address: the port's list without the given
 * items. */
static int
unset_list(struct cli_ctx *ctx, const struct cli_args *args, json_t *attrs,
           const json_t *obj, const char *opt)
{
    bool fixed = streq(opt, "--fixed-ip");
    const char *key = fixed ? "fixed_ips" : "allowed_address_pairs";
    json_t *remove = json_array();
    int r = fixed ? add_fixed_ips(ctx, args, remove)
                  : add_address_pairs(ctx, args, remove);

    if (!r) {
        r = cli_remove_items(ctx, list_attr(attrs, obj, key), remove, "Port",
                             fixed ? "fixed-ip" : "allowed-address-pair");
    }
    json_decref(remove);
    return r;
}

static int
unset_profile(struct cli_ctx *ctx, const struct cli_args *args, json_t *attrs,
              const json_t *obj)
{
    const char *const *keys;
    size_t n = cli_args_values(args, "--binding-profile", &keys);
    const json_t *old = json_object_get(obj, "binding:profile");
    json_t *profile =
        json_is_object(old) ? json_deep_copy(old) : json_object();

    json_object_set_new(attrs, "binding:profile", profile);
    for (size_t i = 0; i < n; i++) {
        if (json_object_del(profile, keys[i]) < 0) {
            return cli_fail(ctx, "Port does not contain binding-profile %s",
                            keys[i]);
        }
    }
    return 0;
}

static int
port_unset(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *obj, *attrs = json_object();
    int r = cli_find(ctx, &cli_port_resource, args->pos[0], &obj);

    if (r < 0) {
        json_decref(attrs);
        return r;
    }
    if (cli_args_flag(args, "--fixed-ip")) {
        r = unset_list(ctx, args, attrs, obj, "--fixed-ip");
    }
    if (!r && cli_args_flag(args, "--binding-profile")) {
        r = unset_profile(ctx, args, attrs, obj);
    }
    if (!r && cli_args_flag(args, "--security-group")) {
        r = remove_security_groups(ctx, args,
                                   list_attr(attrs, obj, "security_groups"));
    }
    if (!r && cli_args_flag(args, "--allowed-address")) {
        r = unset_list(ctx, args, attrs, obj, "--allowed-address");
    }
    cli_attrs_apply(attrs, args, unset_attrs, ARRAY_SIZE(unset_attrs));
    if (!r) {
        r = cli_apply(ctx, &cli_port_resource, obj, TAKE_PTR(attrs), args,
                      true);
    }
    json_decref(attrs);
    json_decref(obj);
    return r;
}

static int
port_delete(struct cli_ctx *ctx, const struct cli_args *args)
{
    return cli_delete_all(ctx, &cli_port_resource, "port", args, false);
}

const struct cli_command cli_port_commands[] = {
    {"port", "create", CLI_KIND_ONE, create_opts, ARRAY_SIZE(create_opts),
     "<name>", 1, 1, "--network", port_create},
    {"port", "list", CLI_KIND_LIST, list_opts, ARRAY_SIZE(list_opts), NULL, 0,
     0, NULL, port_list},
    {"port", "show", CLI_KIND_ONE, NULL, 0, "<port>", 1, 1, NULL, port_show},
    {"port", "set", CLI_KIND_QUIET, set_opts, ARRAY_SIZE(set_opts), "<port>",
     1, 1, NULL, port_set},
    {"port", "unset", CLI_KIND_QUIET, unset_opts, ARRAY_SIZE(unset_opts),
     "<port>", 1, 1, NULL, port_unset},
    {"port", "delete", CLI_KIND_QUIET, NULL, 0, "<port>", 1, SIZE_MAX, NULL,
     port_delete},
};
const size_t cli_port_n_commands = ARRAY_SIZE(cli_port_commands);
