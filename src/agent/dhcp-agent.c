#include "agent/dhcp-agent.h"

#include "nl/nl-link.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent-config.h"
#include "agent/dnsmasq.h"
#include "agent/http-client.h"
#include "agent/metadata.h"
#include "agent/ovs-agent.h"
#include "agent/replica.h"
#include "core/config.h"
#include "core/ds.h"
#include "core/log.h"
#include "core/mac.h"
#include "core/util.h"
#include "core/uuid.h"
#include "nl/netns.h"
#include "nl/nl-converge.h"
#include "nl/nl-sock.h"
#include "ovs/ovsx.h"
#include "ovs/vswitch.h"

LOG_DEFINE_THIS_MODULE(dhcp_agent);

#define REQUEST_TIMEOUT 10000
#define RETRY_MS        2000  /* After a failed claim or plumbing step... */
#define RETRY_MAX_MS    30000 /* ...doubling up to this while it fails. */
#define BACKOFF_MIN_MS  100   /* Respawn delay after a quick death... */
#define BACKOFF_MAX_MS  5000  /* ...doubling up to this. */
#define STABLE_MS       10000 /* A run this long resets the delay. */
#define REAP_MS         50    /* How often helper processes are reaped. */
#define NS_PREFIX       "qdhcp-"
#define METADATA_NET    "169.254.169.254/32"

/* The files rewritten on every change (the leases file only at a start). */
enum dhcp_file { F_HOST, F_ADDN_HOSTS, F_OPTS, F_INTERFACE, F_N };
static const char *const file_names[F_N] = {"host", "addn_hosts", "opts",
                                            "interface"};

/* One network this host serves. */
struct dhcp_net {
    char *id;
    char *port_id;   /* Its DHCP port. */
    char tap[16];    /* tap<11>, on br-int. */
    char ns_dev[16]; /* ns-<11>, in the namespace. */
    char *dir;       /* state_path/dhcp/<id>. */
    bool seen;       /* Still wanted, in this reconcile. */
    char *plumbed;   /* What plumb() last made right (plumb_key()). */

    pid_t pid;      /* dnsmasq, 0: none. */
    int pidfd;      /* Readable when 'pid' ends; -1: none. */
    pid_t launcher; /* dnsmasq before it daemonized, 0: none. */
    int launcher_fd;
    char *cmdline; /* 'pid''s arguments, joined by NULs. */
    size_t cmdline_len;
    long long started, next_spawn;
    int backoff_ms;
    bool killing; /* SIGKILLed for a restart; waiting for its end. */

    struct metadata_server *md; /* 169.254.169.254:80, or NULL. */
    struct vsw_txn *port_txn;
    long long next_try; /* Of the claim or plumbing after a failure. */
    int retry_ms;       /* The delay after the next failure. */
    bool busy;          /* A claim or status call is in flight. */
};

struct dhcp_agent {
    const struct agent_config *cfg;
    struct vsw *vsw;
    struct replica *replica;
    struct hclient *client;
    const struct ovs_agent *ovs;
    struct nl_sock *nl; /* In the agent's own namespace. */

    struct dhcp_net **nets;
    size_t n_nets;
    pid_t *helpers; /* dhcp_release runs not yet reaped. */
    size_t n_helpers;

    unsigned int replica_seqno;
    bool dirty, swept;
    long long next_report, next_retry;
    bool reporting, started;
    bool awaiting_wiring; /* A DHCP port waits for the OVS role. */
};

static const char *
str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* For cleanup steps whose failure changes nothing (the next pass looks
 * again). */
static void
ignore_error(int r)
{
    (void) r;
}

/* ---- Names. ---- */

static char *
netns_name(const char *net_id)
{
    return xasprintf(NS_PREFIX "%s", net_id);
}

/* ---- Creation. ---- */

struct dhcp_agent *
dhcp_agent_create(const struct agent_config *cfg, struct vsw *vsw,
                  struct replica *replica, struct hclient *client,
                  const struct ovs_agent *ovs)
{
    struct dhcp_agent *a = xcalloc(1, sizeof *a);
    int r;

    a->cfg = cfg;
    a->vsw = vsw;
    a->replica = replica;
    a->client = client;
    a->ovs = ovs;
    a->dirty = true;
    r = nl_sock_open(&a->nl);
    if (r) {
        log_error("cannot open rtnetlink: %s", strerror(-r));
    }
    return a;
}

static void
net_free(struct dhcp_net *n)
{
    if (n->pidfd >= 0) {
        close(n->pidfd);
    }
    if (n->launcher_fd >= 0) {
        close(n->launcher_fd);
    }
    vsw_txn_free(n->port_txn);
    metadata_server_destroy(n->md);
    free(n->id);
    free(n->port_id);
    free(n->dir);
    free(n->cmdline);
    free(n->plumbed);
    free(n);
}

void
dhcp_agent_destroy(struct dhcp_agent *a)
{
    if (a) {
        for (size_t i = 0; i < a->n_nets; i++) {
            net_free(a->nets[i]);
        }
        free(a->nets);
        free(a->helpers);
        nl_sock_close(a->nl);
        free(a);
    }
}

/* ---- Processes. ---- */

static int
pidfd_open(pid_t pid)
{
    return (int) syscall(SYS_pidfd_open, pid, 0);
}

/* Starts 'argv' inside namespace 'netns_fd' (its PATH lookup as execvp)
 * with none of our descriptors beyond stdout and stderr.  Returns the
 * child's pid or a negative errno. */
static pid_t
spawn_in_netns(int netns_fd, char **argv)
{
    /* vfork: the child only makes system calls before exec, and copying a
     * big (sanitized) agent's page tables a thousand times would stall
     * the loop. */
    pid_t pid = vfork();
    sigset_t all;

    if (pid) {
        return pid < 0 ? -errno : pid;
    }
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    if (setns(netns_fd, CLONE_NEWNET)) {
        _exit(126);
    }
    int null = open("/dev/null", O_RDONLY);
    if (null > 0) {
        dup2(null, 0);
    }
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    execvp(argv[0], argv);
    _exit(127);
}

/* Reads /proc/PID/cmdline: malloc'd, NUL-separated, length in '*len';
 * NULL if the process is gone. */
static char *
read_cmdline(pid_t pid, size_t *len)
{
    char path[64], *buf = xmalloc(65536);
    int fd;
    ssize_t n;

    snprintf(path, sizeof path, "/proc/%d/cmdline", (int) pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    n = fd < 0 ? -1 : read(fd, buf, 65536);
    if (fd >= 0) {
        close(fd);
    }
    if (n <= 0) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* 'argv' joined by NULs, as /proc/PID/cmdline shows it. */
static char *
join_argv(char **argv, size_t *len)
{
    size_t total = 0;
    char *buf;

    for (size_t i = 0; argv[i]; i++) {
        total += strlen(argv[i]) + 1;
    }
    buf = xmalloc(total + 1);
    total = 0;
    for (size_t i = 0; argv[i]; i++) {
        size_t l = strlen(argv[i]) + 1;
        memcpy(buf + total, argv[i], l);
        total += l;
    }
    *len = total;
    return buf;
}

static char *
read_file(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name), *buf = NULL;
    FILE *f = fopen(path, "re");

    if (f) {
        struct ds ds;
        char chunk[4096];
        size_t n;

        ds_init(&ds);
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
            ds_put_buf(&ds, chunk, n);
        }
        fclose(f);
        buf = ds_steal(&ds);
    }
    free(path);
    return buf;
}

/* The dnsmasq of the pid file in 'dir', if it still runs with a command
 * line naming 'dir' (a recycled pid names something else). */
static pid_t
pid_from_file(const char *dir)
{
    char *text = read_file(dir, "pid"), *cmd;
    pid_t pid = text ? (pid_t) atoi(text) : 0;
    size_t len = 0;
    bool ours = false;

    free(text);
    if (pid <= 1) {
        return 0;
    }
    cmd = read_cmdline(pid, &len);
    for (size_t off = 0; cmd && off < len; off += strlen(cmd + off) + 1) {
        ours = ours || strstr(cmd + off, dir);
    }
    free(cmd);
    return ours ? pid : 0;
}

/* Forgets 'n''s dnsmasq (it ended). */
static void
forget_dnsmasq(struct dhcp_net *n)
{
    if (n->pidfd >= 0) {
        close(n->pidfd);
    }
    n->pidfd = -1;
    n->pid = 0;
    n->killing = false;
    free(n->cmdline);
    n->cmdline = NULL;
}

/* Watches dnsmasq 'pid', which runs 'cmdline'. */
static void
adopt_dnsmasq(struct dhcp_net *n, pid_t pid)
{
    n->pid = pid;
    n->pidfd = pidfd_open(pid);
    free(n->cmdline);
    n->cmdline = read_cmdline(pid, &n->cmdline_len);
    if (n->pidfd < 0 || !n->cmdline) {
        forget_dnsmasq(n);
    }
}

static void
kill_dnsmasq(struct dhcp_net *n)
{
    if (n->pid && !n->killing) {
        kill(n->pid, SIGKILL);
        n->killing = true;
    }
}

/* Notices a launcher that ended (dnsmasq daemonized or failed) and a
 * dnsmasq that died.  Returns true if something changed. */
static bool
reap_net(struct dhcp_net *n)
{
    struct pollfd pfd = {.fd = n->launcher_fd, .events = POLLIN};
    long long now = ovsx_time_msec();
    bool changed = false;
    int status;

    if (n->launcher && poll(&pfd, 1, 0) > 0
        && waitpid(n->launcher, &status, WNOHANG) == n->launcher) {
        close(n->launcher_fd);
        n->launcher_fd = -1;
        n->launcher = 0;
        pid_t pid = pid_from_file(n->dir);
        if (WIFEXITED(status) && !WEXITSTATUS(status) && pid) {
            adopt_dnsmasq(n, pid);
            log_info("network %s: dnsmasq %d serves", n->id, (int) pid);
        } else {
            log_warn("network %s: dnsmasq failed to start (status %d)", n->id,
                     status);
            n->next_spawn = now + n->backoff_ms;
            n->backoff_ms = MIN(n->backoff_ms * 2, BACKOFF_MAX_MS);
        }
        changed = true;
    }
    pfd.fd = n->pidfd;
    if (n->pid && poll(&pfd, 1, 0) > 0) {
        if (!n->killing) {
            log_warn("network %s: dnsmasq %d died, respawning", n->id,
                     (int) n->pid);
            if (now - n->started >= STABLE_MS) {
                n->backoff_ms = BACKOFF_MIN_MS;
            } else {
                n->next_spawn = now + n->backoff_ms;
                n->backoff_ms = MIN(n->backoff_ms * 2, BACKOFF_MAX_MS);
            }
        }
        forget_dnsmasq(n);
        changed = true;
    }
    return changed;
}

static void
reap_helpers(struct dhcp_agent *a)
{
    size_t j = 0;

    for (size_t i = 0; i < a->n_helpers; i++) {
        if (waitpid(a->helpers[i], NULL, WNOHANG) == 0) {
            a->helpers[j++] = a->helpers[i];
        }
    }
    a->n_helpers = j;
}

/* ---- Files. ---- */

static int
mkdir_p(const char *path)
{
    char *copy = xstrdup(path);
    int r = 0;

    for (char *p = copy + 1; *p && !r; p++) {
        if (*p == '/') {
            *p = '\0';
            r = mkdir(copy, 0755) && errno != EEXIST ? -errno : 0;
            *p = '/';
        }
    }
    if (!r && mkdir(copy, 0755) && errno != EEXIST) {
        r = -errno;
    }
    free(copy);
    return r;
}

/* Writes 'text' to 'dir'/'name' through a temporary file and a rename, so
 * dnsmasq never reads half a file.  Returns 1 if it changed, 0 if it was
 * right already, or a negative errno. */
static int
write_atomically(const char *dir, const char *name, const char *text)
{
    char *old = read_file(dir, name);
    char *path, *tmp;
    size_t len = strlen(text);
    int fd, r = 0;

    if (old && !strcmp(old, text)) {
        free(old);
        return 0;
    }
    free(old);
    path = xasprintf("%s/%s", dir, name);
    tmp = xasprintf("%s/.%s.tmp", dir, name);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, text, len) != (ssize_t) len || close(fd)
        || rename(tmp, path)) {
        r = -errno;
        if (fd >= 0) {
            unlink(tmp);
        }
    }
    free(path);
    free(tmp);
    return r ? r : 1;
}

static void
remove_dir(const char *dir)
{
    static const char *const all[] = {"host",   "addn_hosts", "opts",
                                      "leases", "pid",        "interface"};

    for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
        char *path = xasprintf("%s/%s", dir, all[i]);
        unlink(path);
        free(path);
    }
    rmdir(dir);
}

/* ---- The namespace and its port. ---- */

/* Turns TX checksum offload off on 'dev' (seen through 'sock'): a veth
 * that feeds the userspace datapath would otherwise deliver DHCP replies
 * with unfilled checksums, which clients drop. */
static void
tx_csum_off(int sock, const char *dev)
{
    struct ethtool_value ev = {.cmd = ETHTOOL_STXCSUM, .data = 0};
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", dev);
    ifr.ifr_data = (void *) &ev;
    if (sock < 0 || ioctl(sock, SIOCETHTOOL, &ifr)) {
        log_warn("%s: cannot turn TX checksum offload off, ignoring", dev);
    }
}

/* Creates the veth pair: ns_dev inside, tap outside (a stale tap goes
 * first: its peer vanished with an old namespace). */
static int
make_veth(struct dhcp_agent *a, struct dhcp_net *n, int ns_fd)
{
    struct nl_link tap;
    int r, sock;

    if (!nl_link_get_by_name(a->nl, n->tap, &tap)) {
        ignore_error(nl_link_delete(a->nl, tap.index));
    }
    r = nl_link_add_veth(a->nl, n->ns_dev, ns_fd, n->tap, -1);
    if (r) {
        return r;
    }
    sock = netns_socket(ns_fd, AF_INET, SOCK_DGRAM, 0);
    tx_csum_off(sock, n->ns_dev);
    if (sock >= 0) {
        close(sock);
    }
    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    tx_csum_off(sock, n->tap);
    if (sock >= 0) {
        close(sock);
    }
    log_info("network %s: veth %s / %s created", n->id, n->tap, n->ns_dev);
    return 0;
}

/* The addresses and routes the namespace's port must have. */
static size_t
desired_l3(const struct dhcp_agent *a, json_t *port, json_t *subnets,
           int index, struct ip_net *addrs, size_t max,
           struct nl_route routes[2], size_t *n_routes)
{
    size_t n = 0, i;
    json_t *fip;
    struct ip_net link_local;

    *n_routes = 0;
    (void) ipnet_parse("fe80::/10", &link_local);
    json_array_foreach (json_object_get(port, "fixed_ips"), i, fip) {
        json_t *sub = NULL, *s;
        size_t j;
        struct ip_net net;
        struct ip_addr ip, gw;

        json_array_foreach (subnets, j, s) {
            if (str(fip, "subnet_id")
                && !strcmp(str(s, "id"), str(fip, "subnet_id"))) {
                sub = s;
            }
        }
        if (!sub || n >= max || ipnet_parse(str(sub, "cidr"), &net)
            || ip_parse(str(fip, "ip_address"), &ip)) {
            continue;
        }
        addrs[n++] = (struct ip_net){ip, net.prefixlen};
        /* One default route per IP version, via the first subnet's
         * gateway that is on the link. */
        if (str(sub, "gateway_ip") && !ip_parse(str(sub, "gateway_ip"), &gw)
            && (ipnet_contains(&net, &gw) || ipnet_contains(&link_local, &gw))
            && !(*n_routes && routes[0].dst.addr.version == gw.version)) {
            struct ip_net any = {{gw.version, 0}, 0};
            nl_route_init(&routes[(*n_routes)++], &any, &gw, index);
        }
    }
    if (n < max
        && (a->cfg->enable_isolated_metadata || a->cfg->force_metadata)) {
        (void) ipnet_parse(METADATA_NET, &addrs[n++]);
    }
    return n;
}

/* Namespace, veth, MAC, MTU, addresses and route of 'n', converged. */
static int
plumb(struct dhcp_agent *a, struct dhcp_net *n, json_t *network,
      json_t *subnets, json_t *port)
{
    char *name = netns_name(n->id);
    struct nl_sock *ns = NULL;
    struct nl_link link, lo;
    struct ip_net addrs[16];
    struct nl_route routes[2];
    size_t n_routes;
    uint8_t mac[6];
    int fd = -1, r;
    uint32_t mtu = json_integer_value(json_object_get(network, "mtu"));

    r = netns_open(name, &fd);
    if (r == -ENOENT) {
        r = netns_add(name);
        r = r ? r : netns_open(name, &fd);
        log_info("namespace %s created", name);
    }
    if (!r) {
        ignore_error(netns_sysctl_set(fd, "net/ipv4/ip_nonlocal_bind", "1"));
        ignore_error(
            netns_sysctl_set(fd, "net/ipv6/conf/default/accept_ra", "0"));
        ignore_error(netns_sysctl_set(fd,
                                      "net/ipv4/conf/default/"
                                      "promote_secondaries",
                                      "1"));
        r = nl_sock_open_netns(fd, &ns);
    }
    if (!r && nl_link_get_by_name(ns, n->ns_dev, &link)) {
        r = make_veth(a, n, fd);
        r = r ? r : nl_link_get_by_name(ns, n->ns_dev, &link);
    }
    if (!r && mac_parse(str(port, "mac_address"), mac)) {
        r = -EINVAL;
    }
    if (!r) {
        struct nl_link_change ch = NL_LINK_CHANGE_INIT;
        ch.up = 1;
        ch.mtu = mtu;
        ch.mac = link.has_mac && !memcmp(link.mac, mac, 6) ? NULL : mac;
        if (!(link.flags & IFF_UP) || ch.mac || (mtu && link.mtu != mtu)) {
            r = nl_link_change(ns, link.index, &ch);
        }
    }
    if (!r && !nl_link_get_by_name(ns, "lo", &lo) && !(lo.flags & IFF_UP)) {
        r = nl_link_set_up(ns, lo.index, true);
    }
    if (!r) {
        struct nl_link tap;
        struct nl_link_change ch = NL_LINK_CHANGE_INIT;
        ch.up = 1;
        ch.mtu = mtu;
        r = nl_link_get_by_name(a->nl, n->tap, &tap);
        if (!r && (!(tap.flags & IFF_UP) || (mtu && tap.mtu != mtu))) {
            r = nl_link_change(a->nl, tap.index, &ch);
        }
    }
    if (!r) {
        size_t n_addrs = desired_l3(a, port, subnets, link.index, addrs,
                                    ARRAY_SIZE(addrs), routes, &n_routes);
        r = nl_converge_link(ns, link.index, addrs, n_addrs, routes, n_routes);
        r = r > 0 ? 0 : r;
    }
    if (r) {
        log_warn("network %s: namespace %s not converged: %s", n->id, name,
                 strerror(-r));
    }
    nl_sock_close(ns);
    if (fd >= 0) {
        close(fd);
    }
    free(name);
    return r;
}

/* Puts the tap on br-int as os-vif would, on the dead VLAN until the OVS
 * role tags it. */
static void
plug_tap(struct dhcp_agent *a, struct dhcp_net *n, json_t *port)
{
    struct vsw_kv kv[] = {
        {"iface-id", n->port_id},
        {"iface-status", "active"},
        {"attached-mac", str(port, "mac_address")},
    };

    if (n->port_txn) {
        int r = vsw_txn_status(n->port_txn);
        if (r == -EINPROGRESS) {
            return;
        }
        vsw_txn_free(n->port_txn);
        n->port_txn = NULL;
    }
    if (vsw_ensure_port(a->vsw, a->cfg->integration_bridge, n->tap, NULL, 4095,
                        kv, ARRAY_SIZE(kv), &n->port_txn)) {
        log_warn("network %s: cannot put %s on %s", n->id, n->tap,
                 a->cfg->integration_bridge);
    }
}

/* Opens the metadata listener 169.254.169.254:80 in the namespace. */
static void
start_metadata(struct dhcp_agent *a, struct dhcp_net *n)
{
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons(80),
                              .sin_addr.s_addr = htonl(0xa9fea9fe)};
    char *name = netns_name(n->id);
    int fd = -1, sock = -1, one = 1;

    if (!netns_open(name, &fd)) {
        sock = netns_socket(fd, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        close(fd);
    }
    if (sock < 0
        || setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
        || bind(sock, (struct sockaddr *) &sin, sizeof sin)
        || listen(sock, 128)) {
        log_warn("network %s: no metadata listener: %s", n->id,
                 strerror(errno));
        if (sock >= 0) {
            close(sock);
        }
    } else {
        const struct agent_config *c = a->cfg;
        char *nova = c->nova_metadata_host && c->metadata_proxy_shared_secret
                         ? xasprintf("http://%s:%d", c->nova_metadata_host,
                                     c->nova_metadata_port)
                         : NULL;
        n->md = metadata_server_create(sock, n->id, a->replica, nova,
                                       c->metadata_proxy_shared_secret);
        free(nova);
    }
    free(name);
}

/* ---- dnsmasq. ---- */

static void
dnsmasq_config_of(const struct dhcp_agent *a, const struct dhcp_net *n,
                  struct dnsmasq_config *dc)
{
    *dc = (struct dnsmasq_config){
        .dir = n->dir,
        .domain = a->cfg->dhcp_domain,
        .lease_duration = a->cfg->dhcp_lease_duration,
        .lease_max = a->cfg->dnsmasq_lease_max,
        .dns_servers = a->cfg->dnsmasq_dns_servers,
        .n_dns_servers = strv_length(a->cfg->dnsmasq_dns_servers),
        .isolated_metadata = a->cfg->enable_isolated_metadata,
        .force_metadata = a->cfg->force_metadata,
    };
}

static bool
host_in(const struct dnsmasq_host *h, const struct dnsmasq_host *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(h->ip, v[i].ip) && !strcmp(h->mac, v[i].mac)) {
            return true;
        }
    }
    return false;
}

/* Releases, with dhcp_release as Neutron does, the leases dnsmasq holds
 * (its leases file) for hosts 'new_hosts' no longer has.  (Neutron also
 * tries every host that left the host file, leased or not: a process
 * each, releasing nothing.) */
static void
release_stale(struct dhcp_agent *a, struct dhcp_net *n, const char *new_hosts)
{
    char *leases = read_file(n->dir, "leases");
    struct dnsmasq_host *held = NULL, *cur = NULL;
    size_t n_held = dnsmasq_parse_hosts(leases, true, &held);
    size_t n_cur = dnsmasq_parse_hosts(new_hosts, false, &cur);
    char *name = netns_name(n->id);
    int fd = -1;

    for (size_t i = 0; i < n_held; i++) {
        struct dnsmasq_host *h = &held[i];
        char *argv[] = {"dhcp_release", n->ns_dev, h->ip, h->mac, NULL};
        pid_t pid;

        if (host_in(h, cur, n_cur) || (fd < 0 && netns_open(name, &fd))) {
            continue;
        }
        pid = spawn_in_netns(fd, argv);
        if (pid > 0) {
            a->helpers =
                xrealloc(a->helpers, (a->n_helpers + 1) * sizeof *a->helpers);
            a->helpers[a->n_helpers++] = pid;
            log_info("network %s: lease of %s (%s) released", n->id, h->ip,
                     h->mac);
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    free(name);
    free(leases);
    free(held);
    free(cur);
}

/* Writes the files; returns true if dnsmasq must re-read them. */
static bool
write_files(struct dhcp_agent *a, struct dhcp_net *n, json_t *subnets,
            json_t *port)
{
    struct dnsmasq_config dc;
    json_t *ports = replica_ports(a->replica);
    char *text[F_N];
    bool changed = false, hosts_changed = false;
    int r = mkdir_p(n->dir);

    dnsmasq_config_of(a, n, &dc);
    text[F_HOST] = dnsmasq_hosts(&dc, subnets, ports);
    text[F_ADDN_HOSTS] = dnsmasq_addn_hosts(&dc, subnets, ports);
    text[F_OPTS] = dnsmasq_opts(&dc, subnets, ports, port);
    text[F_INTERFACE] = xstrdup(n->ns_dev);
    for (int i = 0; i < F_N; i++) {
        r = r ? r : write_atomically(n->dir, file_names[i], text[i]);
        changed = changed || r > 0;
        hosts_changed = hosts_changed || (i == F_HOST && r > 0);
        r = r > 0 ? 0 : r;
    }
    if (r) {
        log_warn("network %s: cannot write %s: %s", n->id, n->dir,
                 strerror(-r));
    }
    if (n->pid && hosts_changed) {
        release_stale(a, n, text[F_HOST]);
    }
    for (int i = 0; i < F_N; i++) {
        free(text[i]);
    }
    return changed;
}

static void
spawn_dnsmasq(struct dhcp_agent *a, struct dhcp_net *n, char **argv,
              json_t *subnets)
{
    struct dnsmasq_config dc;
    char *name = netns_name(n->id), *leases;
    int fd = -1;
    pid_t pid;

    dnsmasq_config_of(a, n, &dc);
    leases =
        dnsmasq_leases(&dc, subnets, replica_ports(a->replica), time(NULL));
    if (write_atomically(n->dir, "leases", leases) >= 0
        && !netns_open(name, &fd)) {
        pid = spawn_in_netns(fd, argv);
        if (pid > 0) {
            n->launcher = pid;
            n->launcher_fd = pidfd_open(pid);
            n->started = ovsx_time_msec();
        }
        close(fd);
    }
    free(leases);
    free(name);
}

/* Makes dnsmasq run with 'argv': adopts one running it, restarts one
 * running something else, starts one if none runs; SIGHUP if the files
 * changed. */
static void
ensure_dnsmasq(struct dhcp_agent *a, struct dhcp_net *n, json_t *network,
               json_t *subnets, bool files_changed)
{
    struct dnsmasq_config dc;
    char **argv;
    char *want;
    size_t want_len;

    if (n->launcher || n->killing) {
        return;
    }
    dnsmasq_config_of(a, n, &dc);
    argv = dnsmasq_argv(&dc, network, subnets);
    want = join_argv(argv, &want_len);
    if (!n->pid) {
        pid_t pid = pid_from_file(n->dir);
        if (pid) {
            adopt_dnsmasq(n, pid);
            log_info("network %s: dnsmasq %d adopted", n->id, (int) pid);
        }
    }
    if (n->pid
        && (n->cmdline_len != want_len
            || memcmp(n->cmdline, want, want_len))) {
        log_info("network %s: dnsmasq's options changed, restarting", n->id);
        kill_dnsmasq(n);
    } else if (n->pid && files_changed) {
        kill(n->pid, SIGHUP);
    } else if (!n->pid && ovsx_time_msec() >= n->next_spawn) {
        spawn_dnsmasq(a, n, argv, subnets);
    }
    free(want);
    dnsmasq_argv_free(argv);
}

/* ---- Talking to the server. ---- */

/* A request about one network. */
struct net_call {
    struct dhcp_agent *agent;
    char *net_id;
};

static struct dhcp_net *
find_net(struct dhcp_agent *a, const char *id)
{
    for (size_t i = 0; i < a->n_nets; i++) {
        if (!strcmp(a->nets[i]->id, id)) {
            return a->nets[i];
        }
    }
    return NULL;
}

static void
on_call(void *aux, long status, json_t *body)
{
    struct net_call *c = aux;
    struct dhcp_net *n;

    if (status >= 0 && (n = find_net(c->agent, c->net_id))) {
        n->busy = false;
        if (json_object_get(body, "port")) {
            replica_put_port(c->agent->replica, json_object_get(body, "port"));
        }
        if (status != 200 && status != 204) {
            log_warn("network %s: DHCP port call failed (HTTP %ld), again "
                     "in %d ms",
                     n->id, status, n->retry_ms);
            n->next_try = ovsx_time_msec() + n->retry_ms;
            n->retry_ms = MIN(n->retry_ms * 2, RETRY_MAX_MS);
        } else {
            n->retry_ms = RETRY_MS;
        }
        c->agent->dirty = true;
    }
    free(c->net_id);
    free(c);
}

static void
call(struct dhcp_agent *a, struct dhcp_net *n, const char *method,
     const char *verb, json_t *body)
{
    struct net_call *c = xcalloc(1, sizeof *c);
    char *path = xasprintf("/neutrino/v1/ports/%s/%s", n->port_id, verb);

    c->agent = a;
    c->net_id = xstrdup(n->id);
    n->busy = true;
    hclient_request(a->client, method, path, body, REQUEST_TIMEOUT, on_call,
                    c);
    free(path);
}

/* True if the DHCP port is claimed by this host's device. */
static bool
claimed(struct dhcp_agent *a, json_t *port, const char *device_id)
{
    const char *dev = str(port, "device_id");
    const char *host = str(port, "binding:host_id");
    const char *vif = str(port, "binding:vif_type");

    return dev && !strcmp(dev, device_id) && host
           && !strcmp(host, a->cfg->host) && vif && !strcmp(vif, "ovs");
}

static void
on_report(void *aux, long status, json_t *body)
{
    struct dhcp_agent *a = aux;
    const char *state = json_string_value(json_object_get(body, "state"));

    if (status < 0) {
        return;
    }
    a->reporting = false;
    if (status != 200) {
        log_warn("state report failed (HTTP %ld)", status);
        a->next_report = ovsx_time_msec() + 1000;
        return;
    }
    a->started = true;
    if (state && !strcmp(state, "revived")) {
        replica_resync(a->replica);
    }
}

static void
on_metadata_report(void *aux, long status, json_t *body)
{
    if (status > 0 && status != 200) {
        log_warn("metadata agent state report failed (HTTP %ld)", status);
    }
}

static void
report_state(struct dhcp_agent *a)
{
    json_int_t n_subnets = 0, n_ports = 0;

    for (size_t i = 0; i < a->n_nets; i++) {
        json_t *subs =
            dnsmasq_subnets(replica_subnets(a->replica), a->nets[i]->id);
        const char *id;
        json_t *port;

        n_subnets += json_array_size(subs);
        json_decref(subs);
        json_object_foreach (replica_ports(a->replica), id, port) {
            const char *net = str(port, "network_id");
            n_ports += net && !strcmp(net, a->nets[i]->id);
        }
    }
    hclient_request(
        a->client, "POST", "/neutrino/v1/agents/report",
        json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:i, s:b, "
                  "s:I, s:I, s:I}}}",
                  "agent_state", "binary", "neutrino-agent", "host",
                  a->cfg->host, "topic", "dhcp_agent", "agent_type",
                  "DHCP agent", "availability_zone", "nova", "start_flag",
                  !a->started, "configurations", "dhcp_driver", "dnsmasq",
                  "dhcp_lease_duration", a->cfg->dhcp_lease_duration,
                  "log_agent_heartbeats", false, "networks",
                  (json_int_t) a->n_nets, "subnets", n_subnets, "ports",
                  n_ports),
        REQUEST_TIMEOUT, on_report, a);
    a->reporting = true;
    a->next_report = ovsx_time_msec() + a->cfg->report_interval * 1000LL;
    if (a->cfg->enable_isolated_metadata || a->cfg->force_metadata) {
        hclient_request(
            a->client, "POST", "/neutrino/v1/agents/report",
            json_pack("{s:{s:s, s:s, s:s, s:s, s:b, s:{s:s, s:b}}}",
                      "agent_state", "binary", "neutrino-agent", "host",
                      a->cfg->host, "topic", "N/A", "agent_type",
                      "Metadata agent", "start_flag", !a->started,
                      "configurations", "metadata_proxy_socket", "in-process",
                      "log_agent_heartbeats", false),
            REQUEST_TIMEOUT, on_metadata_report, a);
    }
}

/* ---- Reconciling. ---- */

/* The DHCP port the server gave this host's device on network 'net_id'
 * (dhcp-sched.h on the server: the port says which agents host the
 * network), or NULL. */
static json_t *
dhcp_port_of(struct dhcp_agent *a, const char *net_id, const char *device_id)
{
    const char *id;
    json_t *port;

    json_object_foreach (replica_ports(a->replica), id, port) {
        const char *owner = str(port, "device_owner");
        const char *net = str(port, "network_id");
        const char *dev = str(port, "device_id");
        if (owner && !strcmp(owner, "network:dhcp") && net
            && !strcmp(net, net_id) && dev && !strcmp(dev, device_id)) {
            return port;
        }
    }
    return NULL;
}

static struct dhcp_net *
net_new(struct dhcp_agent *a, const char *id, json_t *port)
{
    struct dhcp_net *n = xcalloc(1, sizeof *n);
    const char *port_id = str(port, "id");

    n->id = xstrdup(id);
    n->port_id = xstrdup(port_id);
    snprintf(n->tap, sizeof n->tap, "tap%.11s", port_id);
    snprintf(n->ns_dev, sizeof n->ns_dev, "ns-%.11s", port_id);
    n->dir = xasprintf("%s/dhcp/%s", a->cfg->state_path, id);
    n->pidfd = n->launcher_fd = -1;
    n->backoff_ms = BACKOFF_MIN_MS;
    n->retry_ms = RETRY_MS;
    a->nets = xrealloc(a->nets, (a->n_nets + 1) * sizeof *a->nets);
    a->nets[a->n_nets++] = n;
    return n;
}

/* Everything of network 'id' goes: dnsmasq, tap, namespace, files.
 * 'tap' may be NULL when unknown (a namespace left by an earlier run). */
static void
teardown(struct dhcp_agent *a, const char *id, const char *dir, pid_t pid,
         const char *tap)
{
    char *name = netns_name(id);
    struct nl_link link;
    int r;

    if (pid) {
        kill(pid, SIGKILL);
    }
    if (tap) {
        if (!nl_link_get_by_name(a->nl, tap, &link)) {
            ignore_error(nl_link_delete(a->nl, link.index));
        }
        ignore_error(
            vsw_delete_port(a->vsw, a->cfg->integration_bridge, tap, NULL));
    }
    r = netns_delete(name);
    if (r && r != -ENOENT) {
        log_warn("cannot delete namespace %s: %s", name, strerror(-r));
    }
    remove_dir(dir);
    log_info("network %s: DHCP removed", id);
    free(name);
}

/* What the namespace's plumbing depends on: once it is right for a key,
 * events that leave the key alone (other ports) skip plumb(). */
static char *
plumb_key(json_t *network, json_t *subnets, json_t *port)
{
    json_t *k = json_pack("{s:O?, s:O?, s:O?, s:[]}", "mtu",
                          json_object_get(network, "mtu"), "mac",
                          json_object_get(port, "mac_address"), "ips",
                          json_object_get(port, "fixed_ips"), "subnets");
    char *text;
    size_t i;
    json_t *sub;

    json_array_foreach (subnets, i, sub) {
        json_array_append_new(json_object_get(k, "subnets"),
                              json_pack("{s:O?, s:O?}", "cidr",
                                        json_object_get(sub, "cidr"), "gw",
                                        json_object_get(sub, "gateway_ip")));
    }
    text = json_dumps(k, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(k);
    return text;
}

/* Serves network 'n': claim, plumbing, files, dnsmasq, status. */
static void
serve(struct dhcp_agent *a, struct dhcp_net *n, json_t *network,
      json_t *subnets, json_t *port, const char *device_id)
{
    long long now = ovsx_time_msec();
    char *key;

    if (n->busy || now < n->next_try) {
        return;
    }
    if (!claimed(a, port, device_id)) {
        call(a, n, "POST", "bind",
             json_pack("{s:s, s:s}", "host", a->cfg->host, "device_id",
                       device_id));
        return;
    }
    key = plumb_key(network, subnets, port);
    if (!n->plumbed || strcmp(n->plumbed, key)) {
        if (plumb(a, n, network, subnets, port)) {
            n->next_try = now + n->retry_ms;
            n->retry_ms = MIN(n->retry_ms * 2, RETRY_MAX_MS);
            free(key);
            return;
        }
        free(n->plumbed);
        n->plumbed = key;
        n->retry_ms = RETRY_MS;
    } else {
        free(key);
    }
    if (!n->md
        && (a->cfg->enable_isolated_metadata || a->cfg->force_metadata)) {
        start_metadata(a, n);
    }
    plug_tap(a, n, port);
    ensure_dnsmasq(a, n, network, subnets, write_files(a, n, subnets, port));
}

/* Namespaces of networks no longer served, left by an earlier run. */
static void
sweep(struct dhcp_agent *a)
{
    char **names = NULL;
    size_t n = 0;

    if (netns_list(&names, &n)) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = names[i] + strlen(NS_PREFIX);
        char *dir;

        if (!str_startswith(names[i], NS_PREFIX) || find_net(a, id)) {
            continue;
        }
        dir = xasprintf("%s/dhcp/%s", a->cfg->state_path, id);
        teardown(a, id, dir, pid_from_file(dir), NULL);
        free(dir);
    }
    netns_names_free(names, n);
    a->swept = true;
}

static void
reconcile(struct dhcp_agent *a)
{
    json_t *networks = replica_networks(a->replica), *network;
    const char *id;
    size_t j = 0;

    for (size_t i = 0; i < a->n_nets; i++) {
        a->nets[i]->seen = false;
    }
    json_object_foreach (networks, id, network) {
        json_t *subnets = dnsmasq_subnets(replica_subnets(a->replica), id);
        char *device_id = uuid_dhcp_device_id(a->cfg->host, id);
        json_t *port = dhcp_port_of(a, id, device_id);
        struct dhcp_net *n = find_net(a, id);

        if (json_array_size(subnets) && port && str(port, "id")) {
            if (n && strcmp(n->port_id, str(port, "id"))) {
                n->seen = false; /* A new DHCP port: start afresh. */
                a->dirty = true;
            } else {
                n = n ? n : net_new(a, id, port);
                n->seen = true;
                serve(a, n, network, subnets, port, device_id);
            }
        }
        free(device_id);
        json_decref(subnets);
    }
    for (size_t i = 0; i < a->n_nets; i++) {
        struct dhcp_net *n = a->nets[i];
        if (n->seen) {
            a->nets[j++] = n;
        } else {
            teardown(a, n->id, n->dir, n->pid, n->tap);
            net_free(n);
        }
    }
    a->n_nets = j;
    if (!a->swept) {
        sweep(a);
    }
}

/* Reports DHCP ports ACTIVE once dnsmasq serves and the port is wired. */
static void
report_ports(struct dhcp_agent *a)
{
    a->awaiting_wiring = false;
    for (size_t i = 0; i < a->n_nets; i++) {
        struct dhcp_net *n = a->nets[i];
        json_t *port = replica_port(a->replica, n->port_id);
        const char *status = str(port, "status");

        if (!a->started || !n->pid || n->killing || n->busy || !port
            || (status && !strcmp(status, "ACTIVE"))) {
            continue;
        }
        a->awaiting_wiring = true;
        if (ovs_agent_port_wired(a->ovs, n->port_id)) {
            call(a, n, "PUT", "status",
                 json_pack("{s:s, s:s}", "host", a->cfg->host, "status",
                           "ACTIVE"));
        }
    }
}

void
dhcp_agent_run(struct dhcp_agent *a)
{
    long long now = ovsx_time_msec();
    unsigned int rs = replica_seqno(a->replica);

    if (!a->reporting && now >= a->next_report) {
        report_state(a);
    }
    reap_helpers(a);
    a->next_retry = 0;
    for (size_t i = 0; i < a->n_nets; i++) {
        struct dhcp_net *n = a->nets[i];
        long long *timers[] = {&n->next_try, &n->next_spawn};

        a->dirty |= reap_net(n);
        if (n->md) {
            metadata_server_run(n->md);
        }
        for (size_t t = 0; t < ARRAY_SIZE(timers); t++) {
            long long due = *timers[t];
            if (due && due <= now) {
                *timers[t] = 0;
                a->dirty = true;
            } else if (due) {
                a->next_retry = a->next_retry ? MIN(a->next_retry, due) : due;
            }
        }
    }
    if (!a->nl || !replica_is_synced(a->replica)
        || !vsw_is_connected(a->vsw)) {
        return;
    }
    if (a->dirty || rs != a->replica_seqno) {
        a->dirty = false;
        a->replica_seqno = rs;
        reconcile(a);
    }
    report_ports(a);
}

void
dhcp_agent_wait(struct dhcp_agent *a)
{
    bool pending = a->n_helpers > 0;

    if (a->dirty) {
        ovsx_poll_immediate_wake();
    }
    if (!a->reporting) {
        ovsx_poll_timer_wait_until(a->next_report);
    }
    if (a->next_retry) {
        ovsx_poll_timer_wait_until(a->next_retry);
    }
    for (size_t i = 0; i < a->n_nets; i++) {
        struct dhcp_net *n = a->nets[i];
        if (n->launcher_fd > 0) {
            ovsx_poll_fd_wait(n->launcher_fd, POLLIN);
        }
        if (n->pidfd > 0) {
            ovsx_poll_fd_wait(n->pidfd, POLLIN);
        }
        if (n->md) {
            metadata_server_wait(n->md);
        }
    }
    /* The OVS role's wiring is not an event of ours: look again. */
    if (pending || a->awaiting_wiring) {
        ovsx_poll_timer_wait(REAP_MS);
    }
}
