/* "neutrino network create|list|show|set|unset|delete", as
 * openstackclient/network/v2/network.py. */
#include "cli/commands.h"

#include "cli/cli-resource.h"

/* openstacksdk's Network attributes under openstackclient's names. */
static const struct cli_column show_columns[] = {
    {"admin_state_up", "admin_state_up", CLI_FMT_ADMIN_STATE},
    {"availability_zone_hints", "availability_zone_hints", CLI_FMT_LIST},
    {"availability_zones", "availability_zones", CLI_FMT_LIST},
    {"created_at", "created_at", CLI_FMT_RAW},
    {"description", "description", CLI_FMT_RAW},
    {"dns_domain", "dns_domain", CLI_FMT_RAW},
    {"id", "id", CLI_FMT_RAW},
    {"ipv4_address_scope", "ipv4_address_scope", CLI_FMT_RAW},
    {"ipv6_address_scope", "ipv6_address_scope", CLI_FMT_RAW},
    {"is_default", "is_default", CLI_FMT_RAW},
    {"is_vlan_transparent", "vlan_transparent", CLI_FMT_RAW},
    {"mtu", "mtu", CLI_FMT_RAW},
    {"name", "name", CLI_FMT_RAW},
    {"port_security_enabled", "port_security_enabled", CLI_FMT_RAW},
    {"project_id", "project_id", CLI_FMT_RAW},
    {"provider:network_type", "provider:network_type", CLI_FMT_RAW},
    {"provider:physical_network", "provider:physical_network", CLI_FMT_RAW},
    {"provider:segmentation_id", "provider:segmentation_id", CLI_FMT_RAW},
    {"qos_policy_id", "qos_policy_id", CLI_FMT_RAW},
    {"revision_number", "revision_number", CLI_FMT_RAW},
    {"router:external", "router:external", CLI_FMT_EXTERNAL},
    {"segments", "segments", CLI_FMT_RAW},
    {"shared", "shared", CLI_FMT_RAW},
    {"status", "status", CLI_FMT_RAW},
    {"subnets", "subnets", CLI_FMT_LIST},
    {"tags", "tags", CLI_FMT_LIST},
    {"updated_at", "updated_at", CLI_FMT_RAW},
};

const struct cli_resource cli_network_resource = {
    "network", "networks", "Network", show_columns, ARRAY_SIZE(show_columns),
};

static const struct cli_column list_columns[] = {
    {"ID", "id", CLI_FMT_RAW},
    {"Name", "name", CLI_FMT_RAW},
    {"Subnets", "subnets", CLI_FMT_LIST},
};

static const struct cli_column long_columns[] = {
    {"ID", "id", CLI_FMT_RAW},
    {"Name", "name", CLI_FMT_RAW},
    {"Status", "status", CLI_FMT_RAW},
    {"Project", "project_id", CLI_FMT_RAW},
    {"State", "admin_state_up", CLI_FMT_ADMIN_STATE},
    {"Shared", "shared", CLI_FMT_RAW},
    {"Subnets", "subnets", CLI_FMT_LIST},
    {"Network Type", "provider:network_type", CLI_FMT_RAW},
    {"Router Type", "router:external", CLI_FMT_EXTERNAL},
    {"Availability Zones", "availability_zones", CLI_FMT_LIST},
    {"Tags", "tags", CLI_FMT_LIST},
};

/* Options shared by create and set (network.py's _get_attrs_network). */
static const struct cli_attr common_attrs[] = {
    {"--name", "name", CLI_ATTR_STRING},
    {"--enable", "admin_state_up", CLI_ATTR_TRUE},
    {"--disable", "admin_state_up", CLI_ATTR_FALSE},
    {"--share", "shared", CLI_ATTR_TRUE},
    {"--no-share", "shared", CLI_ATTR_FALSE},
    {"--enable-port-security", "port_security_enabled", CLI_ATTR_TRUE},
    {"--disable-port-security", "port_security_enabled", CLI_ATTR_FALSE},
    {"--description", "description", CLI_ATTR_STRING},
    {"--mtu", "mtu", CLI_ATTR_INT},
    {"--internal", "router:external", CLI_ATTR_FALSE},
    {"--external", "router:external", CLI_ATTR_TRUE},
    {"--no-default", "is_default", CLI_ATTR_FALSE},
    {"--default", "is_default", CLI_ATTR_TRUE},
    {"--provider-network-type", "provider:network_type", CLI_ATTR_STRING},
    {"--provider-physical-network", "provider:physical_network",
     CLI_ATTR_STRING},
    {"--provider-segment", "provider:segmentation_id", CLI_ATTR_INT},
    {"--dns-domain", "dns_domain", CLI_ATTR_STRING},
};

static const struct cli_attr create_attrs[] = {
    {"--project", "project_id", CLI_ATTR_STRING},
    {"--availability-zone-hint", "availability_zone_hints", CLI_ATTR_LIST},
    {"--transparent-vlan", "vlan_transparent", CLI_ATTR_TRUE},
    {"--no-transparent-vlan", "vlan_transparent", CLI_ATTR_FALSE},
};

#define PROVIDER_OPTS                                                         \
    {"--provider-network-type", NULL, CLI_OPT_VALUE, 0},                      \
        {"--provider-physical-network", NULL, CLI_OPT_VALUE, 0},              \
        {"--provider-segment", NULL, CLI_OPT_VALUE, 0},                       \
    {                                                                         \
        "--dns-domain", NULL, CLI_OPT_VALUE, 0                                \
    }

static const struct cli_opt create_opts[] = {
    {"--share", NULL, CLI_OPT_FLAG, 1},
    {"--no-share", NULL, CLI_OPT_FLAG, 1},
    {"--enable", NULL, CLI_OPT_FLAG, 2},
    {"--disable", NULL, CLI_OPT_FLAG, 2},
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
    {"--description", NULL, CLI_OPT_VALUE, 0},
    {"--mtu", NULL, CLI_OPT_VALUE, 0},
    {"--availability-zone-hint", NULL, CLI_OPT_APPEND, 0},
    {"--enable-port-security", NULL, CLI_OPT_FLAG, 3},
    {"--disable-port-security", NULL, CLI_OPT_FLAG, 3},
    {"--external", NULL, CLI_OPT_FLAG, 4},
    {"--internal", NULL, CLI_OPT_FLAG, 4},
    {"--default", NULL, CLI_OPT_FLAG, 5},
    {"--no-default", NULL, CLI_OPT_FLAG, 5},
    {"--transparent-vlan", NULL, CLI_OPT_FLAG, 6},
    {"--no-transparent-vlan", NULL, CLI_OPT_FLAG, 6},
    PROVIDER_OPTS,
    {"--tag", NULL, CLI_OPT_APPEND, 7},
    {"--no-tag", NULL, CLI_OPT_FLAG, 7},
};

static int
network_create(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *attrs = json_object();
    int r;

    cli_api_wrap_errors(ctx->api, true);
    json_object_set_new(attrs, "name", json_string(args->pos[0]));
    /* --enable is the default: create always sends admin_state_up. */
    json_object_set_new(attrs, "admin_state_up",
                        json_boolean(!cli_args_flag(args, "--disable")));
    cli_attrs_apply(attrs, args, common_attrs, ARRAY_SIZE(common_attrs));
    cli_attrs_apply(attrs, args, create_attrs, ARRAY_SIZE(create_attrs));
    r = cli_create_print(ctx, &cli_network_resource, attrs, args);
    json_decref(attrs);
    return r;
}

static const struct cli_opt list_opts[] = {
    {"--external", NULL, CLI_OPT_FLAG, 1},
    {"--internal", NULL, CLI_OPT_FLAG, 1},
    {"--long", NULL, CLI_OPT_FLAG, 0},
    {"--name", NULL, CLI_OPT_VALUE, 0},
    {"--enable", NULL, CLI_OPT_FLAG, 2},
    {"--disable", NULL, CLI_OPT_FLAG, 2},
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
    {"--share", NULL, CLI_OPT_FLAG, 3},
    {"--no-share", NULL, CLI_OPT_FLAG, 3},
    {"--status", NULL, CLI_OPT_VALUE, 0},
    {"--provider-network-type", NULL, CLI_OPT_VALUE, 0},
    {"--provider-physical-network", NULL, CLI_OPT_VALUE, 0},
    {"--provider-segment", NULL, CLI_OPT_VALUE, 0},
    CLI_TAG_FILTER_OPTS,
};

/* List filters: option, query parameter, fixed value (NULL: the
 * option's). */
static const char *const list_filters[][3] = {
    {"--external", "router:external", "True"},
    {"--internal", "router:external", "False"},
    {"--name", "name", NULL},
    {"--enable", "admin_state_up", "True"},
    {"--disable", "admin_state_up", "False"},
    {"--project", "project_id", NULL},
    {"--share", "shared", "True"},
    {"--no-share", "shared", "False"},
    {"--status", "status", NULL},
    {"--provider-network-type", "provider:network_type", NULL},
    {"--provider-physical-network", "provider:physical_network", NULL},
    {"--provider-segment", "provider:segmentation_id", NULL},
};

static int
network_list(struct cli_ctx *ctx, const struct cli_args *args)
{
    struct ds query = DS_EMPTY_INITIALIZER;
    bool is_long = cli_args_flag(args, "--long");

    for (size_t i = 0; i < ARRAY_SIZE(list_filters); i++) {
        const char *v = cli_args_value(args, list_filters[i][0]);

        if (v) {
            cli_query_add(&query, list_filters[i][1],
                          list_filters[i][2] ? list_filters[i][2] : v);
        }
    }
    cli_tag_filters(&query, args);
    return is_long ? cli_list_print(ctx, &cli_network_resource, &query,
                                    long_columns, ARRAY_SIZE(long_columns))
                   : cli_list_print(ctx, &cli_network_resource, &query,
                                    list_columns, ARRAY_SIZE(list_columns));
}

static int
network_show(struct cli_ctx *ctx, const struct cli_args *args)
{
    cli_api_wrap_errors(ctx->api, true);
    return cli_show(ctx, &cli_network_resource, args->pos[0]);
}

static const struct cli_opt set_opts[] = {
    {"--name", NULL, CLI_OPT_VALUE, 0},
    {"--enable", NULL, CLI_OPT_FLAG, 1},
    {"--disable", NULL, CLI_OPT_FLAG, 1},
    {"--share", NULL, CLI_OPT_FLAG, 2},
    {"--no-share", NULL, CLI_OPT_FLAG, 2},
    {"--description", NULL, CLI_OPT_VALUE, 0},
    {"--mtu", NULL, CLI_OPT_VALUE, 0},
    {"--enable-port-security", NULL, CLI_OPT_FLAG, 3},
    {"--disable-port-security", NULL, CLI_OPT_FLAG, 3},
    {"--external", NULL, CLI_OPT_FLAG, 4},
    {"--internal", NULL, CLI_OPT_FLAG, 4},
    {"--default", NULL, CLI_OPT_FLAG, 5},
    {"--no-default", NULL, CLI_OPT_FLAG, 5},
    {"--no-qos-policy", NULL, CLI_OPT_FLAG, 0},
    CLI_TAG_SET_OPTS,
    PROVIDER_OPTS,
};

static const struct cli_attr set_attrs[] = {
    {"--no-qos-policy", "qos_policy_id", CLI_ATTR_NULL},
};

static int
network_set(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *obj, *attrs;
    int r = cli_find(ctx, &cli_network_resource, args->pos[0], &obj);

    if (r < 0) {
        return r;
    }
    attrs = json_object();
    cli_attrs_apply(attrs, args, common_attrs, ARRAY_SIZE(common_attrs));
    cli_attrs_apply(attrs, args, set_attrs, ARRAY_SIZE(set_attrs));
    r = cli_apply(ctx, &cli_network_resource, obj, attrs, args, false);
    json_decref(obj);
    return r;
}

static const struct cli_opt unset_opts[] = {
    CLI_TAG_UNSET_OPTS,
};

static int
network_unset(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *obj;
    int r = cli_find(ctx, &cli_network_resource, args->pos[0], &obj);

    if (r < 0) {
        return r;
    }
    r = cli_apply(ctx, &cli_network_resource, obj, json_object(), args, true);
    json_decref(obj);
    return r;
}

static int
network_delete(struct cli_ctx *ctx, const struct cli_args *args)
{
    return cli_delete_all(ctx, &cli_network_resource, "network", args, false);
}

const struct cli_command cli_network_commands[] = {
    {"network", "create", CLI_KIND_ONE, create_opts, ARRAY_SIZE(create_opts),
     "<name>", 1, 1, NULL, network_create},
    {"network", "list", CLI_KIND_LIST, list_opts, ARRAY_SIZE(list_opts), NULL,
     0, 0, NULL, network_list},
    {"network", "show", CLI_KIND_ONE, NULL, 0, "<network>", 1, 1, NULL,
     network_show},
    {"network", "set", CLI_KIND_QUIET, set_opts, ARRAY_SIZE(set_opts),
     "<network>", 1, 1, NULL, network_set},
    {"network", "unset", CLI_KIND_QUIET, unset_opts, ARRAY_SIZE(unset_opts),
     "<network>", 1, 1, NULL, network_unset},
    {"network", "delete", CLI_KIND_QUIET, NULL, 0, "<network>", 1, SIZE_MAX,
     NULL, network_delete},
};
const size_t cli_network_n_commands = ARRAY_SIZE(cli_network_commands);
