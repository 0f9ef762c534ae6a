/* "neutrino network agent list|show|set|delete", as
 * openstackclient/network/v2/network_agent.py. */
#include "cli/commands.h"

static const struct cli_column show_columns[] = {
    {"admin_state_up", "admin_state_up", CLI_FMT_ADMIN_STATE},
    {"agent_type", "agent_type", CLI_FMT_RAW},
    {"alive", "alive", CLI_FMT_ALIVE},
    {"availability_zone", "availability_zone", CLI_FMT_RAW},
    {"binary", "binary", CLI_FMT_RAW},
    /* network_agent.py keys its DictColumn by the API's name, which the
     * SDK renames: the configuration prints as a plain dict. */
    {"configuration", "configurations", CLI_FMT_RAW},
    {"created_at", "created_at", CLI_FMT_RAW},
    {"description", "description", CLI_FMT_RAW},
    {"ha_state", "ha_state", CLI_FMT_RAW},
    {"host", "host", CLI_FMT_RAW},
    {"id", "id", CLI_FMT_RAW},
    {"last_heartbeat_at", "heartbeat_timestamp", CLI_FMT_RAW},
    {"resources_synced", "resources_synced", CLI_FMT_RAW},
    {"started_at", "started_at", CLI_FMT_RAW},
    {"topic", "topic", CLI_FMT_RAW},
};

const struct cli_resource cli_agent_resource = {
    "agent", "agents", "Agent", show_columns, ARRAY_SIZE(show_columns),
};

static const struct cli_column list_columns[] = {
    {"ID", "id", CLI_FMT_RAW},
    {"Agent Type", "agent_type", CLI_FMT_RAW},
    {"Host", "host", CLI_FMT_RAW},
    {"Availability Zone", "availability_zone", CLI_FMT_RAW},
    {"Alive", "alive", CLI_FMT_ALIVE},
    {"State", "admin_state_up", CLI_FMT_ADMIN_STATE},
    {"Binary", "binary", CLI_FMT_RAW},
};

/* --agent-type's choices and the agent_type each stands for. */
static const char *const agent_types[][2] = {
    {"bgp", "BGP dynamic routing agent"},
    {"dhcp", "DHCP agent"},
    {"open-vswitch", "Open vSwitch agent"},
    {"linux-bridge", "Linux bridge agent"},
    {"ofa", "OFA driver agent"},
    {"l3", "L3 agent"},
    {"loadbalancer", "Loadbalancer agent"},
    {"metering", "Metering agent"},
    {"metadata", "Metadata agent"},
    {"macvtap", "Macvtap agent"},
    {"nic", "NIC Switch agent"},
};

static const struct cli_opt list_opts[] = {
    {"--agent-type", NULL, CLI_OPT_VALUE, 0},
    {"--host", NULL, CLI_OPT_VALUE, 0},
    {"--long", NULL, CLI_OPT_FLAG, 0},
};

static int
agent_list(struct cli_ctx *ctx, const struct cli_args *args)
{
    struct ds query = DS_EMPTY_INITIALIZER;
    const char *type = cli_args_value(args, "--agent-type");
    const char *host = cli_args_value(args, "--host");

    if (type) {
        size_t i;

        for (i = 0; i < ARRAY_SIZE(agent_types); i++) {
            if (streq(type, agent_types[i][0])) {
                break;
            }
        }
        if (i == ARRAY_SIZE(agent_types)) {
            ds_destroy(&query);
            return cli_fail(ctx, "argument --agent-type: invalid choice: '%s'",
                            type);
        }
        cli_query_add(&query, "agent_type", agent_types[i][1]);
    }
    if (host) {
        cli_query_add(&query, "host", host);
    }
    return cli_list_print(ctx, &cli_agent_resource, &query, list_columns,
                          ARRAY_SIZE(list_columns));
}

static int
agent_show(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *obj;
    int r = cli_get(ctx, &cli_agent_resource, args->pos[0], &obj);

    if (r < 0) {
        return r;
    }
    r = cli_print_one(ctx, &cli_agent_resource, obj);
    json_decref(obj);
    return r;
}

static const struct cli_opt set_opts[] = {
    {"--description", NULL, CLI_OPT_VALUE, 0},
    {"--enable", NULL, CLI_OPT_FLAG, 1},
    {"--disable", NULL, CLI_OPT_FLAG, 1},
};

static const struct cli_attr set_attrs[] = {
    {"--description", "description", CLI_ATTR_STRING},
    {"--enable", "admin_state_up", CLI_ATTR_TRUE},
    {"--disable", "admin_state_up", CLI_ATTR_FALSE},
};

static int
agent_set(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *obj, *attrs;
    int r = cli_get(ctx, &cli_agent_resource, args->pos[0], &obj);

    if (r < 0) {
        return r;
    }
    attrs = json_object();
    cli_attrs_apply(attrs, args, set_attrs, ARRAY_SIZE(set_attrs));
    if (json_object_size(attrs)) {
        r = cli_update(ctx, &cli_agent_resource, args->pos[0], attrs);
    }
    json_decref(attrs);
    json_decref(obj);
    return r;
}

static int
agent_delete(struct cli_ctx *ctx, const struct cli_args *args)
{
    return cli_delete_all(ctx, &cli_agent_resource, "network agent", args,
                          true);
}

const struct cli_command cli_agent_commands[] = {
    {"network agent", "list", CLI_KIND_LIST, list_opts, ARRAY_SIZE(list_opts),
     NULL, 0, 0, NULL, agent_list},
    {"network agent", "show", CLI_KIND_ONE, NULL, 0, "<network-agent>", 1, 1,
     NULL, agent_show},
    {"network agent", "set", CLI_KIND_QUIET, set_opts, ARRAY_SIZE(set_opts),
     "<network-agent>", 1, 1, NULL, agent_set},
    {"network agent", "delete", CLI_KIND_QUIET, NULL, 0, "<network-agent>", 1,
     SIZE_MAX, NULL, agent_delete},
};
const size_t cli_agent_n_commands = ARRAY_SIZE(cli_agent_commands);
