/* neutrino-agent: options, configuration, wiring; then run the loop. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>

#include "agent/agent-auth.h"
#include "agent/agent-config.h"
#include "agent/dhcp-agent.h"
#include "agent/http-client.h"
#include "agent/ovs-agent.h"
#include "agent/replica.h"
#include "core/cmdline.h"
#include "core/log.h"
#include "ovs/ofp.h"
#include "ovs/ovsx.h"
#include "ovs/vswitch.h"

LOG_DEFINE_THIS_MODULE(main);

/* Freed heap pages go back to the kernel (malloc_trim()) once the agent
 * settles, TRIM_SETTLE_MS after the last change it followed, and at least
 * every TRIM_INTERVAL_MS. */
#define TRIM_SETTLE_MS   1000
#define TRIM_INTERVAL_MS 10000

static const char usage[] =
    "usage: neutrino-agent [--config-file FILE]... [--debug]\n"
    "Wires this host's Open vSwitch for the networks of a\n"
    "neutrino-server and serves their DHCP (Neutron's Open vSwitch\n"
    "and DHCP agents).\n"
    "  --config-file FILE  INI file with Neutron's options; may be\n"
    "                      repeated, later files win\n"
    "  --debug             log at debug level\n"
    "  --help              show this help\n";

/* Runs the agent until a signal ends the process (from ovsx_poll_block). */
static int
run(const struct agent_config *cfg)
{
    struct ofp_controller *ctl = NULL;
    struct agent_auth *auth = NULL;
    struct vsw *vsw = NULL;
    char *error = NULL;
    int r;

    r = agent_auth_create(cfg, &auth, &error);
    if (r) {
        log_error("%s", error);
        free(error);
        return r;
    }
    (void) ovs_agent_ensure_manager(cfg);
    r = vsw_open(cfg->ovsdb_connection, &vsw);
    if (r) {
        log_error("cannot use OVSDB at %s: %s", cfg->ovsdb_connection,
                  strerror(-r));
        agent_auth_destroy(auth);
        return r;
    }
    r = ofp_controller_create(cfg->of_listen_address, cfg->of_listen_port,
                              &ctl);
    if (r) {
        log_error("cannot listen for OpenFlow on %s:%d: %s",
                  cfg->of_listen_address, cfg->of_listen_port, strerror(-r));
        vsw_close(vsw);
        agent_auth_destroy(auth);
        return r;
    }
    struct hclient *client = hclient_create(cfg->server_url);
    agent_auth_attach(auth, client);
    /* One replica of every port for both roles: the DHCP role serves every
     * port of its networks, wherever bound, and the OVS role picks those
     * bound here itself.  A second, host-filtered replica would hold the
     * same ports twice (~3 KB each). */
    struct replica *replica = replica_create(client, NULL);
    struct ovs_agent *agent = ovs_agent_create(cfg, vsw, ctl, replica, client);
    struct dhcp_agent *dhcp =
        dhcp_agent_create(cfg, vsw, replica, client, agent);

    printf("neutrino-agent: host %s, server %s, OpenFlow on %s:%d\n",
           cfg->host, cfg->server_url, cfg->of_listen_address,
           cfg->of_listen_port);
    fflush(stdout);
    long long next_trim = 0, last_trim = 0;
    unsigned int seen = 0;
    for (;;) {
        /* Bursts (a snapshot, passes over 1,000 ports) free many small
         * blocks in the middle of the heap, which glibc keeps unless
         * asked. */
        long long now = ovsx_time_msec();
        unsigned int changes = replica_seqno(replica) + vsw_seqno(vsw);

        if (changes != seen) {
            seen = changes;
            next_trim =
                MIN(now + TRIM_SETTLE_MS, last_trim + TRIM_INTERVAL_MS);
        }
        if (now >= next_trim) {
            malloc_trim(0);
            last_trim = now;
            next_trim = now + TRIM_INTERVAL_MS;
        }
        agent_auth_run(auth);
        vsw_run(vsw);
        ofp_controller_run(ctl);
        hclient_run(client);
        replica_run(replica);
        ovs_agent_run(agent);
        dhcp_agent_run(dhcp);

        agent_auth_wait(auth);
        vsw_wait(vsw);
        ofp_controller_wait(ctl);
        hclient_wait(client);
        replica_wait(replica);
        ovs_agent_wait(agent);
        dhcp_agent_wait(dhcp);
        ovsx_poll_timer_wait_until(next_trim);
        ovsx_poll_block();
    }
}

int
main(int argc, char *argv[])
{
    struct agent_config cfg;
    char **files = NULL, *error = NULL;
    size_t n_files = 0;
    int r =
        cmdline_parse("neutrino-agent", usage, argc, argv, &files, &n_files);

    if (r <= 0) {
        free(files);
        return r ? 2 : 0;
    }
    r = agent_config_load(&cfg, files, n_files, &error);
    if (r < 0) {
        fprintf(stderr, "neutrino-agent: %s\n", error);
    } else {
        /* Big transient buffers (feed snapshots, OVSDB monitor replies)
         * are mapped and unmapped whole rather than carved from the heap,
         * where they would leave holes: a fixed threshold, since glibc
         * would otherwise raise it to the largest block freed. */
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        ovsx_init("neutrino-agent");
        r = run(&cfg);
    }
    agent_config_destroy(&cfg);
    free(error);
    free(files);
    return r < 0 ? 1 : 0;
}
