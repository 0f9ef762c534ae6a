#include "agent/iptables-firewall.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/ovs-firewall.h"
#include "core/ds.h"
#include "core/ip.h"
#include "core/log.h"
#include "core/util.h"

LOG_DEFINE_THIS_MODULE(iptables_firewall);

/* iptables_manager's wrap name for neutron-openvswitch-agent. */
#define P "neutron-openvswi-"

static const char *
str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* True for a chain name that is ours. */
static bool
ours(const char *chain, size_t len)
{
    return (len >= strlen(P) && !strncmp(chain, P, strlen(P)))
           || (len == strlen("neutron-filter-top")
               && !strncmp(chain, "neutron-filter-top", len));
}

char *
iptfw_set_name(const char *remote, int version)
{
    /* ipset names hold 31 characters. */
    return xasprintf("N%s%.26s", version == 6 ? "IPv6" : "IPv4", remote + 3);
}

static bool
port_stateful(json_t *port, json_t *sgs)
{
    json_t *id;
    size_t i;

    json_array_foreach (json_object_get(port, "security_groups"), i, id) {
        json_t *sg = json_object_get(sgs, json_string_value(id));
        if (!json_is_false(json_object_get(sg, "stateful"))) {
            return true;
        }
    }
    return !json_array_size(json_object_get(port, "security_groups"));
}

/* The remote of a rule, "sg:ID" / "ag:ID", or NULL. */
static char *
rule_remote(json_t *rule)
{
    const char *sg = str(rule, "remote_group_id");
    const char *ag = str(rule, "remote_address_group_id");

    return sg ? xasprintf("sg:%s", sg) : ag ? xasprintf("ag:%s", ag) : NULL;
}

/* Appends one rule's iptables match to 'ds'; false if it matches
 * nothing (wrong IP version, unknown protocol). */
static bool
rule_match(struct ds *ds, json_t *rule, int version, bool ingress)
{
    int proto = ovsfw_protocol_number(str(rule, "protocol"));
    json_t *pmin = json_object_get(rule, "port_range_min");
    json_t *pmax = json_object_get(rule, "port_range_max");
    const char *prefix = str(rule, "remote_ip_prefix");
    char *remote = rule_remote(rule);

    if (proto < -1) {
        free(remote);
        return false;
    }
    if (prefix) {
        struct ip_net net;
        char buf[IPNET_STRLEN];

        if (ipnet_parse(prefix, &net) || net.addr.version != version) {
            free(remote);
            return false;
        }
        if (net.prefixlen) {
            net = ipnet_network(&net);
            ipnet_format(&net, buf);
            ds_put_format(ds, " %s %s", ingress ? "-s" : "-d", buf);
        }
    }
    if (remote) {
        char *set = iptfw_set_name(remote, version);
        ds_put_format(ds, " -m set --match-set %s %s", set,
                      ingress ? "src" : "dst");
        free(set);
        free(remote);
    }
    if (proto == 6 || proto == 17 || proto == 132) {
        const char *name = proto == 6 ? "tcp" : proto == 17 ? "udp" : "sctp";
        ds_put_format(ds, " -p %s -m %s", name, name);
        if (json_is_integer(pmin)) {
            long long lo = json_integer_value(pmin);
            long long hi =
                json_is_integer(pmax) ? json_integer_value(pmax) : lo;
            if (lo == hi) {
                ds_put_format(ds, " --dport %lld", lo);
            } else {
                ds_put_format(ds, " --dport %lld:%lld", lo, hi);
            }
        }
    } else if (proto == 1 && version == 4) {
        ds_put_cstr(ds, " -p icmp");
        if (json_is_integer(pmin)) {
            ds_put_format(ds, " -m icmp --icmp-type %lld",
                          json_integer_value(pmin));
            if (json_is_integer(pmax)) {
                ds_put_format(ds, "/%lld", json_integer_value(pmax));
            }
        }
    } else if ((proto == 1 || proto == 58) && version == 6) {
        ds_put_cstr(ds, " -p ipv6-icmp");
        if (json_is_integer(pmin)) {
            ds_put_format(ds, " -m icmp6 --icmpv6-type %lld",
                          json_integer_value(pmin));
            if (json_is_integer(pmax)) {
                ds_put_format(ds, "/%lld", json_integer_value(pmax));
            }
        }
    } else if (proto >= 0) {
        ds_put_format(ds, " -p %d", proto);
    }
    return true;
}

/* The -A lines of the rules of 'port''s groups for one direction. */
static void
rule_lines(struct ds *ds, const char *chain, json_t *port, json_t *sgs,
           int version, bool ingress)
{
    json_t *id, *rule;
    size_t i, j;

    json_array_foreach (json_object_get(port, "security_groups"), i, id) {
        json_t *sg = json_object_get(sgs, json_string_value(id));

        json_array_foreach (json_object_get(sg, "security_group_rules"), j,
                            rule) {
            const char *dir = str(rule, "direction");
            const char *eth = str(rule, "ethertype");
            struct ds m = DS_EMPTY_INITIALIZER;

            if ((dir && !strcmp(dir, "ingress")) != ingress
                || (eth && !strcmp(eth, "IPv6") ? 6 : 4) != version) {
                continue;
            }
            if (rule_match(&m, rule, version, ingress)) {
                ds_put_format(ds, "-A %s%s -j RETURN\n", chain, ds_cstr(&m));
            }
            ds_destroy(&m);
        }
    }
}

#define C_SESSION                                                             \
    "-m comment --comment \"Direct packets associated with a known "          \
    "session to the RETURN chain.\""
#define C_INVALID                                                             \
    "-m comment --comment \"Drop packets that appear related to an "          \
    "existing connection (e.g. TCP ACK/FIN) but do not have an entry in "     \
    "conntrack.\""
#define C_FALLBACK                                                            \
    "-m comment --comment \"Send unmatched traffic to the fallback chain.\""

/* The ingress chain (traffic to the VM). */
static void
ingress_chain(struct ds *ds, const char *id10, json_t *port, json_t *sgs,
              int version, bool stateful)
{
    char *chain = xasprintf(P "i%s", id10);
    json_t *pairs = ovsfw_port_pairs(port), *v;
    size_t i;

    if (stateful) {
        ds_put_format(ds,
                      "-A %s -m state --state RELATED,ESTABLISHED " C_SESSION
                      " -j RETURN\n",
                      chain);
    }
    if (version == 4) {
        json_array_foreach (pairs, i, v) {
            if (json_integer_value(json_object_get(v, "version")) == 4) {
                ds_put_format(ds,
                              "-A %s -d %s -p udp -m udp --sport 67 "
                              "--dport 68 -j RETURN\n",
                              chain, str(v, "ip"));
            }
        }
        ds_put_format(ds,
                      "-A %s -d 255.255.255.255/32 -p udp -m udp --sport 67 "
                      "--dport 68 -j RETURN\n",
                      chain);
    } else {
        static const int types[] = {130, 131, 132, 134, 135, 136, 143};
        for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
            ds_put_format(ds,
                          "-A %s -p ipv6-icmp -m icmp6 --icmpv6-type %d "
                          "-j RETURN\n",
                          chain, types[t]);
        }
        ds_put_format(ds,
                      "-A %s -d fe80::/64 -p udp -m udp --sport 547 "
                      "--dport 546 -j RETURN\n",
                      chain);
    }
    rule_lines(ds, chain, port, sgs, version, true);
    if (stateful) {
        ds_put_format(ds,
                      "-A %s -m state --state INVALID " C_INVALID " -j DROP\n",
                      chain);
    }
    ds_put_format(ds, "-A %s " C_FALLBACK " -j " P "sg-fallback\n", chain);
    json_decref(pairs);
    free(chain);
}

/* The egress chain (traffic from the VM) and its spoofing chain. */
static void
egress_chains(struct ds *ds, const char *id10, json_t *port, json_t *sgs,
              int version, bool stateful)
{
    char *chain = xasprintf(P "o%s", id10);
    char *spoof = xasprintf(P "s%s", id10);
    json_t *pairs = ovsfw_port_pairs(port), *v;
    size_t i;

    if (version == 4) {
        ds_put_format(ds,
                      "-A %s -s 0.0.0.0/32 -d 255.255.255.255/32 -p udp -m "
                      "udp --sport 68 --dport 67 -m comment --comment "
                      "\"Allow DHCP client traffic.\" -j RETURN\n",
                      chain);
    } else {
        static const int types[] = {131, 135, 143};
        for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
            ds_put_format(ds,
                          "-A %s -s ::/128 -d ff02::/16 -p ipv6-icmp -m "
                          "icmp6 --icmpv6-type %d -j RETURN\n",
                          chain, types[t]);
        }
    }
    ds_put_format(ds, "-A %s -j %s\n", chain, spoof);
    if (version == 4) {
        ds_put_format(ds,
                      "-A %s -p udp -m udp --sport 68 --dport 67 -m comment "
                      "--comment \"Allow DHCP client traffic.\" -j RETURN\n"
                      "-A %s -p udp -m udp --sport 67 --dport 68 -m comment "
                      "--comment \"Prevent DHCP Spoofing by VM.\" -j DROP\n",
                      chain, chain);
    } else {
        ds_put_format(ds,
                      "-A %s -p ipv6-icmp -m icmp6 --icmpv6-type 134 -m "
                      "comment --comment \"Drop IPv6 Router Advts from VM "
                      "Instance.\" -j DROP\n"
                      "-A %s -p ipv6-icmp -j RETURN\n"
                      "-A %s -p udp -m udp --sport 546 --dport 547 -j "
                      "RETURN\n"
                      "-A %s -p udp -m udp --sport 547 --dport 546 -j DROP\n",
                      chain, chain, chain, chain);
    }
    if (stateful) {
        ds_put_format(ds,
                      "-A %s -m state --state RELATED,ESTABLISHED " C_SESSION
                      " -j RETURN\n",
                      chain);
    }
    rule_lines(ds, chain, port, sgs, version, false);
    if (stateful) {
        ds_put_format(ds,
                      "-A %s -m state --state INVALID " C_INVALID " -j DROP\n",
                      chain);
    }
    ds_put_format(ds, "-A %s " C_FALLBACK " -j " P "sg-fallback\n", chain);
    json_array_foreach (pairs, i, v) {
        if (json_integer_value(json_object_get(v, "version")) == version) {
            ds_put_format(ds,
                          "-A %s -s %s -m mac --mac-source %s -m comment "
                          "--comment \"Allow traffic from defined IP/MAC "
                          "pairs.\" -j RETURN\n",
                          spoof, str(v, "ip"), str(v, "mac"));
        }
    }
    ds_put_format(ds,
                  "-A %s -m comment --comment \"Drop traffic without an "
                  "IP/MAC allow rule.\" -j DROP\n",
                  spoof);
    json_decref(pairs);
    free(chain);
    free(spoof);
}

char *
iptfw_filter(const struct iptfw_port *ports, size_t n, json_t *sgs,
             int version)
{
    struct ds decl = DS_EMPTY_INITIALIZER, rules = DS_EMPTY_INITIALIZER;
    static const char *const chains[] = {
        "neutron-filter-top", P "FORWARD", P "INPUT",
        P "OUTPUT",           P "local",   P "sg-chain",
        P "sg-fallback",
    };

    ds_put_cstr(&decl, "*filter\n");
    for (size_t i = 0; i < ARRAY_SIZE(chains); i++) {
        ds_put_format(&decl, ":%s - [0:0]\n", chains[i]);
    }
    ds_put_cstr(&rules, "-A INPUT -j " P "INPUT\n"
                        "-A FORWARD -j neutron-filter-top\n"
                        "-A FORWARD -j " P "FORWARD\n"
                        "-A OUTPUT -j neutron-filter-top\n"
                        "-A OUTPUT -j " P "OUTPUT\n"
                        "-A neutron-filter-top -j " P "local\n");
    for (size_t i = 0; i < n; i++) {
        const char *id = str(ports[i].port, "id");
        char id10[11], tap[15];
        bool stateful = port_stateful(ports[i].port, sgs);

        snprintf(id10, sizeof id10, "%s", id);
        snprintf(tap, sizeof tap, "tap%.11s", id);
        if (!ovsfw_port_filtered(ports[i].port)) {
            ds_put_format(&rules,
                          "-A " P "FORWARD -m physdev --physdev-out %s "
                          "--physdev-is-bridged -m comment --comment "
                          "\"Accept all packets when port security is "
                          "disabled.\" -j ACCEPT\n"
                          "-A " P "FORWARD -m physdev --physdev-in %s "
                          "--physdev-is-bridged -m comment --comment "
                          "\"Accept all packets when port security is "
                          "disabled.\" -j ACCEPT\n",
                          tap, tap);
            continue;
        }
        ds_put_format(&decl,
                      ":" P "i%s - [0:0]\n:" P "o%s - [0:0]\n"
                      ":" P "s%s - [0:0]\n",
                      id10, id10, id10);
        ds_put_format(
            &rules,
            "-A " P "FORWARD -m physdev --physdev-out %s --physdev-is-bridged"
            " -m comment --comment \"Direct traffic from the VM interface to"
            " the security group chain.\" -j " P "sg-chain\n"
            "-A " P "FORWARD -m physdev --physdev-in %s --physdev-is-bridged"
            " -m comment --comment \"Direct traffic from the VM interface to"
            " the security group chain.\" -j " P "sg-chain\n"
            "-A " P "INPUT -m physdev --physdev-in %s --physdev-is-bridged "
            "-m comment --comment \"Direct incoming traffic from VM to the "
            "security group chain.\" -j " P "o%s\n"
            "-A " P "sg-chain -m physdev --physdev-out %s "
            "--physdev-is-bridged -m comment --comment \"Jump to the VM "
            "specific chain.\" -j " P "i%s\n"
            "-A " P "sg-chain -m physdev --physdev-in %s "
            "--physdev-is-bridged -m comment --comment \"Jump to the VM "
            "specific chain.\" -j " P "o%s\n",
            tap, tap, tap, id10, tap, id10, tap, id10);
        ingress_chain(&rules, id10, ports[i].port, sgs, version, stateful);
        egress_chains(&rules, id10, ports[i].port, sgs, version, stateful);
    }
    ds_put_cstr(&rules, "-A " P "sg-chain -j ACCEPT\n"
                        "-A " P "sg-fallback -m comment --comment \"Default "
                        "drop rule for unmatched traffic.\" -j DROP\n"
                        "COMMIT\n");
    ds_put_cstr(&decl, ds_cstr(&rules));
    ds_destroy(&rules);
    return ds_steal(&decl);
}

char *
iptfw_raw(const struct iptfw_port *ports, size_t n, json_t *sgs)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&ds, "*raw\n:" P "OUTPUT - [0:0]\n:" P "PREROUTING - [0:0]\n"
                     "-A PREROUTING -j " P "PREROUTING\n"
                     "-A OUTPUT -j " P "OUTPUT\n");
    for (size_t i = 0; i < n; i++) {
        const char *id = str(ports[i].port, "id");
        char *target = port_stateful(ports[i].port, sgs)
                           ? xasprintf("CT --zone %d", ports[i].zone)
                           : xstrdup("CT --notrack");

        ds_put_format(&ds,
                      "-A " P "PREROUTING -m physdev --physdev-in qvb%.11s "
                      "-m comment --comment \"Set zone for %.8s\" -j %s\n"
                      "-A " P "PREROUTING -i qvb%.11s -m comment --comment "
                      "\"Set zone for %.8s\" -j %s\n"
                      "-A " P "PREROUTING -m physdev --physdev-in tap%.11s "
                      "-m comment --comment \"Set zone for %.8s\" -j %s\n",
                      id, id, target, id, id, target, id, id, target);
        free(target);
    }
    ds_put_cstr(&ds, "COMMIT\n");
    return ds_steal(&ds);
}

/* The addresses of remote "sg:ID" / "ag:ID" of IP 'version'. */
static json_t *
remote_addresses(json_t *sgs, json_t *ags, const char *remote, int version)
{
    json_t *list, *out = json_array(), *v;
    size_t i;

    if (str_startswith(remote, "sg:")) {
        list = json_object_get(
            json_object_get(json_object_get(sgs, remote + 3), "members"),
            version == 6 ? "IPv6" : "IPv4");
    } else {
        list = json_object_get(json_object_get(ags, remote + 3), "addresses");
    }
    json_array_foreach (list, i, v) {
        struct ip_net net;
        char buf[IPNET_STRLEN];

        if (!json_is_string(v)) {
            continue;
        }
        if (ipnet_parse(json_string_value(v), &net)) {
            if (ip_parse(json_string_value(v), &net.addr)) {
                continue;
            }
            net.prefixlen = ip_bits(net.addr.version);
        }
        if (net.addr.version == version) {
            net = ipnet_network(&net);
            ipnet_format(&net, buf);
            json_array_append_new(out, json_string(buf));
        }
    }
    return out;
}

char *
iptfw_ipsets(const struct iptfw_port *ports, size_t n, json_t *sgs,
             json_t *ags, char **ret_names)
{
    struct ds ds = DS_EMPTY_INITIALIZER, names = DS_EMPTY_INITIALIZER;
    json_t *remotes = json_object(), *v;
    const char *key;

    for (size_t i = 0; i < n; i++) {
        json_t *id, *rule;
        size_t j, k;

        if (!ovsfw_port_filtered(ports[i].port)) {
            continue;
        }
        json_array_foreach (json_object_get(ports[i].port, "security_groups"),
                            j, id) {
            json_t *sg = json_object_get(sgs, json_string_value(id));
            json_array_foreach (json_object_get(sg, "security_group_rules"), k,
                                rule) {
                char *r = rule_remote(rule);
                const char *eth = str(rule, "ethertype");
                if (r) {
                    /* One set per remote and IP version. */
                    char *rkey = xasprintf(
                        "%d%s", eth && !strcmp(eth, "IPv6") ? 6 : 4, r);
                    json_object_set_new(remotes, rkey, json_true());
                    free(rkey);
                }
                free(r);
            }
        }
    }
    json_object_foreach (remotes, key, v) {
        int version = key[0] - '0';
        const char *remote = key + 1;
        char *name = iptfw_set_name(remote, version);
        char *tmp = xasprintf("T%s", name + 1);
        json_t *addrs = remote_addresses(sgs, ags, remote, version), *a;
        size_t i;

        ds_put_format(&ds,
                      "create %s hash:net family %s -exist\n"
                      "create %s hash:net family %s -exist\n"
                      "flush %s\n",
                      name, version == 6 ? "inet6" : "inet", tmp,
                      version == 6 ? "inet6" : "inet", tmp);
        json_array_foreach (addrs, i, a) {
            ds_put_format(&ds, "add %s %s -exist\n", tmp,
                          json_string_value(a));
        }
        ds_put_format(&ds, "swap %s %s\ndestroy %s\n", tmp, name, tmp);
        ds_put_format(&names, "%s\n", name);
        json_decref(addrs);
        free(name);
        free(tmp);
    }
    json_decref(remotes);
    *ret_names = ds_steal(&names);
    if (!*ret_names) {
        *ret_names = xstrdup("");
    }
    return ds.s ? ds_steal(&ds) : xstrdup("");
}

/* The chain a "-A CHAIN ..." or ":CHAIN ..." line names, and its
 * length. */
static const char *
line_chain(const char *line, size_t *len)
{
    const char *c = line[0] == ':' ? line + 1 : line + 3;

    *len = strcspn(c, " \n");
    return c;
}

/* Whether a rule line jumps to one of our chains. */
static bool
jumps_to_ours(const char *line, size_t n)
{
    const char *j = memmem(line, n, " -j ", 4);

    if (!j) {
        return false;
    }
    j += 4;
    return ours(j, strcspn(j, " \n"));
}

char *
iptfw_merge(const char *saved, const char *mine)
{
    struct ds decl = DS_EMPTY_INITIALIZER, rules = DS_EMPTY_INITIALIZER;
    const char *first = strchr(mine, '\n');
    const char *line = saved;

    /* "*table" first. */
    ds_put_buf(&decl, mine, first ? (size_t) (first - mine + 1) : 0);
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t) (end - line + 1) : strlen(line), len;

        if (line[0] == ':') {
            const char *c = line_chain(line, &len);
            if (!ours(c, len)) {
                ds_put_buf(&decl, line, n);
            }
        } else if (!strncmp(line, "-A ", 3)) {
            const char *c = line_chain(line, &len);
            if (!ours(c, len) && !jumps_to_ours(line, n)) {
                ds_put_buf(&rules, line, n);
            }
        }
        line = end ? end + 1 : NULL;
    }
    /* Then ours: declarations and rules ("COMMIT" last). */
    for (line = first ? first + 1 : ""; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t) (end - line + 1) : strlen(line);

        ds_put_buf(line[0] == ':' ? &decl : &rules, line, n);
        line += n;
    }
    ds_put_cstr(&decl, ds_cstr(&rules));
    ds_destroy(&rules);
    return ds_steal(&decl);
}

/* ---- Applying (I/O). ---- */

struct iptfw {
    char *applied; /* Everything last applied, or NULL. */
    char *sets;    /* The ipset names it used, one a line. */
    /* Port id -> {"zone", "ips": [[ip, version]...], "rules": {id: rule}}
     * as last applied: what a removed rule's connections are found by. */
    json_t *had;
    /* The child applying a sync (0: none), the read end of a pipe whose
     * write end only it holds (readable once it exited), and what becomes
     * 'applied', 'sets' and 'had' if it succeeds. */
    pid_t child;
    int done_fd;
    char *next_applied, *next_sets;
    json_t *next_had;
};

struct iptfw *
iptfw_create(void)
{
    return xcalloc(1, sizeof(struct iptfw));
}

/* Forgets the child's outcome (it is reaped or left to init). */
static void
child_forget(struct iptfw *fw)
{
    if (fw->child) {
        close(fw->done_fd);
    }
    fw->child = 0;
    free(fw->next_applied);
    free(fw->next_sets);
    json_decref(fw->next_had);
    fw->next_applied = fw->next_sets = NULL;
    fw->next_had = NULL;
}

void
iptfw_destroy(struct iptfw *fw)
{
    if (fw) {
        child_forget(fw);
        free(fw->applied);
        free(fw->sets);
        json_decref(fw->had);
        free(fw);
    }
}

/* Runs 'argv' with 'input' on its stdin; its stdout in '*ret_output' if
 * that is not NULL.  Returns its exit status, or a negative errno. */
static int
run_tool(char *const argv[], const char *input, char **ret_output)
{
    int in[2], out[2], status, r;
    posix_spawn_file_actions_t fa;
    struct ds output = DS_EMPTY_INITIALIZER;
    size_t left = strlen(input);
    pid_t pid;

    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
        return -errno;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (r) {
        close(in[1]);
        close(out[0]);
        return -r;
    }
    /* The tools read all their input before they answer. */
    while (left) {
        ssize_t w = write(in[1], input, left);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            break;
        }
        input += w;
        left -= w;
    }
    close(in[1]);
    for (;;) {
        char buf[4096];
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        ds_put_buf(&output, buf, n);
    }
    close(out[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            ds_destroy(&output);
            return -errno;
        }
    }
    if (ret_output) {
        *ret_output = output.s ? ds_steal(&output) : xstrdup("");
    }
    ds_destroy(&output);
    log_debug("%s %s: status %d", argv[0], argv[1] ? argv[1] : "", status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

/* Replaces our part of one table ('ours') in what 'save' shows, through
 * 'restore' (one transaction). */
static int
restore_table(const char *save, const char *restore, const char *table,
              const char *mine)
{
    char *save_argv[] = {(char *) save, "-t", (char *) table, NULL};
    char *restore_argv[] = {(char *) restore, NULL};
    char *saved = NULL, *merged;
    int r = run_tool(save_argv, "", &saved);

    if (r) {
        free(saved);
        return r < 0 ? r : -EIO;
    }
    merged = iptfw_merge(saved, mine);
    r = run_tool(restore_argv, merged, NULL);
    free(saved);
    free(merged);
    return r < 0 ? r : r ? -EIO : 0;
}

/* br_netfilter hands bridged frames to iptables only with these on, as
 * Neutron's iptables firewall sets them. */
static void
enable_bridge_netfilter(void)
{
    static const char *const knobs[] = {
        "/proc/sys/net/bridge/bridge-nf-call-iptables",
        "/proc/sys/net/bridge/bridge-nf-call-ip6tables",
    };

    for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
        FILE *f = fopen(knobs[i], "w");
        if (f) {
            fputs("1\n", f);
            fclose(f);
        }
    }
}

/* What 'ports' are filtered by (see struct iptfw's 'had'). */
static json_t *
port_rules(const struct iptfw_port *ports, size_t n, json_t *sgs)
{
    json_t *map = json_object();

    for (size_t i = 0; i < n; i++) {
        json_t *ips = json_array(), *rules = json_object(), *v, *id, *rule;
        size_t j, k;

        json_array_foreach (json_object_get(ports[i].port, "fixed_ips"), j,
                            v) {
            const char *ip = str(v, "ip_address");
            if (ip) {
                json_array_append_new(
                    ips, json_pack("[s, i]", ip, strchr(ip, ':') ? 6 : 4));
            }
        }
        json_array_foreach (json_object_get(ports[i].port, "security_groups"),
                            j, id) {
            json_t *sg = json_object_get(sgs, json_string_value(id));
            json_array_foreach (json_object_get(sg, "security_group_rules"), k,
                                rule) {
                if (str(rule, "id")) {
                    json_object_set(rules, str(rule, "id"), rule);
                }
            }
        }
        json_object_set_new(map, str(ports[i].port, "id"),
                            json_pack("{s:i, s:o, s:o}", "zone", ports[i].zone,
                                      "ips", ips, "rules", rules));
    }
    return map;
}

/* conntrack -D of the connections of one address of a port that 'rule'
 * (NULL: any) may have let in or out, as Neutron's iptables firewall
 * clears them when a rule or port goes, so a removed rule ends what it
 * allowed. */
static void
forget_connections(int zone, json_t *ip, json_t *rule, bool ingress)
{
    const char *addr = json_string_value(json_array_get(ip, 0));
    int version = json_integer_value(json_array_get(ip, 1));
    char *argv[16], zone_text[16], port_text[24], proto_text[16];
    int n = 0,
        proto = rule ? ovsfw_protocol_number(str(rule, "protocol")) : -1;
    const char *prefix = rule ? str(rule, "remote_ip_prefix") : NULL;
    json_t *pmin = json_object_get(rule, "port_range_min");
    json_t *pmax = json_object_get(rule, "port_range_max");

    snprintf(zone_text, sizeof zone_text, "%d", zone);
    argv[n++] = "conntrack";
    argv[n++] = "-D";
    argv[n++] = "-f";
    argv[n++] = version == 6 ? "ipv6" : "ipv4";
    argv[n++] = "-w";
    argv[n++] = zone_text;
    argv[n++] = ingress ? "-d" : "-s";
    argv[n++] = (char *) addr;
    if (proto >= 0) {
        snprintf(proto_text, sizeof proto_text, "%d", proto);
        argv[n++] = "-p";
        argv[n++] = proto_text;
        if ((proto == 6 || proto == 17) && json_is_integer(pmin)
            && (!json_is_integer(pmax)
                || json_integer_value(pmax) == json_integer_value(pmin))) {
            snprintf(port_text, sizeof port_text, "%lld",
                     json_integer_value(pmin));
            argv[n++] = "--dport";
            argv[n++] = port_text;
        }
    }
    if (prefix && !strchr(prefix, '/')) {
        argv[n++] = ingress ? "-s" : "-d";
        argv[n++] = (char *) prefix;
    }
    argv[n] = NULL;
    (void) run_tool(argv, "", NULL); /* 1: there was nothing to delete. */
}

/* Forgets the connections of rules and ports that are gone since the last
 * apply; then remembers 'now'. */
static void
forget_removed(struct iptfw *fw, json_t *now)
{
    const char *pid, *rid;
    json_t *old, *rule;

    json_object_foreach (fw->had, pid, old) {
        json_t *cur = json_object_get(now, pid);
        int zone = json_integer_value(json_object_get(old, "zone"));
        json_t *ip;
        size_t i;

        json_array_foreach (json_object_get(old, "ips"), i, ip) {
            if (!cur) {
                forget_connections(zone, ip, NULL, true);
                forget_connections(zone, ip, NULL, false);
                continue;
            }
            json_object_foreach (json_object_get(old, "rules"), rid, rule) {
                const char *dir = str(rule, "direction");
                const char *eth = str(rule, "ethertype");
                int version = eth && !strcmp(eth, "IPv6") ? 6 : 4;

                if (!json_object_get(json_object_get(cur, "rules"), rid)
                    && json_integer_value(json_array_get(ip, 1)) == version) {
                    forget_connections(zone, ip, rule,
                                       dir && !strcmp(dir, "ingress"));
                }
            }
        }
    }
    json_decref(fw->had);
    fw->had = json_incref(now);
}

/* What a sync child does: loads the texts, destroys the sets no rule
 * names ('old_sets' but not 'names'), forgets the connections of what
 * went since 'had' (now 'now').  Returns 0 or a negative errno. */
static int
apply(struct iptfw *fw, const char *sets, const char *f4, const char *f6,
      const char *raw, const char *names, json_t *now)
{
    char *ipset_restore[] = {"ipset", "restore", NULL};
    char *old = fw->sets ? xstrdup(fw->sets) : NULL;
    int r = 0;

    if (*sets) {
        r = run_tool(ipset_restore, sets, NULL);
        r = r < 0 ? r : r ? -EIO : 0;
    }
    r = r ? r
          : restore_table("iptables-save", "iptables-restore", "filter", f4);
    r = r ? r
          : restore_table("ip6tables-save", "ip6tables-restore", "filter", f6);
    r = r ? r : restore_table("iptables-save", "iptables-restore", "raw", raw);
    r = r ? r
          : restore_table("ip6tables-save", "ip6tables-restore", "raw", raw);
    for (char *line = old, *end; !r && line && *line; line = end + 1) {
        end = strchr(line, '\n');
        *end = '\0';
        if (!strstr(names, line)) {
            char *destroy[] = {"ipset", "destroy", line, NULL};
            (void) run_tool(destroy, "", NULL);
        }
    }
    if (!r) {
        forget_removed(fw, now);
    }
    free(old);
    return r;
}

/* Starts a child that applies the texts (see apply()); what it applies
 * becomes the state once iptfw_run() sees it succeed.  Takes 'all',
 * 'names' and 'now'. */
static int
child_start(struct iptfw *fw, const char *sets, const char *f4, const char *f6,
            const char *raw, char *all, char *names, json_t *now)
{
    int done[2];
    pid_t pid;

    if (pipe2(done, O_CLOEXEC)) {
        free(all);
        free(names);
        json_decref(now);
        return -errno;
    }
    fflush(NULL); /* Nothing buffered is written twice. */
    pid = fork();
    if (pid == 0) {
        close(done[0]);
        _exit(apply(fw, sets, f4, f6, raw, names, now) ? 1 : 0);
    }
    close(done[1]);
    if (pid < 0) {
        close(done[0]);
        free(all);
        free(names);
        json_decref(now);
        return -errno;
    }
    fw->child = pid;
    fw->done_fd = done[0];
    fw->next_applied = all;
    fw->next_sets = names;
    fw->next_had = now;
    return -EINPROGRESS;
}

int
iptfw_sync(struct iptfw *fw, const struct iptfw_port *ports, size_t n,
           json_t *sgs, json_t *ags)
{
    char *names = NULL;
    char *sets = iptfw_ipsets(ports, n, sgs, ags, &names);
    char *f4 = iptfw_filter(ports, n, sgs, 4);
    char *f6 = iptfw_filter(ports, n, sgs, 6);
    char *raw = iptfw_raw(ports, n, sgs);
    char *all = xasprintf("%s%s%s%s", sets, f4, f6, raw);
    int r = 0;

    if (fw->child) {
        r = -EBUSY; /* Again once the running one is done. */
    } else if (!fw->applied || strcmp(fw->applied, all)) {
        enable_bridge_netfilter();
        r = child_start(fw, sets, f4, f6, raw, all, names,
                        port_rules(ports, n, sgs));
        all = names = NULL;
    }
    free(names);
    free(sets);
    free(f4);
    free(f6);
    free(raw);
    free(all);
    return r;
}

int
iptfw_run(struct iptfw *fw)
{
    int status;
    pid_t r;

    if (!fw->child) {
        return 0;
    }
    r = waitpid(fw->child, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) {
        return 0;
    }
    if (r > 0 && WIFEXITED(status) && !WEXITSTATUS(status)) {
        free(fw->applied);
        free(fw->sets);
        json_decref(fw->had);
        fw->applied = fw->next_applied;
        fw->sets = fw->next_sets;
        fw->had = fw->next_had;
        fw->next_applied = fw->next_sets = NULL;
        fw->next_had = NULL;
        child_forget(fw);
        return 1;
    }
    child_forget(fw);
    return -EIO;
}

int
iptfw_wait_fd(const struct iptfw *fw)
{
    return fw->child ? fw->done_fd : -1;
}
