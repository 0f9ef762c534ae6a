/* "neutrino address group create|list|show|set|unset|delete", as
 * openstackclient/network/v2/address_group.py. */
#include "cli/commands.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

/* openstacksdk's AddressGroup attributes. */
static const struct cli_column show_columns[] = {
    {"addresses", "addresses", CLI_FMT_RAW},
    {"description", "description", CLI_FMT_RAW},
    {"id", "id", CLI_FMT_RAW},
    {"name", "name", CLI_FMT_RAW},
    {"project_id", "project_id", CLI_FMT_RAW},
};

const struct cli_resource cli_address_group_resource = {
    .singular = "address_group",
    .plural = "address_groups",
    .title = "AddressGroup",
    .show = show_columns,
    .n_show = ARRAY_SIZE(show_columns),
    .path = "address-groups",
};

/* str(netaddr.IPNetwork(text)): "ADDRESS/LEN" with the address in its
 * canonical form and the whole length by default (host bits kept).
 * Returns NULL if 'text' is no address or CIDR. */
static char *
format_address(const char *text)
{
    const char *slash = strchr(text, '/');
    char *addr =
        xstrndup(text, slash ? (size_t) (slash - text) : strlen(text));
    unsigned char bin[16];
    char buf[INET6_ADDRSTRLEN];
    int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
    long max = family == AF_INET6 ? 128 : 32, len = max;
    char *end = NULL, *out = NULL;

    if (slash) {
        len = strtol(slash + 1, &end, 10);
    }
    if (inet_pton(family, addr, bin) == 1
        && (!slash || (end != slash + 1 && !*end && len >= 0 && len <= max))
        && inet_ntop(family, bin, buf, sizeof buf)) {
        out = xasprintf("%s/%ld", buf, len);
    }
    free(addr);
    return out;
}

/* The --address values as the API's addresses, into '*ret' (a new
 * array). */
static int
addresses(struct cli_ctx *ctx, const struct cli_args *args, json_t **ret)
{
    const char *const *values;
    size_t n = cli_args_values(args, "--address", &values);
    json_t *list = json_array();

    for (size_t i = 0; i < n; i++) {
        char *a = format_address(values[i]);

        if (!a) {
            json_decref(list);
            return cli_fail(ctx, "invalid IPNetwork %s", values[i]);
        }
        json_array_append_new(list, json_string(a));
        free(a);
    }
    *ret = list;
    return 0;
}

static const struct cli_opt create_opts[] = {
    {"--description", NULL, CLI_OPT_VALUE, 0},
    {"--address", NULL, CLI_OPT_APPEND, 0},
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
};

static const struct cli_attr create_attrs[] = {
    {"--project", "project_id", CLI_ATTR_STRING},
};

static int
group_create(struct cli_ctx *ctx, const struct cli_args *args)
{
    const char *description = cli_args_value(args, "--description");
    json_t *attrs, *list;
    int r = addresses(ctx, args, &list);

    if (r < 0) {
        return r;
    }
    attrs = json_pack("{ss so}", "name", args->pos[0], "addresses", list);
    /* address_group.py sends a description only if it is not empty. */
    if (description && *description) {
        json_object_set_new(attrs, "description", json_string(description));
    }
    cli_attrs_apply(attrs, args, create_attrs, ARRAY_SIZE(create_attrs));
    r = cli_create_print(ctx, &cli_address_group_resource, attrs, args);
    json_decref(attrs);
    return r;
}

static const struct cli_column list_columns[] = {
    {"ID", "id", CLI_FMT_RAW},
    {"Name", "name", CLI_FMT_RAW},
    {"Description", "description", CLI_FMT_RAW},
    {"Project", "project_id", CLI_FMT_RAW},
    {"Addresses", "addresses", CLI_FMT_RAW},
};

static const struct cli_opt list_opts[] = {
    {"--name", NULL, CLI_OPT_VALUE, 0},
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
};

static int
group_list(struct cli_ctx *ctx, const struct cli_args *args)
{
    struct ds query = DS_EMPTY_INITIALIZER;
    const char *name = cli_args_value(args, "--name");
    const char *project = cli_args_value(args, "--project");

    if (name && *name) {
        cli_query_add(&query, "name", name);
    }
    if (project) {
        cli_query_add(&query, "project_id", project);
    }
    return cli_list_print(ctx, &cli_address_group_resource, &query,
                          list_columns, ARRAY_SIZE(list_columns));
}

static int
group_show(struct cli_ctx *ctx, const struct cli_args *args)
{
    return cli_show(ctx, &cli_address_group_resource, args->pos[0]);
}

static const struct cli_opt set_opts[] = {
    {"--name", NULL, CLI_OPT_VALUE, 0},
    {"--description", NULL, CLI_OPT_VALUE, 0},
    {"--address", NULL, CLI_OPT_APPEND, 0},
};

static const struct cli_attr set_attrs[] = {
    {"--name", "name", CLI_ATTR_STRING},
    {"--description", "description", CLI_ATTR_STRING},
};

static const struct cli_opt unset_opts[] = {
    {"--address", NULL, CLI_OPT_APPEND, 0},
};

/* set (name, description, addresses added) or unset (addresses
 * removed). */
static int
group_change(struct cli_ctx *ctx, const struct cli_args *args, bool unset)
{
    json_t *obj, *attrs = json_object(), *list;
    const char *id;
    int r = cli_find(ctx, &cli_address_group_resource, args->pos[0], &obj);

    if (r < 0) {
        json_decref(attrs);
        return r;
    }
    id = json_string_value(json_object_get(obj, "id"));
    cli_attrs_apply(attrs, args, set_attrs, ARRAY_SIZE(set_attrs));
    if (json_object_size(attrs)) {
        r = cli_update(ctx, &cli_address_group_resource, id, attrs);
    }
    if (!r && cli_args_flag(args, "--address")
        && !(r = addresses(ctx, args, &list))) {
        json_t *body = json_pack("{so}", "addresses", list);

        r = cli_action(ctx, &cli_address_group_resource, id,
                       unset ? "remove_addresses" : "add_addresses", body);
        json_decref(body);
    }
    json_decref(attrs);
    json_decref(obj);
    return r;
}

static int
group_set(struct cli_ctx *ctx, const struct cli_args *args)
{
    return group_change(ctx, args, false);
}

static int
group_unset(struct cli_ctx *ctx, const struct cli_args *args)
{
    return group_change(ctx, args, true);
}

static int
group_delete(struct cli_ctx *ctx, const struct cli_args *args)
{
    return cli_delete_all(ctx, &cli_address_group_resource, "address group",
                          args, false);
}

const struct cli_command cli_address_group_commands[] = {
    {"address group", "create", CLI_KIND_ONE, create_opts,
     ARRAY_SIZE(create_opts), "<name>", 1, 1, NULL, group_create, NULL},
    {"address group", "list", CLI_KIND_LIST, list_opts, ARRAY_SIZE(list_opts),
     NULL, 0, 0, NULL, group_list, NULL},
    {"address group", "show", CLI_KIND_ONE, NULL, 0, "<address-group>", 1, 1,
     NULL, group_show, NULL},
    {"address group", "set", CLI_KIND_QUIET, set_opts, ARRAY_SIZE(set_opts),
     "<address-group>", 1, 1, NULL, group_set, NULL},
    {"address group", "unset", CLI_KIND_QUIET, unset_opts,
     ARRAY_SIZE(unset_opts), "<address-group>", 1, 1, NULL, group_unset, NULL},
    {"address group", "delete", CLI_KIND_QUIET, NULL, 0, "<address-group>", 1,
     SIZE_MAX, NULL, group_delete, NULL},
};
const size_t cli_address_group_n_commands =
    ARRAY_SIZE(cli_address_group_commands);
