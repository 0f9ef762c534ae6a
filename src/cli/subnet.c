/* "neutrino subnet create|list|show|set|unset|delete", as
 * openstackclient/network/v2/subnet.py. */
#include "cli/commands.h"

#include <errno.h>

static const struct cli_column show_columns[] = {
    {"allocation_pools", "allocation_pools", CLI_FMT_POOLS},
    {"cidr", "cidr", CLI_FMT_RAW},
    {"created_at", "created_at", CLI_FMT_RAW},
    {"description", "description", CLI_FMT_RAW},
    {"dns_nameservers", "dns_nameservers", CLI_FMT_LIST},
    {"dns_publish_fixed_ip", "dns_publish_fixed_ip", CLI_FMT_RAW},
    {"enable_dhcp", "enable_dhcp", CLI_FMT_RAW},
    {"gateway_ip", "gateway_ip", CLI_FMT_RAW},
    {"host_routes", "host_routes", CLI_FMT_ROUTES},
    {"id", "id", CLI_FMT_RAW},
    {"ip_version", "ip_version", CLI_FMT_RAW},
    {"ipv6_address_mode", "ipv6_address_mode", CLI_FMT_RAW},
    {"ipv6_ra_mode", "ipv6_ra_mode", CLI_FMT_RAW},
    {"name", "name", CLI_FMT_RAW},
    {"network_id", "network_id", CLI_FMT_RAW},
    {"project_id", "project_id", CLI_FMT_RAW},
    {"revision_number", "revision_number", CLI_FMT_RAW},
    {"segment_id", "segment_id", CLI_FMT_RAW},
    {"service_types", "service_types", CLI_FMT_LIST},
    {"subnetpool_id", "subnetpool_id", CLI_FMT_RAW},
    {"tags", "tags", CLI_FMT_LIST},
    {"updated_at", "updated_at", CLI_FMT_RAW},
};

const struct cli_resource cli_subnet_resource = {
    "subnet", "subnets", "Subnet", show_columns, ARRAY_SIZE(show_columns),
};

static const struct cli_column list_columns[] = {
    {"ID", "id", CLI_FMT_RAW},
    {"Name", "name", CLI_FMT_RAW},
    {"Network", "network_id", CLI_FMT_RAW},
    {"Subnet", "cidr", CLI_FMT_RAW},
    {"Project", "project_id", CLI_FMT_RAW},
    {"DHCP", "enable_dhcp", CLI_FMT_RAW},
    {"Name Servers", "dns_nameservers", CLI_FMT_LIST},
    {"Allocation Pools", "allocation_pools", CLI_FMT_POOLS},
    {"Host Routes", "host_routes", CLI_FMT_ROUTES},
    {"IP Version", "ip_version", CLI_FMT_RAW},
    {"Gateway", "gateway_ip", CLI_FMT_RAW},
    {"Service Types", "service_types", CLI_FMT_LIST},
    {"Tags", "tags", CLI_FMT_LIST},
};

/* The first four columns without --long. */
#define N_SHORT_COLUMNS 4

static const struct cli_attr common_attrs[] = {
    {"--name", "name", CLI_ATTR_STRING},
    {"--dhcp", "enable_dhcp", CLI_ATTR_TRUE},
    {"--no-dhcp", "enable_dhcp", CLI_ATTR_FALSE},
    {"--dns-publish-fixed-ip", "dns_publish_fixed_ip", CLI_ATTR_TRUE},
    {"--no-dns-publish-fixed-ip", "dns_publish_fixed_ip", CLI_ATTR_FALSE},
    {"--description", "description", CLI_ATTR_STRING},
    {"--project", "project_id", CLI_ATTR_STRING},
    {"--use-default-subnet-pool", "use_default_subnetpool", CLI_ATTR_TRUE},
    {"--prefix-length", "prefixlen", CLI_ATTR_INT},
    {"--subnet-range", "cidr", CLI_ATTR_STRING},
    {"--ipv6-ra-mode", "ipv6_ra_mode", CLI_ATTR_STRING},
    {"--ipv6-address-mode", "ipv6_address_mode", CLI_ATTR_STRING},
};

static const char *const pool_keys[] = {"start", "end", NULL};
static const char *const route_keys[] = {"destination", "gateway", NULL};

/* The values of a key=value option as a list of objects; host routes'
 * "gateway" becomes the API's "nexthop". */
static int
kv_list(struct cli_ctx *ctx, const struct cli_args *args, const char *opt,
        const char *const *keys, json_t **ret)
{
    const char *const *values;
    size_t n = cli_args_values(args, opt, &values);
    json_t *list = json_array();

    for (size_t i = 0; i < n; i++) {
        json_t *kv = cli_parse_kv(ctx, opt, values[i], keys, NULL);

        if (!kv) {
            json_decref(list);
            return -EINVAL;
        }
        if (keys == route_keys) {
            json_object_set(kv, "nexthop", json_object_get(kv, "gateway"));
            json_object_del(kv, "gateway");
        }
        json_array_append_new(list, kv);
    }
    *ret = list;
    return 0;
}

/* --allocation-pool, --host-route, --dns-nameserver, --service-type into
 * 'attrs', each followed by what 'old' (NULL on create) had unless
 * 'no_opt' clears it, as SetSubnet does. */
static int
add_lists(struct cli_ctx *ctx, const struct cli_args *args, json_t *attrs,
          const json_t *old)
{
    static const struct {
        const char *opt, *key, *no_opt;
        const char *const *keys;
    } lists[] = {
        {"--allocation-pool", "allocation_pools", "--no-allocation-pool",
         pool_keys},
        {"--host-route", "host_routes", "--no-host-route", route_keys},
        {"--dns-nameserver", "dns_nameservers", "--no-dns-nameservers", NULL},
        {"--service-type", "service_types", NULL, NULL},
    };

    for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
        const char *const *values;
        size_t n = cli_args_values(args, lists[i].opt, &values);
        bool given = n > 0;
        bool clear = lists[i].no_opt && cli_args_flag(args, lists[i].no_opt);
        json_t *list;

        if (lists[i].keys) {
            if (kv_list(ctx, args, lists[i].opt, lists[i].keys, &list) < 0) {
                return -EINVAL;
            }
        } else {
            list = json_array();
            for (size_t k = 0; k < n; k++) {
                json_array_append_new(list, json_string(values[k]));
            }
        }
        if (given && old && !clear) {
            json_array_extend(list, json_object_get(old, lists[i].key));
        }
        if (given || clear) {
            json_object_set_new(attrs, lists[i].key, list);
        } else {
            json_decref(list);
        }
    }
    return 0;
}

/* --gateway: "auto" leaves it to the server (create only), "none" is
 * null, anything else the address (lower-cased, as subnet.py does). */
static int
add_gateway(struct cli_ctx *ctx, const struct cli_args *args, json_t *attrs,
            bool create)
{
    const char *gw = cli_args_value(args, "--gateway");
    char *lower;

    if (!gw) {
        return 0;
    }
    lower = xstrdup(gw);
    for (char *p = lower; *p; p++) {
        *p = (char) (*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    }
    if (streq(lower, "auto")) {
        free(lower);
        return create ? 0
                      : cli_fail(ctx, "Auto option is not available for "
                                      "Subnet Set. Valid options are "
                                      "<ip-address> or none");
    }
    json_object_set_new(attrs, "gateway_ip",
                        streq(lower, "none") ? json_null()
                                             : json_string(lower));
    free(lower);
    return 0;
}

#define LIST_OPTS                                                             \
    {"--allocation-pool", NULL, CLI_OPT_APPEND, 0},                           \
        {"--dns-nameserver", NULL, CLI_OPT_APPEND, 0},                        \
        {"--host-route", NULL, CLI_OPT_APPEND, 0},                            \
    {                                                                         \
        "--service-type", NULL, CLI_OPT_APPEND, 0                             \
    }

static const struct cli_opt create_opts[] = {
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
    {"--use-default-subnet-pool", NULL, CLI_OPT_FLAG, 0},
    {"--prefix-length", NULL, CLI_OPT_VALUE, 0},
    {"--subnet-range", NULL, CLI_OPT_VALUE, 0},
    {"--dhcp", NULL, CLI_OPT_FLAG, 1},
    {"--no-dhcp", NULL, CLI_OPT_FLAG, 1},
    {"--dns-publish-fixed-ip", NULL, CLI_OPT_FLAG, 2},
    {"--no-dns-publish-fixed-ip", NULL, CLI_OPT_FLAG, 2},
    {"--gateway", NULL, CLI_OPT_VALUE, 0},
    {"--ip-version", NULL, CLI_OPT_VALUE, 0},
    {"--ipv6-ra-mode", NULL, CLI_OPT_VALUE, 0},
    {"--ipv6-address-mode", NULL, CLI_OPT_VALUE, 0},
    {"--network", NULL, CLI_OPT_VALUE, 0},
    {"--description", NULL, CLI_OPT_VALUE, 0},
    LIST_OPTS,
    {"--tag", NULL, CLI_OPT_APPEND, 3},
    {"--no-tag", NULL, CLI_OPT_FLAG, 3},
};

static int
subnet_create(struct cli_ctx *ctx, const struct cli_args *args)
{
    const char *ip_version = cli_args_value(args, "--ip-version");
    json_t *attrs = json_object();
    json_t *net = NULL;
    int r;

    if (ip_version && !streq(ip_version, "4") && !streq(ip_version, "6")) {
        json_decref(attrs);
        return cli_fail(ctx,
                        "argument --ip-version: invalid choice: %s "
                        "(choose from 4, 6)",
                        ip_version);
    }
    r = cli_find(ctx, &cli_network_resource, cli_args_value(args, "--network"),
                 &net);
    if (!r) {
        json_object_set_new(attrs, "name", json_string(args->pos[0]));
        json_object_set(attrs, "network_id", json_object_get(net, "id"));
        json_object_set_new(attrs, "ip_version",
                            json_integer(ip_version ? atoi(ip_version) : 4));
        cli_attrs_apply(attrs, args, common_attrs, ARRAY_SIZE(common_attrs));
        r = add_gateway(ctx, args, attrs, true);
    }
    if (!r) {
        r = add_lists(ctx, args, attrs, NULL);
    }
    if (!r) {
        r = cli_create_print(ctx, &cli_subnet_resource, attrs, args);
    }
    json_decref(net);
    json_decref(attrs);
    return r;
}

static const struct cli_opt list_opts[] = {
    {"--long", NULL, CLI_OPT_FLAG, 0},
    {"--ip-version", NULL, CLI_OPT_VALUE, 0},
    {"--dhcp", NULL, CLI_OPT_FLAG, 1},
    {"--no-dhcp", NULL, CLI_OPT_FLAG, 1},
    {"--service-type", NULL, CLI_OPT_APPEND, 0},
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
    {"--network", NULL, CLI_OPT_VALUE, 0},
    {"--gateway", NULL, CLI_OPT_VALUE, 0},
    {"--name", NULL, CLI_OPT_VALUE, 0},
    {"--subnet-range", NULL, CLI_OPT_VALUE, 0},
    CLI_TAG_FILTER_OPTS,
};

static const char *const list_filters[][3] = {
    {"--ip-version", "ip_version", NULL},  {"--dhcp", "enable_dhcp", "True"},
    {"--no-dhcp", "enable_dhcp", "False"}, {"--project", "project_id", NULL},
    {"--gateway", "gateway_ip", NULL},     {"--name", "name", NULL},
    {"--subnet-range", "cidr", NULL},
};

static int
subnet_list(struct cli_ctx *ctx, const struct cli_args *args)
{
    struct ds query = DS_EMPTY_INITIALIZER;
    const char *network = cli_args_value(args, "--network");
    const char *const *types;
    size_t n_types = cli_args_values(args, "--service-type", &types);
    json_t *items;
    int r = 0;

    for (size_t i = 0; i < ARRAY_SIZE(list_filters); i++) {
        const char *v = cli_args_value(args, list_filters[i][0]);

        if (v) {
            cli_query_add(&query, list_filters[i][1],
                          list_filters[i][2] ? list_filters[i][2] : v);
        }
    }
    for (size_t i = 0; i < n_types; i++) {
        cli_query_add(&query, "service_types", types[i]);
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
    cli_tag_filters(&query, args);
    if (!r) {
        r = cli_list(ctx, &cli_subnet_resource, ds_cstr(&query), &items);
    }
    ds_destroy(&query);
    if (r < 0) {
        return r;
    }
    r = cli_print_list(ctx, list_columns,
                       cli_args_flag(args, "--long") ? ARRAY_SIZE(list_columns)
                                                     : N_SHORT_COLUMNS,
                       items);
    json_decref(items);
    return r;
}

static int
subnet_show(struct cli_ctx *ctx, const struct cli_args *args)
{
    return cli_show(ctx, &cli_subnet_resource, args->pos[0]);
}

static const struct cli_opt set_opts[] = {
    {"--name", NULL, CLI_OPT_VALUE, 0},
    {"--dhcp", NULL, CLI_OPT_FLAG, 1},
    {"--no-dhcp", NULL, CLI_OPT_FLAG, 1},
    {"--dns-publish-fixed-ip", NULL, CLI_OPT_FLAG, 2},
    {"--no-dns-publish-fixed-ip", NULL, CLI_OPT_FLAG, 2},
    {"--gateway", NULL, CLI_OPT_VALUE, 0},
    {"--description", NULL, CLI_OPT_VALUE, 0},
    CLI_TAG_SET_OPTS,
    LIST_OPTS,
    {"--no-allocation-pool", NULL, CLI_OPT_FLAG, 0},
    {"--no-dns-nameservers", NULL, CLI_OPT_FLAG, 0},
    {"--no-host-route", NULL, CLI_OPT_FLAG, 0},
};

static int
subnet_set(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *obj, *attrs = json_object();
    int r = cli_find(ctx, &cli_subnet_resource, args->pos[0], &obj);

    if (r < 0) {
        json_decref(attrs);
        return r;
    }
    cli_attrs_apply(attrs, args, common_attrs, ARRAY_SIZE(common_attrs));
    r = add_gateway(ctx, args, attrs, false);
    if (!r) {
        r = add_lists(ctx, args, attrs, obj);
    }
    if (!r) {
        r = cli_apply(ctx, &cli_subnet_resource, obj, TAKE_PTR(attrs), args,
                      false);
    }
    json_decref(attrs);
    json_decref(obj);
    return r;
}

static const struct cli_opt unset_opts[] = {
    {"--gateway", NULL, CLI_OPT_FLAG, 0},
    LIST_OPTS,
    CLI_TAG_UNSET_OPTS,
};

static int
subnet_unset(struct cli_ctx *ctx, const struct cli_args *args)
{
    static const struct {
        const char *opt, *key, *what;
    } lists[] = {
        {"--dns-nameserver", "dns_nameservers", "dns-nameserver"},
        {"--host-route", "host_routes", "host-route"},
        {"--allocation-pool", "allocation_pools", "allocation-pool"},
        {"--service-type", "service_types", "service-type"},
    };
    json_t *obj, *attrs = json_object(), *given = json_object();
    int r = cli_find(ctx, &cli_subnet_resource, args->pos[0], &obj);

    if (!r) {
        if (cli_args_flag(args, "--gateway")) {
            json_object_set_new(attrs, "gateway_ip", json_null());
        }
        r = add_lists(ctx, args, given, NULL);
    }
    for (size_t i = 0; !r && i < ARRAY_SIZE(lists); i++) {
        json_t *remove = json_object_get(given, lists[i].key);
        json_t *list;

        if (!remove) {
            continue;
        }
        list = json_deep_copy(json_object_get(obj, lists[i].key));
        list = list ? list : json_array();
        r = cli_remove_items(ctx, list, remove, "Subnet", lists[i].what);
        json_object_set_new(attrs, lists[i].key, list);
    }
    if (!r) {
        r = cli_apply(ctx, &cli_subnet_resource, obj, TAKE_PTR(attrs), args,
                      true);
    }
    json_decref(attrs);
    json_decref(given);
    json_decref(obj);
    return r;
}

static int
subnet_delete(struct cli_ctx *ctx, const struct cli_args *args)
{
    return cli_delete_all(ctx, &cli_subnet_resource, "subnet", args, false);
}

const struct cli_command cli_subnet_commands[] = {
    {"subnet", "create", CLI_KIND_ONE, create_opts, ARRAY_SIZE(create_opts),
     "<name>", 1, 1, "--network", subnet_create},
    {"subnet", "list", CLI_KIND_LIST, list_opts, ARRAY_SIZE(list_opts), NULL,
     0, 0, NULL, subnet_list},
    {"subnet", "show", CLI_KIND_ONE, NULL, 0, "<subnet>", 1, 1, NULL,
     subnet_show},
    {"subnet", "set", CLI_KIND_QUIET, set_opts, ARRAY_SIZE(set_opts),
     "<subnet>", 1, 1, NULL, subnet_set},
    {"subnet", "unset", CLI_KIND_QUIET, unset_opts, ARRAY_SIZE(unset_opts),
     "<subnet>", 1, 1, NULL, subnet_unset},
    {"subnet", "delete", CLI_KIND_QUIET, NULL, 0, "<subnet>", 1, SIZE_MAX,
     NULL, subnet_delete},
};
const size_t cli_subnet_n_commands = ARRAY_SIZE(cli_subnet_commands);
