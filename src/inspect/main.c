/* neutrino-inspect: "neutrino inspect network NAME|ID" and "neutrino
 * inspect port ID" (the neutrino CLI execs this program, so that its
 * other commands never load Open vSwitch's library).  Asks the server what
 * should exist for the network on this host, looks at what does
 * (inspect-gather), judges (inspect-check) and prints (inspect-print).
 * Exit status: 0 every step OK, 1 a step is broken or the server failed,
 * 2 a usage error. */
#include <stdio.h>
#include <unistd.h>

#include "agent/agent-config.h"
#include "cli/cli-auth.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "inspect/inspect-check.h"
#include "inspect/inspect-gather.h"
#include "inspect/inspect-print.h"
#include "inspect/inspect-probe.h"
#include "ovs/ovsx.h"

static const char usage[] =
    "usage: neutrino [--os-endpoint URL] inspect network NAME|ID [OPTIONS]\n"
    "       neutrino [--os-endpoint URL] inspect port ID [OPTIONS]\n"
    "\n"
    "Checks the path of a network (or one port) on this host against the\n"
    "server's view: namespace, addresses, routes, sockets, dnsmasq and its\n"
    "host file, bridges, patch ports, tags, flows and counters, the NIC.\n"
    "Run it as root where neutrino-agent runs.\n"
    "\n"
    "  --config-file FILE    the agent's configuration (repeatable)\n"
    "  --ovs-rundir DIR      where BRIDGE.mgmt sockets are ($OVS_RUNDIR)\n"
    "  -f, --format FORMAT   table (default) or json\n"
    "  --graph [FORMAT]      the path as a picture: text (default) or dot\n"
    "  --probe               send an ARP for the gateway (and, for a port, a\n"
    "                        DHCP discover with its MAC) from a temporary\n"
    "                        port on the network; say what answered\n"
    "\n"
    "Exit status: 0 every step OK, 1 a step is broken, 2 usage.\n";

static const struct cli_opt opts[] = {
    {"--help", "-h", CLI_OPT_FLAG, 0},
    {"--config-file", NULL, CLI_OPT_APPEND, 0},
    {"--ovs-rundir", NULL, CLI_OPT_VALUE, 0},
    {"--format", "-f", CLI_OPT_VALUE, 0},
    {"--graph", NULL, CLI_OPT_FLAG, 0},
    {"--probe", NULL, CLI_OPT_FLAG, 0},
};

/* What the server says: the network, its subnets and ports, into 'w'. */
static int
ask_server(struct cli_ctx *ctx, bool by_port, const char *name,
           struct inspect_want *w)
{
    json_t *port = NULL;
    int r;

    if (by_port) {
        r = cli_find(ctx, &cli_port_resource, name, &port);
        if (r < 0) {
            return r;
        }
        w->only_port =
            xstrdup(json_string_value(json_object_get(port, "id")) ?: "");
        r = cli_get(ctx, &cli_network_resource,
                    json_string_value(json_object_get(port, "network_id"))
                        ?: "",
                    &w->network);
        json_decref(port);
    } else {
        r = cli_find(ctx, &cli_network_resource, name, &w->network);
    }
    if (r >= 0) {
        char *q =
            xasprintf("?network_id=%s",
                      json_string_value(json_object_get(w->network, "id")));
        r = cli_list(ctx, &cli_subnet_resource, q, &w->subnets);
        if (r >= 0) {
            r = cli_list(ctx, &cli_port_resource, q, &w->ports);
        }
        free(q);
    }
    return r;
}

/* Prints what the format options ask for; returns the exit status. */
static int
report(const struct cli_args *args, const struct inspect_want *w, json_t *obs,
       const char *graph)
{
    const char *fmt = cli_args_value(args, "--format");
    json_t *findings = inspect_check(w, obs);
    char *text;

    if (graph) {
        text = streq(graph, "dot") ? inspect_print_dot(w, findings, obs)
                                   : inspect_print_graph(w, findings, obs);
    } else if (fmt && streq(fmt, "json")) {
        text = inspect_print_json(w, findings, obs);
    } else {
        text = inspect_print_table(w, findings);
    }
    fputs(text, stdout);
    free(text);
    int status = inspect_all_ok(findings) ? 0 : 1;
    json_decref(findings);
    return status;
}

static int
run(const struct cli_args *args, const struct agent_config *cfg,
    const char *graph)
{
    struct cli_ctx ctx = {0};
    struct inspect_want w = {
        .host = cfg->host,
        .integration_bridge = cfg->integration_bridge,
        .datapath_type = cfg->datapath_type,
        .metadata = cfg->enable_isolated_metadata || cfg->force_metadata,
    };
    struct cli_auth auth = {0};
    bool by_port = streq(args->pos[0], "port");
    char *error = NULL;
    int status = 1;

    if (cli_auth_read(args, &auth, &error)) {
        fprintf(stderr, "%s\n", error);
        free(error);
        goto out;
    }
    if (!cli_auth_uses_keystone(&auth) && !auth.endpoint) {
        /* Where the agent finds the server. */
        auth.endpoint = cfg->server_url;
    }
    if (cli_auth_connect(&auth, &ctx.api, &error)) {
        fprintf(stderr, "%s\n", error);
        free(error);
        goto out;
    }
    if (ask_server(&ctx, by_port, args->pos[1], &w) < 0) {
        fprintf(stderr, "%s\n", ctx.error ? ctx.error : "server failed");
        goto out;
    }
    w.phys_bridge =
        agent_config_bridge(cfg, json_string_value(json_object_get(
                                     w.network, "provider:physical_network"))
                                     ?: "");

    const char *rundir = cli_args_value(args, "--ovs-rundir");
    struct inspect_where where = {
        .ovsdb = cfg->ovsdb_connection,
        .ovs_rundir = rundir                 ? rundir
                      : getenv("OVS_RUNDIR") ? getenv("OVS_RUNDIR")
                                             : "/var/run/openvswitch",
        .state_path = cfg->state_path,
    };
    json_t *obs = inspect_gather(&w, &where);
    if (cli_args_flag(args, "--probe")) {
        inspect_probe(&w, &where, obs);
    }
    status = report(args, &w, obs, graph);
    json_decref(obs);
out:
    if (by_port) {
        free((char *) w.only_port);
    }
    json_decref(w.network);
    json_decref(w.subnets);
    json_decref(w.ports);
    free(ctx.error);
    ds_destroy(&ctx.out);
    ds_destroy(&ctx.warnings);
    cli_api_destroy(ctx.api);
    cli_auth_destroy(&auth);
    return status;
}

static int
usage_error(const char *msg)
{
    fprintf(stderr, "%sneutrino inspect: error: %s\n", usage, msg);
    return 2;
}

int
main(int argc, char *argv[])
{
    const struct cli_opt *const tables[] = {opts, cli_auth_opts, NULL};
    const size_t sizes[] = {ARRAY_SIZE(opts), cli_auth_n_opts};
    struct agent_config cfg;
    struct cli_args args = {0};
    const char *const *files;
    char *error = NULL;
    const char *graph = NULL;
    int status = 2;

    /* "--graph dot": argparse's nargs='?' by hand, as the parser knows
     * flags and valued options only. */
    for (int i = 1; i < argc; i++) {
        if (streq(argv[i], "--graph")) {
            graph = i + 1 < argc && streq(argv[i + 1], "dot") ? "dot" : "text";
            if (streq(graph, "dot")) {
                memmove(&argv[i + 1], &argv[i + 2],
                        (size_t) (argc - i - 1) * sizeof *argv);
                argc--;
            }
        }
    }
    if (cli_args_parse(&args, tables, sizes, argc - 1, argv + 1, &error)) {
        status = usage_error(error);
        free(error);
        cli_args_destroy(&args);
        return status;
    }
    if (cli_args_flag(&args, "--help")) {
        fputs(usage, stdout);
        cli_args_destroy(&args);
        return 0;
    }
    if (args.n_pos != 2
        || (!streq(args.pos[0], "network") && !streq(args.pos[0], "port"))) {
        cli_args_destroy(&args);
        return usage_error("expected 'network NAME|ID' or 'port ID'");
    }
    size_t n_files = cli_args_values(&args, "--config-file", &files);
    if (agent_config_load(&cfg, (char *const *) files, n_files, &error)) {
        fprintf(stderr, "neutrino inspect: %s\n", error);
        free(error);
        status = 1;
    } else {
        ovsx_init("neutrino-inspect");
        ovsx_set_log_level(OVSX_LOG_OFF);
        status = run(&args, &cfg, graph);
    }
    agent_config_destroy(&cfg);
    cli_args_destroy(&args);
    return status;
}
