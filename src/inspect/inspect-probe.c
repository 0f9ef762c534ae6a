/* Include nl-link.h before any <linux/...> header (see there). */
#include "nl/nl-link.h"

#include "inspect/inspect-probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/mac.h"
#include "core/util.h"
#include "nl/netns.h"
#include "ovs/ovsx.h"
#include "ovs/vswitch.h"

/* How long each question waits for its answer, and OVSDB for us. */
#define PROBE_WAIT_MS 2000
#define PROBE_OVS_MS  5000

/* Frame layout: Ethernet, IPv4 (no options), UDP, BOOTP. */
#define ETH_LEN       14
#define IP_LEN        20
#define UDP_LEN       8
#define BOOTP_LEN     236
#define BOOTP_OFF     (ETH_LEN + IP_LEN + UDP_LEN)
#define DHCP_MAGIC    0x63825363u
#define DHCP_OPTS_OFF (BOOTP_OFF + BOOTP_LEN + 4)
#define DHCP_MIN_LEN  300 /* BOOTP's minimum message size. */
#define ARP_LEN       28
#define DHCPDISCOVER  1
#define DHCPOFFER     2
#define OPT_MSG_TYPE  53
#define OPT_SERVER_ID 54
#define OPT_PARAMS    55
#define OPT_END       255

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) (v >> 8);
    p[1] = (uint8_t) v;
}

static void
put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t) (v >> 16));
    put16(p + 2, (uint16_t) v);
}

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t) get16(p) << 16 | get16(p + 2);
}

static size_t
put_eth(uint8_t *buf, const uint8_t src[6], uint16_t type)
{
    memset(buf, 0xff, 6); /* Broadcast. */
    memcpy(buf + 6, src, 6);
    put16(buf + 12, type);
    return ETH_LEN;
}

/* RFC 1071's checksum of an IPv4 header. */
static uint16_t
ip_checksum(const uint8_t *hdr)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < IP_LEN; i += 2) {
        sum += get16(hdr + i);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t) ~sum;
}

size_t
inspect_probe_dhcp_discover(uint8_t *buf, const uint8_t src[6],
                            const uint8_t chaddr[6], uint32_t xid)
{
    static const uint8_t params[] = {1, 3, 6, 15, 26, 121};
    size_t dhcp_len = DHCP_MIN_LEN;
    uint8_t *ip = buf + ETH_LEN, *udp = ip + IP_LEN, *bootp = udp + UDP_LEN;
    uint8_t *opt = buf + DHCP_OPTS_OFF;

    memset(buf, 0, INSPECT_PROBE_FRAME_MAX);
    put_eth(buf, src, ETHERTYPE_IP);
    ip[0] = 0x45; /* Version 4, 5 words. */
    put16(ip + 2, (uint16_t) (IP_LEN + UDP_LEN + dhcp_len));
    ip[8] = 64;               /* TTL. */
    ip[9] = 17;               /* UDP. */
    memset(ip + 16, 0xff, 4); /* From 0.0.0.0 to 255.255.255.255. */
    put16(ip + 10, ip_checksum(ip));
    put16(udp, 68);
    put16(udp + 2, 67);
    put16(udp + 4, (uint16_t) (UDP_LEN + dhcp_len)); /* Checksum 0: none. */
    bootp[0] = 1;                                    /* BOOTREQUEST. */
    bootp[1] = 1;                                    /* Ethernet. */
    bootp[2] = 6;
    put32(bootp + 4, xid);
    put16(bootp + 10, 0x8000); /* Broadcast the answer. */
    memcpy(bootp + 28, chaddr, 6);
    put32(bootp + BOOTP_LEN, DHCP_MAGIC);
    *opt++ = OPT_MSG_TYPE;
    *opt++ = 1;
    *opt++ = DHCPDISCOVER;
    *opt++ = OPT_PARAMS;
    *opt++ = sizeof params;
    memcpy(opt, params, sizeof params);
    opt[sizeof params] = OPT_END;
    return BOOTP_OFF + dhcp_len;
}

/* The value of DHCP option 'code' in the options at 'opt' ('len' bytes),
 * with its length in '*ret_len', or NULL. */
static const uint8_t *
dhcp_option(const uint8_t *opt, size_t len, uint8_t code, size_t *ret_len)
{
    size_t i = 0;

    while (i < len && opt[i] != OPT_END) {
        if (opt[i] == 0) { /* Pad. */
            i++;
            continue;
        }
        if (i + 2 > len || i + 2 + opt[i + 1] > len) {
            return NULL;
        }
        if (opt[i] == code) {
            *ret_len = opt[i + 1];
            return opt + i + 2;
        }
        i += 2 + (size_t) opt[i + 1];
    }
    return NULL;
}

int
inspect_probe_parse_offer(const uint8_t *frame, size_t len, uint32_t xid,
                          struct in_addr *ret_yiaddr,
                          struct in_addr *ret_server)
{
    const uint8_t *ip = frame + ETH_LEN;
    const uint8_t *bootp = frame + BOOTP_OFF;
    const uint8_t *type, *server;
    size_t n;

    if (len < DHCP_OPTS_OFF || get16(frame + 12) != ETHERTYPE_IP
        || ip[0] != 0x45 || ip[9] != 17 || get16(ip + IP_LEN + 2) != 68
        || bootp[0] != 2 || get32(bootp + 4) != xid
        || get32(bootp + BOOTP_LEN) != DHCP_MAGIC) {
        return -EINVAL;
    }
    type = dhcp_option(frame + DHCP_OPTS_OFF, len - DHCP_OPTS_OFF,
                       OPT_MSG_TYPE, &n);
    if (!type || n != 1 || *type != DHCPOFFER) {
        return -EINVAL;
    }
    server = dhcp_option(frame + DHCP_OPTS_OFF, len - DHCP_OPTS_OFF,
                         OPT_SERVER_ID, &n);
    memcpy(&ret_yiaddr->s_addr, bootp + 16, 4);
    memcpy(&ret_server->s_addr, server && n == 4 ? server : ip + 12, 4);
    return 0;
}

size_t
inspect_probe_arp_request(uint8_t *buf, const uint8_t mac[6],
                          struct in_addr target)
{
    uint8_t *arp = buf + ETH_LEN;

    memset(buf, 0, INSPECT_PROBE_FRAME_MAX);
    put_eth(buf, mac, ETHERTYPE_ARP);
    put16(arp, 1); /* Ethernet. */
    put16(arp + 2, ETHERTYPE_IP);
    arp[4] = 6;
    arp[5] = 4;
    put16(arp + 6, 1);       /* Request. */
    memcpy(arp + 8, mac, 6); /* Sender IP stays 0.0.0.0: a probe. */
    memcpy(arp + 24, &target.s_addr, 4);
    return ETH_LEN + ARP_LEN;
}

int
inspect_probe_parse_arp_reply(const uint8_t *frame, size_t len,
                              struct in_addr target, uint8_t ret_mac[6])
{
    const uint8_t *arp = frame + ETH_LEN;

    if (len < ETH_LEN + ARP_LEN || get16(frame + 12) != ETHERTYPE_ARP
        || get16(arp + 6) != 2 || memcmp(arp + 14, &target.s_addr, 4)) {
        return -EINVAL;
    }
    memcpy(ret_mac, arp + 8, 6);
    return 0;
}

/* ---- Plumbing. ---- */

/* Clean-up and tuning go on whatever fails: what is left is gone with the
 * namespace, or shows in the probe's answers. */
static void
ignore_error(int r)
{
    (void) r;
}

struct probe {
    char ns[32];   /* qprobe-<8 hex>. */
    char peer[16]; /* prb<8 hex>, on br-int. */
    const char *bridge;
    int ns_fd;
    struct nl_sock *nl; /* In our namespace. */
    struct vsw *vsw;
    bool ns_made, veth_made, port_made;
    int sock;          /* AF_PACKET on the probe's eth0. */
    uint8_t mac[6];    /* The probe's own, random and local. */
    uint8_t client[6]; /* The traced port's, for DHCP's chaddr. */
};

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the OVSDB session until 'txn' completed (or the deadline); returns
 * its status.  The status is looked at after each vsw_run(), which is
 * what completes it, so the loop never sleeps past a finished write. */
static int
wait_txn(struct vsw *vsw, struct vsw_txn *txn, long long deadline)
{
    int r;

    for (;;) {
        vsw_run(vsw);
        r = vsw_txn_status(txn);
        if (r != -EINPROGRESS || ovsx_time_msec() >= deadline) {
            break;
        }
        vsw_wait(vsw);
        ovsx_poll_timer_wait_until(deadline);
        ovsx_poll_block();
    }
    vsw_txn_free(txn);
    return r == -EINPROGRESS ? -ETIMEDOUT : r;
}

/* Waits until ovs-vswitchd gave the probe's port an ofport. */
static int
wait_ofport(struct probe *p, long long deadline)
{
    for (;;) {
        struct vsw_iface *ifaces;
        size_t n;
        bool ready = false;

        vsw_run(p->vsw);
        if (!vsw_list_ifaces(p->vsw, p->bridge, &ifaces, &n)) {
            for (size_t i = 0; i < n; i++) {
                ready |=
                    streq(ifaces[i].name, p->peer) && ifaces[i].ofport > 0;
            }
            free(ifaces);
        }
        if (ready) {
            return 0;
        }
        if (ovsx_time_msec() >= deadline) {
            return -ETIMEDOUT;
        }
        vsw_wait(p->vsw);
        ovsx_poll_timer_wait_until(MIN(deadline, ovsx_time_msec() + 50));
        ovsx_poll_block();
    }
}

/* The probe's end in its namespace: MAC, up, offload off, a packet
 * socket bound to it.  Returns 0 or a negative errno. */
static int
setup_inside(struct probe *p)
{
    struct nl_link_change ch = NL_LINK_CHANGE_INIT;
    struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                              .sll_protocol = htons(ETH_P_ALL)};
    struct nl_sock *nl;
    struct nl_link l;
    int r, s;

    r = nl_sock_open_netns(p->ns_fd, &nl);
    if (r) {
        return r;
    }
    ch.up = 1;
    ch.mac = p->mac;
    r = nl_link_get_by_name(nl, "eth0", &l);
    r = r ? r : nl_link_change(nl, l.index, &ch);
    nl_sock_close(nl);
    if (r) {
        return r;
    }
    s = netns_socket(p->ns_fd, AF_INET, SOCK_DGRAM, 0);
    if (s >= 0) {
        /* The userspace datapath would not complete the checksums. */
        ignore_error(inspect_tx_csum_off(s, "eth0"));
        close(s);
    }
    p->sock = netns_socket(p->ns_fd, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (p->sock < 0) {
        return p->sock;
    }
    sll.sll_ifindex = l.index;
    return bind(p->sock, (struct sockaddr *) &sll, sizeof sll) ? -errno : 0;
}

/* Namespace, veth, OVS port.  Returns 0 or a negative errno with what
 * failed in '*ret_what'. */
static int
setup(struct probe *p, const struct inspect_where *wh, int lvid,
      const char **ret_what)
{
    long long deadline = ovsx_time_msec() + PROBE_OVS_MS;
    struct nl_link l;
    struct vsw_txn *txn;
    int r, s;

    *ret_what = "namespace";
    if ((r = netns_add(p->ns)) || (p->ns_made = true, 0)
        || (r = netns_open(p->ns, &p->ns_fd))) {
        return r;
    }
    *ret_what = "veth";
    if ((r = nl_sock_open(&p->nl))
        || (r = nl_link_add_veth(p->nl, "eth0", p->ns_fd, p->peer, -1))) {
        return r;
    }
    p->veth_made = true;
    if ((r = nl_link_get_by_name(p->nl, p->peer, &l))
        || (r = nl_link_set_up(p->nl, l.index, true))
        || (r = setup_inside(p))) {
        return r;
    }
    s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s >= 0) {
        ignore_error(inspect_tx_csum_off(s, p->peer));
        close(s);
    }
    *ret_what = "OVS port";
    if ((r = inspect_vsw_connect(wh->ovsdb, &p->vsw))
        || (r = vsw_ensure_port(p->vsw, p->bridge, p->peer, NULL, lvid, NULL,
                                0, &txn))) {
        return r;
    }
    p->port_made = true;
    r = wait_txn(p->vsw, txn, deadline);
    return r ? r : wait_ofport(p, deadline);
}

static void
teardown(struct probe *p)
{
    struct nl_link l;
    struct vsw_txn *txn;

    if (p->port_made && !vsw_delete_port(p->vsw, p->bridge, p->peer, &txn)) {
        (void) wait_txn(p->vsw, txn, ovsx_time_msec() + PROBE_OVS_MS);
    }
    vsw_close(p->vsw);
    if (p->veth_made && !nl_link_get_by_name(p->nl, p->peer, &l)) {
        ignore_error(nl_link_delete(p->nl, l.index));
    }
    nl_sock_close(p->nl);
    if (p->sock >= 0) {
        close(p->sock);
    }
    if (p->ns_fd >= 0) {
        close(p->ns_fd);
    }
    if (p->ns_made) {
        ignore_error(netns_delete(p->ns));
    }
}

/* Something that can recognise its answer. */
struct question {
    uint32_t xid;          /* DHCP. */
    struct in_addr target; /* ARP. */
    bool dhcp;
    /* The answer. */
    struct in_addr yiaddr, server;
    uint8_t mac[6];
};

static bool
is_answer(struct question *q, const uint8_t *frame, size_t len)
{
    return q->dhcp
               ? !inspect_probe_parse_offer(frame, len, q->xid, &q->yiaddr,
                                            &q->server)
               : !inspect_probe_parse_arp_reply(frame, len, q->target, q->mac);
}

/* Sends 'frame' and waits up to PROBE_WAIT_MS for its answer. */
static bool
ask(struct probe *p, const uint8_t *frame, size_t len, struct question *q)
{
    long long deadline = now_ms() + PROBE_WAIT_MS;
    uint8_t buf[2048];

    if (send(p->sock, frame, len, 0) < 0) {
        return false;
    }
    for (long long left; (left = deadline - now_ms()) > 0;) {
        struct pollfd pfd = {.fd = p->sock, .events = POLLIN};
        ssize_t n;

        if (poll(&pfd, 1, (int) left) <= 0) {
            break;
        }
        n = recv(p->sock, buf, sizeof buf, 0);
        if (n > 0 && is_answer(q, buf, (size_t) n)) {
            return true;
        }
    }
    return false;
}

static json_t *
dump_bridges(const struct inspect_want *w, const struct inspect_where *wh)
{
    const char *names[] = {w->integration_bridge, w->phys_bridge};
    json_t *out = json_object();

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        char *error = NULL;
        json_t *flows =
            names[i] ? inspect_dump_flows(names[i], wh, &error) : NULL;
        if (flows) {
            json_object_set_new(out, names[i], flows);
        }
        free(error);
    }
    return out;
}

/* The traced port's MAC in 'mac'; false if no port is traced. */
static bool
port_mac(const struct inspect_want *w, uint8_t mac[6])
{
    size_t i;
    json_t *port;

    json_array_foreach (w->ports, i, port) {
        const char *id = json_string_value(json_object_get(port, "id"));
        const char *m =
            json_string_value(json_object_get(port, "mac_address"));
        if (w->only_port && id && streq(id, w->only_port) && m
            && !mac_parse(m, mac)) {
            return true;
        }
    }
    return false;
}

static void
run_questions(struct probe *p, const struct inspect_want *w,
              const struct inspect_where *wh, bool as_port, json_t *rec)
{
    uint8_t frame[INSPECT_PROBE_FRAME_MAX];
    const char *gw = inspect_gateway(w);
    char mac[MAC_STRLEN], buf[INET_ADDRSTRLEN];

    json_object_set_new(rec, "before", dump_bridges(w, wh));
    if (gw) {
        struct question q = {.dhcp = false};
        json_t *arp = json_pack("{s:s}", "target", gw);

        if (inet_pton(AF_INET, gw, &q.target) == 1
            && ask(p, frame,
                   inspect_probe_arp_request(frame, p->mac, q.target), &q)) {
            mac_format(q.mac, mac);
            json_object_set_new(arp, "mac", json_string(mac));
        }
        json_object_set_new(rec, "arp", arp);
    }
    if (as_port) {
        struct question q = {.dhcp = true};
        json_t *dhcp = json_object();

        random_bytes(&q.xid, sizeof q.xid);
        mac_format(p->client, mac);
        json_object_set_new(dhcp, "mac", json_string(mac));
        if (ask(p, frame,
                inspect_probe_dhcp_discover(frame, p->mac, p->client, q.xid),
                &q)) {
            inet_ntop(AF_INET, &q.yiaddr, buf, sizeof buf);
            json_object_set_new(dhcp, "offer", json_string(buf));
            inet_ntop(AF_INET, &q.server, buf, sizeof buf);
            json_object_set_new(dhcp, "server", json_string(buf));
        }
        json_object_set_new(rec, "dhcp", dhcp);
    }
    json_object_set_new(rec, "after", dump_bridges(w, wh));
}

void
inspect_probe(const struct inspect_want *w, const struct inspect_where *wh,
              json_t *obs)
{
    struct probe p = {
        .bridge = w->integration_bridge, .ns_fd = -1, .sock = -1};
    int lvid = inspect_local_vlan(w, obs);
    json_t *rec = json_object();
    const char *what = "";
    uint32_t suffix;
    int r;

    json_object_set_new(obs, "probe", rec);
    if (lvid <= 0) {
        json_object_set_new(rec, "error",
                            json_string("no local VLAN for the network on "
                                        "this host: no port to probe from"));
        return;
    }
    random_bytes(&suffix, sizeof suffix);
    snprintf(p.ns, sizeof p.ns, "qprobe-%08x", suffix);
    snprintf(p.peer, sizeof p.peer, "prb%08x", suffix);
    /* A fresh MAC of its own: no switch moves the port's MAC to the
     * probe, and no stale entry sends the answers elsewhere. */
    random_bytes(p.mac, sizeof p.mac);
    p.mac[0] = (uint8_t) ((p.mac[0] & 0xfe) | 0x02);
    bool as_port = port_mac(w, p.client);
    r = setup(&p, wh, lvid, &what);
    if (r) {
        char *e =
            xasprintf("cannot set up the probe's %s: %s", what, strerror(-r));
        json_object_set_new(rec, "error", json_string(e));
        free(e);
    } else {
        run_questions(&p, w, wh, as_port, rec);
    }
    teardown(&p);
}
