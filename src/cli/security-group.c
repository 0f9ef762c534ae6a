/* "neutrino security group create|list|show|set|unset|delete" and
 * "neutrino security group rule create|list|show|delete", as
 * openstackclient/network/v2/security_group.py and
 * security_group_rule.py run against Neutron. */
#include "cli/commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

/* openstacksdk's SecurityGroup attributes, "rules" being the API's
 * security_group_rules; tags have no formatter here. */
static const struct cli_column group_columns[] = {
    {"created_at", "created_at", CLI_FMT_RAW},
    {"description", "description", CLI_FMT_RAW},
    {"id", "id", CLI_FMT_RAW},
    {"name", "name", CLI_FMT_RAW},
    {"project_id", "project_id", CLI_FMT_RAW},
    {"revision_number", "revision_number", CLI_FMT_RAW},
    {"rules", "security_group_rules", CLI_FMT_SG_RULES},
    {"stateful", "stateful", CLI_FMT_RAW},
    {"tags", "tags", CLI_FMT_TAGS},
    {"updated_at", "updated_at", CLI_FMT_RAW},
};

const struct cli_resource cli_security_group_resource = {
    .singular = "security_group",
    .plural = "security_groups",
    .title = "SecurityGroup",
    .show = group_columns,
    .n_show = ARRAY_SIZE(group_columns),
    .path = "security-groups",
};

/* openstacksdk's SecurityGroupRule attributes ("name" is one, which the
 * API never has). */
static const struct cli_column rule_columns[] = {
    {"created_at", "created_at", CLI_FMT_RAW},
    {"description", "description", CLI_FMT_RAW},
    {"direction", "direction", CLI_FMT_RAW},
    {"ether_type", "ethertype", CLI_FMT_RAW},
    {"id", "id", CLI_FMT_RAW},
    {"name", "name", CLI_FMT_RAW},
    {"port_range_max", "port_range_max", CLI_FMT_RAW},
    {"port_range_min", "port_range_min", CLI_FMT_RAW},
    {"project_id", "project_id", CLI_FMT_RAW},
    {"protocol", "protocol", CLI_FMT_RAW},
    {"remote_address_group_id", "remote_address_group_id", CLI_FMT_RAW},
    {"remote_group_id", "remote_group_id", CLI_FMT_RAW},
    {"remote_ip_prefix", "remote_ip_prefix", CLI_FMT_RAW},
    {"revision_number", "revision_number", CLI_FMT_RAW},
    {"security_group_id", "security_group_id", CLI_FMT_RAW},
    {"tags", "tags", CLI_FMT_TAGS},
    {"updated_at", "updated_at", CLI_FMT_RAW},
};

/* Rules have no name filter: openstacksdk's find() lists them all. */
static const struct cli_resource rule_resource = {
    .singular = "security_group_rule",
    .plural = "security_group_rules",
    .title = "SecurityGroupRule",
    .show = rule_columns,
    .n_show = ARRAY_SIZE(rule_columns),
    .no_name_filter = true,
    .path = "security-group-rules",
};

/* ------------------------------------------------------------- groups */

static const struct cli_attr group_attrs[] = {
    {"--name", "name", CLI_ATTR_STRING},
    {"--description", "description", CLI_ATTR_STRING},
    {"--stateful", "stateful", CLI_ATTR_TRUE},
    {"--stateless", "stateful", CLI_ATTR_FALSE},
    {"--project", "project_id", CLI_ATTR_STRING},
};

static const struct cli_opt group_create_opts[] = {
    {"--description", NULL, CLI_OPT_VALUE, 0},
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--stateful", NULL, CLI_OPT_FLAG, 1},
    {"--stateless", NULL, CLI_OPT_FLAG, 1},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
    {"--tag", NULL, CLI_OPT_APPEND, 2},
    {"--no-tag", NULL, CLI_OPT_FLAG, 2},
};

static int
group_create(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *attrs = json_object();
    int r;

    cli_api_wrap_errors(ctx->api, true);
    json_object_set_new(attrs, "name", json_string(args->pos[0]));
    /* The description defaults to the name. */
    json_object_set_new(attrs, "description", json_string(args->pos[0]));
    cli_attrs_apply(attrs, args, group_attrs, ARRAY_SIZE(group_attrs));
    r = cli_create_print(ctx, &cli_security_group_resource, attrs, args);
    json_decref(attrs);
    return r;
}

static const struct cli_column group_list_columns[] = {
    {"ID", "id", CLI_FMT_RAW},
    {"Name", "name", CLI_FMT_RAW},
    {"Description", "description", CLI_FMT_RAW},
    {"Project", "project_id", CLI_FMT_RAW},
    {"Tags", "tags", CLI_FMT_TAGS},
};

static const struct cli_opt group_list_opts[] = {
    {"--all-projects", NULL, CLI_OPT_FLAG, 0},
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
    CLI_TAG_FILTER_OPTS,
};

static int
group_list(struct cli_ctx *ctx, const struct cli_args *args)
{
    struct ds query = DS_EMPTY_INITIALIZER;
    const char *project = cli_args_value(args, "--project");

    if (project) {
        cli_query_add(&query, "project_id", project);
    }
    cli_tag_filters(&query, args);
    /* security_group.py asks only for the columns it shows. */
    for (size_t i = 0; i < ARRAY_SIZE(group_list_columns); i++) {
        cli_query_add(&query, "fields", group_list_columns[i].key);
    }
    return cli_list_print(ctx, &cli_security_group_resource, &query,
                          group_list_columns, ARRAY_SIZE(group_list_columns));
}

static int
group_show(struct cli_ctx *ctx, const struct cli_args *args)
{
    cli_api_wrap_errors(ctx->api, true);
    return cli_show(ctx, &cli_security_group_resource, args->pos[0]);
}

static const struct cli_opt group_set_opts[] = {
    {"--name", NULL, CLI_OPT_VALUE, 0},
    {"--description", NULL, CLI_OPT_VALUE, 0},
    {"--stateful", NULL, CLI_OPT_FLAG, 1},
    {"--stateless", NULL, CLI_OPT_FLAG, 1},
    CLI_TAG_SET_OPTS,
};

static const struct cli_opt group_unset_opts[] = {
    CLI_TAG_UNSET_OPTS,
};

/* set (attributes and tags) or unset (tags). */
static int
group_change(struct cli_ctx *ctx, const struct cli_args *args, bool unset)
{
    json_t *obj, *attrs = json_object();
    int r = cli_find(ctx, &cli_security_group_resource, args->pos[0], &obj);

    if (r < 0) {
        json_decref(attrs);
        return r;
    }
    if (!unset) {
        cli_attrs_apply(attrs, args, group_attrs, ARRAY_SIZE(group_attrs));
    }
    r = cli_apply(ctx, &cli_security_group_resource, obj, attrs, args, unset);
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
    return cli_delete_all(ctx, &cli_security_group_resource, "group", args,
                          false);
}

/* -------------------------------------------------------------- rules */

/* Python's int() of 'text' (base 10, surrounding blanks allowed). */
static bool
py_int(const char *text, long *ret)
{
    char *end;
    long v = strtol(text, &end, 10);

    if (end == text) {
        return false;
    }
    end += strspn(end, " \t\n");
    if (*end) {
        return false;
    }
    *ret = v;
    return true;
}

/* osc-lib's RangeAction: "P" or "MIN:MAX".  Returns 0, 1 when a part is
 * no integer ('*ret_bad' is it), or -EINVAL with argparse's message. */
static int
parse_range(const char *text, long ret[2], const char **ret_bad,
            char **ret_error)
{
    const char *colon = strchr(text, ':');
    char *first =
        xstrndup(text, colon ? (size_t) (colon - text) : strlen(text));
    int r = 0;

    if (colon && strchr(colon + 1, ':')) {
        *ret_error = xstrdup("argument --dst-port: Invalid range, too many "
                             "values");
        r = -EINVAL;
    } else if (!py_int(first, &ret[0])) {
        *ret_bad = text;
        r = 1;
    } else if (!py_int(colon ? colon + 1 : first, &ret[1])) {
        *ret_bad = colon + 1;
        r = 1;
    } else if (ret[0] > ret[1]) {
        *ret_error = xasprintf("argument --dst-port: Invalid range, %s is "
                               "not less than %s",
                               first, colon + 1);
        r = -EINVAL;
    }
    free(first);
    return r;
}

/* argparse's type=_convert_ipvx_case and choices of --ethertype: the
 * value, or NULL if it is no choice. */
static const char *
rule_ethertype(const char *text)
{
    return !strcasecmp(text, "ipv4")   ? "IPv4"
           : !strcasecmp(text, "ipv6") ? "IPv6"
                                       : NULL;
}

static int
rule_create_check(const struct cli_args *args, char **ret_error)
{
    static const char *const ints[] = {"--icmp-type", "--icmp-code"};
    const char *ethertype = cli_args_value(args, "--ethertype");
    const char *range = cli_args_value(args, "--dst-port");
    const char *bad;
    long v, ports[2];

    for (size_t i = 0; i < ARRAY_SIZE(ints); i++) {
        const char *text = cli_args_value(args, ints[i]);

        if (text && !py_int(text, &v)) {
            *ret_error = xasprintf("argument %s: invalid int value: '%s'",
                                   ints[i], text);
            return -EINVAL;
        }
    }
    if (ethertype && !rule_ethertype(ethertype)) {
        *ret_error = xasprintf("argument --ethertype: invalid choice: '%s' "
                               "(choose from 'IPv4', 'IPv6')",
                               ethertype);
        return -EINVAL;
    }
    /* A part that is no integer fails later, when the command runs. */
    return range && parse_range(range, ports, &bad, ret_error) < 0 ? -EINVAL
                                                                   : 0;
}

/* --protocol (or --proto) lowercased; NULL for none or "any". */
static char *
rule_protocol(const struct cli_args *args)
{
    const char *p = cli_args_value(args, "--proto");
    char *lower;

    p = p ? p : cli_args_value(args, "--protocol");
    if (!p) {
        return NULL;
    }
    lower = xstrdup(p);
    for (char *c = lower; *c; c++) {
        *c = (char) tolower((unsigned char) *c);
    }
    if (streq(lower, "any")) {
        free(lower);
        return NULL;
    }
    return lower;
}

static bool
is_icmp(const char *protocol)
{
    static const char *const icmp[] = {"icmp", "icmpv6", "ipv6-icmp", "1",
                                       "58"};

    for (size_t i = 0; protocol && i < ARRAY_SIZE(icmp); i++) {
        if (streq(protocol, icmp[i])) {
            return true;
        }
    }
    return false;
}

static bool
is_ipv6_protocol(const char *protocol)
{
    static const char *const v6[] = {"icmpv6", "41", "43", "44",
                                     "58",     "59", "60"};

    if (protocol && str_startswith(protocol, "ipv6-")) {
        return true;
    }
    for (size_t i = 0; protocol && i < ARRAY_SIZE(v6); i++) {
        if (streq(protocol, v6[i])) {
            return true;
        }
    }
    return false;
}

/* The id of the object 'name_or_id' of 'res' into attrs['key']. */
static int
set_found_id(struct cli_ctx *ctx, const struct cli_resource *res,
             const char *name_or_id, json_t *attrs, const char *key)
{
    json_t *obj;
    int r = cli_find(ctx, res, name_or_id, &obj);

    if (!r) {
        json_object_set(attrs, key, json_object_get(obj, "id"));
        json_decref(obj);
    }
    return r;
}

/* The port range or ICMP type and code, checked as
 * security_group_rule.py checks them. */
static int
rule_ports(struct cli_ctx *ctx, const struct cli_args *args, json_t *attrs,
           const long *dst_port)
{
    const char *type_text = cli_args_value(args, "--icmp-type");
    const char *code_text = cli_args_value(args, "--icmp-code");
    long type = 0, code = 0;
    bool icmp = is_icmp(json_string_value(json_object_get(attrs, "protocol")));

    (void) (type_text && py_int(type_text, &type));
    (void) (code_text && py_int(code_text, &code));
    /* Python's truth values: an ICMP type or code 0 counts as absent. */
    if (dst_port && (type || code)) {
        return cli_fail(ctx, "Argument --dst-port not allowed with arguments "
                             "--icmp-type and --icmp-code");
    }
    if (!type_text && code_text) {
        return cli_fail(ctx, "Argument --icmp-type required with argument "
                             "--icmp-code");
    }
    if (!icmp && (type || code)) {
        return cli_fail(ctx, "ICMP IP protocol required with arguments "
                             "--icmp-type and --icmp-code");
    }
    if (dst_port && !icmp) {
        json_object_set_new(attrs, "port_range_min",
                            json_integer(dst_port[0]));
        json_object_set_new(attrs, "port_range_max",
                            json_integer(dst_port[1]));
    }
    if (type_text && type >= 0) {
        json_object_set_new(attrs, "port_range_min", json_integer(type));
    }
    if (code_text && code >= 0) {
        json_object_set_new(attrs, "port_range_max", json_integer(code));
    }
    return 0;
}

/* The remote end: a group, an address group, a prefix, or everything of
 * the ethertype. */
static int
rule_remote(struct cli_ctx *ctx, const struct cli_args *args, json_t *attrs)
{
    const char *group = cli_args_value(args, "--remote-group");
    const char *agroup = cli_args_value(args, "--remote-address-group");
    const char *ip = cli_args_value(args, "--remote-ip");
    const char *ethertype =
        json_string_value(json_object_get(attrs, "ethertype"));

    if (group) {
        return set_found_id(ctx, &cli_security_group_resource, group, attrs,
                            "remote_group_id");
    }
    if (agroup) {
        return set_found_id(ctx, &cli_address_group_resource, agroup, attrs,
                            "remote_address_group_id");
    }
    if (!ip) {
        ip = streq(ethertype, "IPv4") ? "0.0.0.0/0" : "::/0";
    }
    json_object_set_new(attrs, "remote_ip_prefix", json_string(ip));
    return 0;
}

static const struct cli_opt rule_create_opts[] = {
    {"--remote-ip", NULL, CLI_OPT_VALUE, 1},
    {"--remote-group", NULL, CLI_OPT_VALUE, 1},
    {"--remote-address-group", NULL, CLI_OPT_VALUE, 1},
    {"--dst-port", NULL, CLI_OPT_VALUE, 0},
    {"--protocol", NULL, CLI_OPT_VALUE, 2},
    {"--proto", NULL, CLI_OPT_VALUE, 2},
    {"--description", NULL, CLI_OPT_VALUE, 0},
    {"--icmp-type", NULL, CLI_OPT_VALUE, 0},
    {"--icmp-code", NULL, CLI_OPT_VALUE, 0},
    {"--ingress", NULL, CLI_OPT_FLAG, 3},
    {"--egress", NULL, CLI_OPT_FLAG, 3},
    {"--ethertype", NULL, CLI_OPT_VALUE, 0},
    {"--project", NULL, CLI_OPT_VALUE, 0},
    {"--project-domain", NULL, CLI_OPT_VALUE, 0},
};

/* The request body of a rule create, after the group is found. */
static int
rule_attrs(struct cli_ctx *ctx, const struct cli_args *args, json_t *attrs,
           const long *dst_port)
{
    const char *ethertype = cli_args_value(args, "--ethertype");
    const char *v;
    char *protocol = rule_protocol(args);
    int r;

    json_object_set_new(attrs, "protocol",
                        protocol ? json_string(protocol) : json_null());
    if ((v = cli_args_value(args, "--description"))) {
        json_object_set_new(attrs, "description", json_string(v));
    }
    json_object_set_new(
        attrs, "direction",
        json_string(cli_args_flag(args, "--egress") ? "egress" : "ingress"));
    json_object_set_new(attrs, "ethertype",
                        json_string(ethertype ? rule_ethertype(ethertype)
                                    : is_ipv6_protocol(protocol) ? "IPv6"
                                                                 : "IPv4"));
    free(protocol);
    r = rule_ports(ctx, args, attrs, dst_port);
    if (!r) {
        r = rule_remote(ctx, args, attrs);
    }
    if (!r && (v = cli_args_value(args, "--project"))) {
        json_object_set_new(attrs, "project_id", json_string(v));
    }
    return r;
}

static int
rule_create(struct cli_ctx *ctx, const struct cli_args *args)
{
    const char *range = cli_args_value(args, "--dst-port");
    const char *bad = NULL;
    char *error = NULL;
    long ports[2];
    json_t *attrs;
    int r;

    cli_api_wrap_errors(ctx->api, true);
    /* argparse ran the range's int() already: a ValueError ends it. */
    if (range && parse_range(range, ports, &bad, &error) > 0) {
        return cli_fail(ctx, "invalid literal for int() with base 10: '%s'",
                        bad);
    }
    free(error);
    attrs = json_object();
    r = set_found_id(ctx, &cli_security_group_resource, args->pos[0], attrs,
                     "security_group_id");
    if (!r) {
        r = rule_attrs(ctx, args, attrs, range ? ports : NULL);
    }
    if (!r) {
        r = cli_create_print(ctx, &rule_resource, attrs, args);
    }
    json_decref(attrs);
    return r;
}

/* What the rule list shows of a remote end: a missing prefix stands for
 * everything of the rule's ethertype. */
static json_t *
remote_prefix(const json_t *rule)
{
    const json_t *prefix = json_object_get(rule, "remote_ip_prefix");
    const char *ethertype =
        json_string_value(json_object_get(rule, "ethertype"));

    if (prefix && !json_is_null(prefix)) {
        return json_deep_copy(prefix);
    }
    return !ethertype                 ? json_null()
           : streq(ethertype, "IPv4") ? json_string("0.0.0.0/0")
           : streq(ethertype, "IPv6") ? json_string("::/0")
                                      : json_null();
}

/* Python's truth value of a port bound, and its str(). */
static bool
port_set(const json_t *v)
{
    return json_is_integer(v) ? json_integer_value(v) != 0
                              : v && !json_is_null(v);
}

/* security_group_rule.py's _format_network_port_range(): "type=T:code=C"
 * for ICMP, "MIN:MAX" otherwise, '' for none. */
static json_t *
port_range(const json_t *rule)
{
    const json_t *min = json_object_get(rule, "port_range_min");
    const json_t *max = json_object_get(rule, "port_range_max");
    const char *protocol =
        json_string_value(json_object_get(rule, "protocol"));
    struct ds out = DS_EMPTY_INITIALIZER;
    json_t *range;
    char *a, *b;

    if (is_icmp(protocol)) {
        a = cli_pystr(min);
        b = cli_pystr(max);
        ds_put_format(&out, "%s%s", port_set(min) ? "type=" : "",
                      port_set(min) ? a : "");
        ds_put_format(&out, "%s%s", port_set(max) ? ":code=" : "",
                      port_set(max) ? b : "");
    } else if (port_set(min) || port_set(max)) {
        a = cli_pystr(min && !json_is_null(min) ? min : max);
        b = cli_pystr(max && !json_is_null(max) ? max : min);
        ds_put_format(&out, "%s:%s", a, b);
    } else {
        return json_string("");
    }
    range = json_string(ds_cstr(&out));
    ds_destroy(&out);
    free(a);
    free(b);
    return range;
}

static const struct cli_column rule_list_columns[] = {
    {"ID", "id", CLI_FMT_RAW},
    {"IP Protocol", "protocol", CLI_FMT_RAW},
    {"Ethertype", "ethertype", CLI_FMT_RAW},
    {"IP Range", "remote_ip_prefix", CLI_FMT_RAW},
    {"Port Range", "port_range", CLI_FMT_RAW},
    {"Direction", "direction", CLI_FMT_RAW},
    {"Remote Security Group", "remote_group_id", CLI_FMT_RAW},
    {"Remote Address Group", "remote_address_group_id", CLI_FMT_RAW},
    {"Security Group", "security_group_id", CLI_FMT_RAW},
};

static const struct cli_opt rule_list_opts[] = {
    {"--all-projects", NULL, CLI_OPT_FLAG, 0},
    {"--protocol", NULL, CLI_OPT_VALUE, 0},
    /* Taken and, as by openstackclient 6.0, not sent as a filter. */
    {"--ethertype", NULL, CLI_OPT_VALUE, 0},
    {"--ingress", NULL, CLI_OPT_FLAG, 1},
    {"--egress", NULL, CLI_OPT_FLAG, 1},
    {"--long", NULL, CLI_OPT_FLAG, 0},
};

/* The query of a rule list: the group's id and the filters. */
static int
rule_query(struct cli_ctx *ctx, const struct cli_args *args, struct ds *query)
{
    char *protocol = NULL;
    const char *p = cli_args_value(args, "--protocol");

    if (args->n_pos) {
        json_t *group;
        int r =
            cli_find(ctx, &cli_security_group_resource, args->pos[0], &group);

        if (r < 0) {
            return r;
        }
        cli_query_add(query, "security_group_id",
                      json_string_value(json_object_get(group, "id")));
        json_decref(group);
    }
    if (cli_args_flag(args, "--ingress")) {
        cli_query_add(query, "direction", "ingress");
    }
    if (cli_args_flag(args, "--egress")) {
        cli_query_add(query, "direction", "egress");
    }
    if (p) {
        protocol = xstrdup(p);
        for (char *c = protocol; *c; c++) {
            *c = (char) tolower((unsigned char) *c);
        }
        cli_query_add(query, "protocol", protocol);
        free(protocol);
    }
    return 0;
}

static int
rule_list(struct cli_ctx *ctx, const struct cli_args *args)
{
    struct ds query = DS_EMPTY_INITIALIZER;
    json_t *items, *rows, *rule;
    size_t i;
    int r;

    if (cli_args_flag(args, "--long")) {
        ds_put_cstr(&ctx->warnings, "The --long option has been deprecated "
                                    "and is no longer needed\n");
    }
    r = rule_query(ctx, args, &query);
    if (!r) {
        r = cli_list(ctx, &rule_resource, ds_cstr(&query), &items);
    }
    ds_destroy(&query);
    if (r < 0) {
        return r;
    }
    rows = json_array();
    json_array_foreach (items, i, rule) {
        json_t *row = json_deep_copy(rule);

        json_object_set_new(row, "port_range", port_range(rule));
        json_object_set_new(row, "remote_ip_prefix", remote_prefix(rule));
        json_array_append_new(rows, row);
    }
    /* The group's own column only when rules of every group are listed. */
    r = cli_print_list(ctx, rule_list_columns,
                       ARRAY_SIZE(rule_list_columns) - (args->n_pos ? 1 : 0),
                       rows);
    json_decref(rows);
    json_decref(items);
    return r;
}

static int
rule_show(struct cli_ctx *ctx, const struct cli_args *args)
{
    json_t *obj, *prefix;
    int r;

    cli_api_wrap_errors(ctx->api, true);
    r = cli_find(ctx, &rule_resource, args->pos[0], &obj);
    if (r < 0) {
        return r;
    }
    /* Old rules may have no prefix: shown as the whole ethertype. */
    prefix = json_object_get(obj, "remote_ip_prefix");
    if (!prefix || json_is_null(prefix) || !json_string_length(prefix)) {
        json_object_set_new(obj, "remote_ip_prefix", remote_prefix(obj));
    }
    r = cli_print_one(ctx, &rule_resource, obj);
    json_decref(obj);
    return r;
}

static int
rule_delete(struct cli_ctx *ctx, const struct cli_args *args)
{
    return cli_delete_all(ctx, &rule_resource, "rule", args, false);
}

const struct cli_command cli_security_group_commands[] = {
    {"security group", "create", CLI_KIND_ONE, group_create_opts,
     ARRAY_SIZE(group_create_opts), "<name>", 1, 1, NULL, group_create, NULL},
    {"security group", "list", CLI_KIND_LIST, group_list_opts,
     ARRAY_SIZE(group_list_opts), NULL, 0, 0, NULL, group_list, NULL},
    {"security group", "show", CLI_KIND_ONE, NULL, 0, "<group>", 1, 1, NULL,
     group_show, NULL},
    {"security group", "set", CLI_KIND_QUIET, group_set_opts,
     ARRAY_SIZE(group_set_opts), "<group>", 1, 1, NULL, group_set, NULL},
    {"security group", "unset", CLI_KIND_QUIET, group_unset_opts,
     ARRAY_SIZE(group_unset_opts), "<group>", 1, 1, NULL, group_unset, NULL},
    {"security group", "delete", CLI_KIND_QUIET, NULL, 0, "<group>", 1,
     SIZE_MAX, NULL, group_delete, NULL},
    {"security group rule", "create", CLI_KIND_ONE, rule_create_opts,
     ARRAY_SIZE(rule_create_opts), "<group>", 1, 1, NULL, rule_create,
     rule_create_check},
    {"security group rule", "list", CLI_KIND_LIST, rule_list_opts,
     ARRAY_SIZE(rule_list_opts), "[<group>]", 0, 1, NULL, rule_list, NULL},
    {"security group rule", "show", CLI_KIND_ONE, NULL, 0, "<rule>", 1, 1,
     NULL, rule_show, NULL},
    {"security group rule", "delete", CLI_KIND_QUIET, NULL, 0, "<rule>", 1,
     SIZE_MAX, NULL, rule_delete, NULL},
};
const size_t cli_security_group_n_commands =
    ARRAY_SIZE(cli_security_group_commands);
