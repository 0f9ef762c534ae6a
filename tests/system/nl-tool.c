/* nl-tool: the src/nl library as a command, for the system tests (and for
 * poking at namespaces by hand).  Every command acts through the library
 * only, so the tests can check its effects with iproute2.
 *
 *     nl-tool netns-add NAME | netns-del NAME | netns-list
 *     nl-tool veth NS NAME PEER-NS PEER      (NS "-": this namespace)
 *     nl-tool link NS DEV [up|down] [mac MAC] [mtu N] [name NEW] [netns NS2]
 *     nl-tool show NS DEV | links NS | addrs NS DEV | routes NS
 *     nl-tool addr-add|addr-del NS DEV CIDR
 *     nl-tool route-add|route-replace|route-del NS DEV DST [GATEWAY]
 *     nl-tool converge NS DEV [addr CIDR]... [route DST[,GATEWAY]]...
 *     nl-tool del NS DEV
 *
 * Prints results on stdout; exits 0, or 1 with the error (and the
 * kernel's extended-ack text) on stderr, 2 for bad usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include "core/ip.h"
#include "core/mac.h"
#include "core/util.h"
#include "nl/netns.h"
#include "nl/nl-addr.h"
#include "nl/nl-converge.h"
#include "nl/nl-link.h"
#include "nl/nl-route.h"
#include "nl/nl-sock.h"

static NORETURN void
usage(void)
{
    fprintf(stderr, "usage: see the comment at the top of nl-tool.c\n");
    exit(2);
}

static int
fail(struct nl_sock *sock, const char *what, int r)
{
    const char *msg = sock ? nl_sock_error(sock) : "";

    fprintf(stderr, "nl-tool: %s: %s%s%s\n", what, strerror(-r),
            *msg ? ": " : "", msg);
    return 1;
}

/* Opens namespace 'name' ("-": none, -1) or exits. */
static int
open_ns(const char *name)
{
    int fd, r;

    if (streq(name, "-")) {
        return -1;
    }
    r = netns_open(name, &fd);
    if (r < 0) {
        exit(fail(NULL, name, r));
    }
    return fd;
}

static struct nl_sock *
open_sock(const char *ns)
{
    struct nl_sock *sock;
    int r;

    r = streq(ns, "-") ? nl_sock_open(&sock) : nl_sock_open_named(ns, &sock);
    if (r < 0) {
        exit(fail(NULL, ns, r));
    }
    return sock;
}

static int
get_index(struct nl_sock *sock, const char *dev)
{
    struct nl_link link;
    int r = nl_link_get_by_name(sock, dev, &link);

    if (r < 0) {
        exit(fail(sock, dev, r));
    }
    return link.index;
}

static struct ip_net
parse_net(const char *s)
{
    struct ip_net net;

    if (ipnet_parse(s, &net) < 0) {
        fprintf(stderr, "nl-tool: bad prefix '%s'\n", s);
        exit(2);
    }
    return net;
}

static struct ip_addr
parse_ip(const char *s)
{
    struct ip_addr ip;

    if (ip_parse(s, &ip) < 0) {
        fprintf(stderr, "nl-tool: bad address '%s'\n", s);
        exit(2);
    }
    return ip;
}

static void
print_link(const struct nl_link *link)
{
    char mac[MAC_STRLEN] = "none";

    if (link->has_mac) {
        mac_format(link->mac, mac);
    }
    printf("%d %s kind=%s mac=%s mtu=%u up=%d lower_up=%d master=%d "
           "link=%d\n",
           link->index, link->name, *link->kind ? link->kind : "none", mac,
           link->mtu, !!(link->flags & IFF_UP), !!(link->flags & IFF_LOWER_UP),
           link->master, link->link);
}

static void
print_route(const struct nl_route *route)
{
    char dst[IPNET_STRLEN], gw[IP_STRLEN] = "none";

    ipnet_format(&route->dst, dst);
    if (route->has_gateway) {
        ip_format(&route->gateway, gw);
    }
    printf("%s via=%s oif=%d table=%u metric=%u proto=%u scope=%u "
           "type=%u\n",
           dst, gw, route->oif, route->table, route->priority, route->protocol,
           route->scope, route->type);
}

static int
cmd_netns(int argc, char **argv)
{
    int r = 0;

    if (streq(argv[1], "netns-list") && argc == 2) {
        char **names;
        size_t n;

        r = netns_list(&names, &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
            printf("%s\n", names[i]);
        }
        if (r == 0) {
            netns_names_free(names, n);
        }
    } else if (argc != 3) {
        usage();
    } else if (streq(argv[1], "netns-add")) {
        r = netns_add(argv[2]);
    } else if (streq(argv[1], "netns-del")) {
        r = netns_delete(argv[2]);
    } else {
        usage();
    }
    return r < 0 ? fail(NULL, argv[1], r) : 0;
}

static int
cmd_veth(int argc, char **argv)
{
    struct nl_sock *sock = open_sock("-");
    int fd, peer_fd, r;

    if (argc != 6) {
        usage();
    }
    fd = open_ns(argv[2]);
    peer_fd = open_ns(argv[4]);
    r = nl_link_add_veth(sock, argv[3], fd, argv[5], peer_fd);
    r = r < 0 ? fail(sock, "veth", r) : 0;
    nl_sock_close(sock);
    return r;
}

static int
cmd_link(struct nl_sock *sock, int index, int argc, char **argv)
{
    struct nl_link_change change = NL_LINK_CHANGE_INIT;
    uint8_t mac[6];
    int r;

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (streq(arg, "up") || streq(arg, "down")) {
            change.up = streq(arg, "up");
            continue;
        }
        if (!val) {
            usage();
        }
        if (streq(arg, "mac") && mac_parse(val, mac) == 0) {
            change.mac = mac;
        } else if (streq(arg, "mtu")) {
            change.mtu = strtoul(val, NULL, 10);
        } else if (streq(arg, "name")) {
            change.name = val;
        } else if (streq(arg, "netns")) {
            change.netns_fd = open_ns(val);
        } else {
            usage();
        }
        i++;
    }
    r = nl_link_change(sock, index, &change);
    if (change.netns_fd >= 0) {
        close(change.netns_fd);
    }
    return r < 0 ? fail(sock, "link", r) : 0;
}

static int
cmd_list(struct nl_sock *sock, const char *cmd, int index)
{
    int r;

    if (streq(cmd, "links")) {
        struct nl_link *links;
        size_t n;

        r = nl_link_list(sock, &links, &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
            print_link(&links[i]);
        }
        free(r == 0 ? links : NULL);
    } else if (streq(cmd, "addrs")) {
        struct nl_addr *addrs;
        size_t n;

        r = nl_addr_list(sock, index, AF_UNSPEC, &addrs, &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
            char net[IPNET_STRLEN], brd[IP_STRLEN] = "none";

            ipnet_format(&addrs[i].net, net);
            if (addrs[i].has_broadcast) {
                ip_format(&addrs[i].broadcast, brd);
            }
            printf("%s brd=%s scope=%u permanent=%d\n", net, brd,
                   addrs[i].scope, nl_addr_is_permanent(&addrs[i]));
        }
        free(r == 0 ? addrs : NULL);
    } else {
        struct nl_route *routes;
        size_t n;

        r = nl_route_list(sock, AF_UNSPEC, &routes, &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
            print_route(&routes[i]);
        }
        free(r == 0 ? routes : NULL);
    }
    return r < 0 ? fail(sock, cmd, r) : 0;
}

static void
parse_route(const char *s, int index, struct nl_route *route)
{
    _cleanup_free_ char *copy = xstrdup(s);
    char *comma = strchr(copy, ',');
    struct ip_addr gw;
    struct ip_net dst;

    if (comma) {
        *comma = '\0';
        gw = parse_ip(comma + 1);
    }
    dst = parse_net(copy);
    nl_route_init(route, &dst, comma ? &gw : NULL, index);
}

static int
cmd_converge(struct nl_sock *sock, int index, int argc, char **argv)
{
    struct ip_net *addrs = xcalloc(argc, sizeof *addrs);
    struct nl_route *routes = xcalloc(argc, sizeof *routes);
    size_t n_addrs = 0, n_routes = 0;
    int r;

    for (int i = 0; i + 1 < argc; i += 2) {
        if (streq(argv[i], "addr")) {
            addrs[n_addrs++] = parse_net(argv[i + 1]);
        } else if (streq(argv[i], "route")) {
            parse_route(argv[i + 1], index, &routes[n_routes++]);
        } else {
            usage();
        }
    }
    if (argc % 2) {
        usage();
    }
    r = nl_converge_link(sock, index, addrs, n_addrs, routes, n_routes);
    free(addrs);
    free(routes);
    if (r < 0) {
        return fail(sock, "converge", r);
    }
    printf("changes %d\n", r);
    return 0;
}

static int
cmd_addr_route(struct nl_sock *sock, const char *cmd, int index, int argc,
               char **argv)
{
    struct nl_route route;
    int r;

    if (str_startswith(cmd, "addr-")) {
        struct ip_net net;

        if (argc != 1) {
            usage();
        }
        net = parse_net(argv[0]);
        r = streq(cmd, "addr-add") ? nl_addr_add(sock, index, &net)
                                   : nl_addr_delete(sock, index, &net);
        return r < 0 ? fail(sock, cmd, r) : 0;
    }
    if (argc < 1 || argc > 2) {
        usage();
    }
    parse_route(argv[0], index, &route);
    if (argc == 2) {
        route.has_gateway = true;
        route.gateway = parse_ip(argv[1]);
        route.scope = RT_SCOPE_UNIVERSE;
    }
    r = streq(cmd, "route-add")       ? nl_route_add(sock, &route)
        : streq(cmd, "route-replace") ? nl_route_replace(sock, &route)
                                      : nl_route_delete(sock, &route);
    return r < 0 ? fail(sock, cmd, r) : 0;
}

/* Commands of the form "CMD NS DEV ARGS...". */
static int
cmd_dev(struct nl_sock *sock, const char *cmd, int argc, char **argv)
{
    int index = get_index(sock, argv[0]);

    if (streq(cmd, "link")) {
        return cmd_link(sock, index, argc - 1, argv + 1);
    } else if (streq(cmd, "show")) {
        struct nl_link link;
        int r = nl_link_get_by_index(sock, index, &link);

        if (r < 0) {
            return fail(sock, cmd, r);
        }
        print_link(&link);
        return 0;
    } else if (streq(cmd, "addrs")) {
        return cmd_list(sock, cmd, index);
    } else if (streq(cmd, "converge")) {
        return cmd_converge(sock, index, argc - 1, argv + 1);
    } else if (streq(cmd, "del")) {
        int r = nl_link_delete(sock, index);

        return r < 0 ? fail(sock, cmd, r) : 0;
    }
    return cmd_addr_route(sock, cmd, index, argc - 1, argv + 1);
}

int
main(int argc, char **argv)
{
    struct nl_sock *sock;
    const char *cmd;
    int r;

    if (argc < 2) {
        usage();
    }
    cmd = argv[1];
    if (str_startswith(cmd, "netns-")) {
        return cmd_netns(argc, argv);
    } else if (streq(cmd, "veth")) {
        return cmd_veth(argc, argv);
    }
    if (argc < 3) {
        usage();
    }
    sock = open_sock(argv[2]);
    if (streq(cmd, "links") || streq(cmd, "routes")) {
        r = argc == 3 ? cmd_list(sock, cmd, 0) : (usage(), 2);
    } else if (argc >= 4) {
        r = cmd_dev(sock, cmd, argc - 3, argv + 3);
    } else {
        usage();
    }
    nl_sock_close(sock);
    return r;
}
