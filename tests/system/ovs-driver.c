/* ovs-driver: drives the OVS island (src/ovs/) from line commands on stdin,
 * for tests/system/test_ovs_island.py.  It uses the island only.
 *
 *     ovs-driver DB_REMOTE OF_ADDRESS OF_PORT
 *
 * One command per line; each answers with one line starting "ok" or
 * "error", or with several lines ended by "end".  Commands that wait
 * (transactions, barriers, dumps) answer when the outcome is known; the next
 * command is read only then.  Commands:
 *
 *   wait-db                          until the IDL holds the database
 *   manager TARGET                   vsw_ensure_manager
 *   bridge NAME DPTYPE CONTROLLER PROBE_MS MAC_TABLE_SIZE
 *   patch BR_A PORT_A BR_B PORT_B PEERED(0|1)
 *   vlan PORT TAG [KEY=VALUE]...     vsw_set_port_vlan
 *   port BRIDGE NAME TYPE TAG [KEY=VALUE]...
 *                                    vsw_ensure_port (TYPE "-": system)
 *   del-port BRIDGE NAME             vsw_delete_port
 *   bridge-info NAME                 "ok dpid=HEX type=TYPE"
 *   ifaces BRIDGE                    "iface name=... ..." lines, "end"
 *   wait-switch BRIDGE               until the bridge's datapath is connected
 *   flow BRIDGE TEXT...              ofp_switch_flow_mod
 *   barrier BRIDGE
 *   dump BRIDGE TABLE                "flow ..." lines, "end"
 *   status                           "ok vsw_seqno=N connected=B ofp_seqno=N
 *                                     switches=N errors=N bad=N rss_kb=N
 *                                     threads=N"
 *   quit
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ovs/ofp.h"
#include "ovs/ovsx.h"
#include "ovs/vswitch.h"

#define MAX_ARGS 32

/* What the command being executed waits for. */
enum wait_kind {
    WAIT_NONE,
    WAIT_DB,
    WAIT_TXN,
    WAIT_SWITCH,
    WAIT_REQUEST,
};

struct driver {
    struct vsw *vsw;
    struct ofp_controller *ctl;
    char in[65536]; /* Unprocessed bytes from stdin. */
    size_t in_len;
    int in_fd; /* Standard input, dup()ed: OVS's poll loop refuses fd 0. */
    bool eof;
    enum wait_kind wait;
    struct vsw_txn *txn;
    struct ofp_request *req;
    bool req_is_dump;
    char wait_bridge[64];
};

/* Reads the value of 'key' ("VmRSS", "Threads") in /proc/self/status. */
static long
proc_status(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    size_t key_len = strlen(key);
    char line[256];
    long value = -1;

    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, key, key_len) && line[key_len] == ':') {
            value = strtol(line + key_len + 1, NULL, 10);
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    return value;
}

static void
reply_status(int r)
{
    if (r) {
        printf("error %d %s\n", r, strerror(-r));
    } else {
        printf("ok\n");
    }
}

/* The connected switch of bridge 'name', found by the datapath id the
 * database reports, or NULL. */
static struct ofp_switch *
find_switch(struct driver *d, const char *name)
{
    struct vsw_bridge br;

    if (vsw_get_bridge(d->vsw, name, &br) || !br.has_datapath_id) {
        return NULL;
    }
    return ofp_controller_find(d->ctl, br.datapath_id);
}

static void
print_opt(const char *key, const char *value)
{
    if (value) {
        printf(" %s=%s", key, value);
    }
}

static void
cmd_ifaces(struct driver *d, const char *bridge)
{
    struct vsw_iface *ifaces;
    size_t n;

    int r = vsw_list_ifaces(d->vsw, bridge, &ifaces, &n);
    if (r) {
        reply_status(r);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct vsw_iface *it = &ifaces[i];
        printf("iface name=%s type=%s ofport=%" PRId64 " port=%s tag=%d",
               it->name, it->type, it->ofport, it->port_name, it->tag);
        print_opt("iface-id", it->iface_id);
        print_opt("attached-mac", it->attached_mac);
        print_opt("iface-status", it->iface_status);
        print_opt("vm-uuid", it->vm_uuid);
        print_opt("net_uuid", it->net_uuid);
        print_opt("oc_tag", it->oc_tag);
        print_opt("network_type", it->network_type);
        print_opt("physical_network", it->physical_network);
        print_opt("segmentation_id", it->segmentation_id);
        printf("\n");
    }
    free(ifaces);
    printf("end\n");
}

static void
cmd_status(struct driver *d)
{
    struct ofp_controller_stats st;
    uint64_t *dpids;

    ofp_controller_get_stats(d->ctl, &st);
    size_t n = ofp_controller_list(d->ctl, &dpids);
    free(dpids);
    printf("ok vsw_seqno=%u connected=%d ofp_seqno=%u switches=%zu "
           "errors=%" PRIu64 " bad=%" PRIu64 " rss_kb=%ld threads=%ld\n",
           vsw_seqno(d->vsw), vsw_is_connected(d->vsw),
           ofp_controller_seqno(d->ctl), n, st.n_errors, st.n_bad_messages,
           proc_status("VmRSS"), proc_status("Threads"));
}

static void
cmd_bridge_info(struct driver *d, const char *name)
{
    struct vsw_bridge br;
    int r = vsw_get_bridge(d->vsw, name, &br);

    if (r) {
        reply_status(r);
    } else if (!br.has_datapath_id) {
        printf("ok dpid=none type=%s\n", br.datapath_type);
    } else {
        printf("ok dpid=%016" PRIx64 " type=%s\n", br.datapath_id,
               br.datapath_type);
    }
}

/* Starts a write: answers at once on failure, else waits for 'txn'. */
static void
start_txn(struct driver *d, int r)
{
    if (r) {
        reply_status(r);
    } else {
        d->wait = WAIT_TXN;
    }
}

static void
cmd_vlan(struct driver *d, char **argv, int argc)
{
    struct vsw_kv kv[MAX_ARGS];
    size_t n = 0;

    for (int i = 3; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            reply_status(-EINVAL);
            return;
        }
        *eq = '\0';
        kv[n++] = (struct vsw_kv){argv[i], eq + 1};
    }
    start_txn(
        d, vsw_set_port_vlan(d->vsw, argv[1], atoi(argv[2]), kv, n, &d->txn));
}

/* Parses argv[first..] as KEY=VALUE pairs into 'kv'; -EINVAL if one is
 * not. */
static int
parse_kv(char **argv, int argc, int first, struct vsw_kv *kv, size_t *n)
{
    *n = 0;
    for (int i = first; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            return -EINVAL;
        }
        *eq = '\0';
        kv[(*n)++] = (struct vsw_kv){argv[i], eq + 1};
    }
    return 0;
}

static void
cmd_port(struct driver *d, char **argv, int argc)
{
    struct vsw_kv kv[MAX_ARGS];
    const char *type = strcmp(argv[3], "-") ? argv[3] : NULL;
    size_t n;

    if (parse_kv(argv, argc, 5, kv, &n)) {
        reply_status(-EINVAL);
        return;
    }
    start_txn(d, vsw_ensure_port(d->vsw, argv[1], argv[2], type, atoi(argv[4]),
                                 kv, n, &d->txn));
}

/* Joins argv[first..] with spaces into 'buf'. */
static void
join_args(char **argv, int argc, int first, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = first; i < argc; i++) {
        if (i > first) {
            strncat(buf, " ", size - strlen(buf) - 1);
        }
        strncat(buf, argv[i], size - strlen(buf) - 1);
    }
}

static void
cmd_flow(struct driver *d, char **argv, int argc)
{
    struct ofp_switch *sw = find_switch(d, argv[1]);
    char text[4096];
    char *error = NULL;

    if (!sw) {
        reply_status(-ENOTCONN);
        return;
    }
    join_args(argv, argc, 2, text, sizeof text);
    if (ofp_switch_flow_mod(sw, text, &error)) {
        printf("error %s\n", error);
        free(error);
    } else {
        printf("ok\n");
    }
}

/* Starts a barrier or dump on the switch of 'bridge'. */
static void
cmd_request(struct driver *d, const char *bridge, int table, bool dump)
{
    struct ofp_switch *sw = find_switch(d, bridge);

    if (!sw) {
        reply_status(-ENOTCONN);
        return;
    }
    d->req = dump ? ofp_switch_dump_flows(sw, table) : ofp_switch_barrier(sw);
    d->req_is_dump = dump;
    if (!d->req) {
        reply_status(-EINVAL);
        return;
    }
    d->wait = WAIT_REQUEST;
}

/* Executes one command line; returns false on "quit". */
static bool
execute(struct driver *d, char *line)
{
    char *argv[MAX_ARGS];
    int argc = 0;
    char *save;

    for (char *tok = strtok_r(line, " ", &save); tok && argc < MAX_ARGS;
         tok = strtok_r(NULL, " ", &save)) {
        argv[argc++] = tok;
    }
    if (!argc) {
        return true;
    }

    const char *c = argv[0];
    if (!strcmp(c, "quit")) {
        return false;
    } else if (!strcmp(c, "wait-db")) {
        d->wait = WAIT_DB;
    } else if (!strcmp(c, "manager") && argc == 2) {
        start_txn(d, vsw_ensure_manager(d->vsw, argv[1], &d->txn));
    } else if (!strcmp(c, "bridge") && argc == 6) {
        struct vsw_bridge_config cfg = {argv[2], argv[3], atoi(argv[4]),
                                        (unsigned) atoi(argv[5])};
        start_txn(d, vsw_ensure_bridge(d->vsw, argv[1], &cfg, &d->txn));
    } else if (!strcmp(c, "patch") && argc == 6) {
        start_txn(d, vsw_ensure_patch_ports(d->vsw, argv[1], argv[2], argv[3],
                                            argv[4], atoi(argv[5]), &d->txn));
    } else if (!strcmp(c, "vlan") && argc >= 3) {
        cmd_vlan(d, argv, argc);
    } else if (!strcmp(c, "port") && argc >= 5) {
        cmd_port(d, argv, argc);
    } else if (!strcmp(c, "del-port") && argc == 3) {
        start_txn(d, vsw_delete_port(d->vsw, argv[1], argv[2], &d->txn));
    } else if (!strcmp(c, "bridge-info") && argc == 2) {
        cmd_bridge_info(d, argv[1]);
    } else if (!strcmp(c, "ifaces") && argc == 2) {
        cmd_ifaces(d, argv[1]);
    } else if (!strcmp(c, "wait-switch") && argc == 2) {
        snprintf(d->wait_bridge, sizeof d->wait_bridge, "%s", argv[1]);
        d->wait = WAIT_SWITCH;
    } else if (!strcmp(c, "flow") && argc >= 3) {
        cmd_flow(d, argv, argc);
    } else if (!strcmp(c, "barrier") && argc == 2) {
        cmd_request(d, argv[1], -1, false);
    } else if (!strcmp(c, "dump") && argc == 3) {
        cmd_request(d, argv[1], atoi(argv[2]), true);
    } else if (!strcmp(c, "status")) {
        cmd_status(d);
    } else {
        printf("error unknown command or arguments: %s\n", c);
    }
    return true;
}

static void
print_dump(const struct ofp_request *req)
{
    const struct ofp_flow *flows;
    size_t n = ofp_request_flows(req, &flows);

    for (size_t i = 0; i < n; i++) {
        printf("flow table=%u priority=%u cookie=%#" PRIx64
               " n_packets=%" PRIu64 " match=%s actions=%s\n",
               flows[i].table_id, flows[i].priority, flows[i].cookie,
               flows[i].n_packets, flows[i].match, flows[i].actions);
    }
    printf("end\n");
}

/* Finishes the waiting command if its outcome is known. */
static void
check_wait(struct driver *d)
{
    int r = 0;

    switch (d->wait) {
    case WAIT_NONE:
        return;
    case WAIT_DB:
        if (!vsw_is_connected(d->vsw)) {
            return;
        }
        break;
    case WAIT_TXN:
        r = d->txn ? vsw_txn_status(d->txn) : 0;
        if (r == -EINPROGRESS) {
            return;
        }
        vsw_txn_free(d->txn);
        d->txn = NULL;
        break;
    case WAIT_SWITCH:
        if (!find_switch(d, d->wait_bridge)) {
            return;
        }
        break;
    case WAIT_REQUEST:
        r = ofp_request_status(d->req);
        if (r == -EINPROGRESS) {
            return;
        }
        if (!r && d->req_is_dump) {
            print_dump(d->req);
        } else {
            reply_status(r);
        }
        ofp_request_free(d->req);
        d->req = NULL;
        d->wait = WAIT_NONE;
        return;
    }
    d->wait = WAIT_NONE;
    reply_status(r);
}

/* Reads stdin and executes complete lines while nothing waits.  Returns
 * false on "quit" or end of input. */
static bool
read_commands(struct driver *d)
{
    while (d->wait == WAIT_NONE) {
        char *nl = memchr(d->in, '\n', d->in_len);
        if (nl) {
            *nl = '\0';
            bool go_on = execute(d, d->in);
            size_t used = nl + 1 - d->in;
            memmove(d->in, nl + 1, d->in_len - used);
            d->in_len -= used;
            if (!go_on) {
                return false;
            }
            continue;
        }
        if (d->eof) {
            return false;
        }
        ssize_t n =
            read(d->in_fd, d->in + d->in_len, sizeof d->in - d->in_len - 1);
        if (n < 0 && errno == EAGAIN) {
            break;
        }
        if (n <= 0) {
            d->eof = true;
        } else {
            d->in_len += n;
        }
    }
    return true;
}

int
main(int argc, char *argv[])
{
    struct driver d = {0};

    if (argc != 4) {
        fprintf(stderr, "usage: %s DB_REMOTE OF_ADDRESS OF_PORT\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    ovsx_init("ovs-driver");
    int r = vsw_open(argv[1], &d.vsw);
    if (!r) {
        r = ofp_controller_create(argv[2], atoi(argv[3]), &d.ctl);
    }
    if (r) {
        fprintf(stderr, "ovs-driver: %s\n", strerror(-r));
        return 1;
    }
    /* Non-blocking input: the loop must keep serving switches. */
    d.in_fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    if (d.in_fd < 0
        || fcntl(d.in_fd, F_SETFL, fcntl(d.in_fd, F_GETFL) | O_NONBLOCK)) {
        perror("ovs-driver: stdin");
        return 1;
    }

    for (;;) {
        vsw_run(d.vsw);
        ofp_controller_run(d.ctl);
        check_wait(&d);
        if (!read_commands(&d)) {
            break;
        }
        check_wait(&d);
        vsw_wait(d.vsw);
        ofp_controller_wait(d.ctl);
        if (d.wait == WAIT_NONE) {
            ovsx_poll_fd_wait(d.in_fd, POLLIN);
        }
        ovsx_poll_block();
    }
    vsw_txn_free(d.txn);
    ofp_request_free(d.req);
    ofp_controller_destroy(d.ctl);
    vsw_close(d.vsw);
    return 0;
}
