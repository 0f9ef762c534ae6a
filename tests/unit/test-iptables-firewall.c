/* Unit tests for the iptables_hybrid driver's rendering
 * (agent/iptables-firewall.h): Neutron's chain names, spoofing, rules,
 * ipsets, the merge into what iptables-save shows, and the sync child
 * (with stand-in tools first in PATH). */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/iptables-firewall.h"
#include "core/util.h"

#define PORT "670110e0-a8c5-4b7e-9d0a-000000000001"
#define SG   "6dc7558a-09a0-461f-969a-5b9c0693cdff"

static json_t *
parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, 0, &error);

    if (!v) {
        fail_msg("bad JSON in test: %s", error.text);
    }
    return v;
}

static json_t *
port(bool security)
{
    return json_pack("{s:s, s:s, s:[{s:s}], s:[{s:s, s:s}], s:b, s:s, s:[s]}",
                     "id", PORT, "mac_address", "fa:16:3e:44:c6:f3",
                     "fixed_ips", "ip_address", "192.168.100.150",
                     "allowed_address_pairs", "ip_address", "192.168.100.99",
                     "mac_address", "fa:16:3e:44:c6:f3",
                     "port_security_enabled", security, "device_owner",
                     "compute:nova", "security_groups", SG);
}

static json_t *
groups(bool stateful)
{
    json_t *sgs =
        parse("{\"" SG "\": {\"id\": \"" SG "\", \"members\": {\"IPv4\": "
              "[\"192.168.100.150\", \"192.168.100.151/32\"], \"IPv6\": []}, "
              "\"security_group_rules\": ["
              "{\"direction\": \"ingress\", \"ethertype\": \"IPv4\", "
              "\"remote_group_id\": \"" SG "\"},"
              "{\"direction\": \"ingress\", \"ethertype\": \"IPv4\", "
              "\"protocol\": \"tcp\", \"port_range_min\": 22, "
              "\"port_range_max\": 23, \"remote_ip_prefix\": \"10.0.0.0/8\"},"
              "{\"direction\": \"ingress\", \"ethertype\": \"IPv6\", "
              "\"remote_group_id\": \"" SG "\"},"
              "{\"direction\": \"egress\", \"ethertype\": \"IPv4\"}]}}");

    json_object_set_new(json_object_get(sgs, SG), "stateful",
                        json_boolean(stateful));
    return sgs;
}

static void
assert_has(const char *text, const char *line)
{
    if (!text) {
        fail_msg("missing '%s': no text", line);
    } else if (!strstr(text, line)) {
        fail_msg("missing '%s' in:\n%s", line, text);
    }
}

static void
test_filter_as_neutron(void **state)
{
    json_t *p = port(true), *sgs = groups(true), *ags = json_object();
    struct iptfw_port ports[] = {{p, 4097}};
    char *f = iptfw_filter(ports, 1, sgs, 4);

    assert_true(str_startswith(f, "*filter\n"));
    assert_has(f, ":neutron-openvswi-i670110e0-a - [0:0]\n");
    assert_has(f, ":neutron-openvswi-o670110e0-a - [0:0]\n");
    assert_has(f, ":neutron-openvswi-s670110e0-a - [0:0]\n");
    assert_has(f, ":neutron-openvswi-sg-chain - [0:0]\n");
    assert_has(f, "-A FORWARD -j neutron-openvswi-FORWARD\n");
    assert_has(f, "-A neutron-openvswi-FORWARD -m physdev --physdev-out "
                  "tap670110e0-a8 --physdev-is-bridged");
    assert_has(f, "-A neutron-openvswi-sg-chain -m physdev --physdev-in "
                  "tap670110e0-a8 --physdev-is-bridged -m comment --comment "
                  "\"Jump to the VM specific chain.\" -j "
                  "neutron-openvswi-o670110e0-a\n");
    /* Rules: remote group through its ipset, prefix + port range. */
    assert_has(f, "-A neutron-openvswi-i670110e0-a -m set --match-set "
                  "NIPv46dc7558a-09a0-461f-969a-5b src -j RETURN\n");
    assert_has(f, "-A neutron-openvswi-i670110e0-a -s 10.0.0.0/8 -p tcp -m "
                  "tcp --dport 22:23 -j RETURN\n");
    assert_has(f, "-A neutron-openvswi-o670110e0-a -j RETURN\n");
    assert_has(f, "--state RELATED,ESTABLISHED");
    /* Spoofing: fixed IP and the pair, with the MAC. */
    assert_has(f, "-A neutron-openvswi-s670110e0-a -s 192.168.100.150 -m mac "
                  "--mac-source fa:16:3e:44:c6:f3");
    assert_has(f, "-A neutron-openvswi-s670110e0-a -s 192.168.100.99 -m mac");
    assert_has(f, "--sport 67 --dport 68 -m comment --comment \"Prevent DHCP "
                  "Spoofing by VM.\" -j DROP\n");
    assert_true(str_startswith(strstr(f, "COMMIT\n"), "COMMIT\n"));
    assert_null(strstr(f, "fe80"));
    free(f);

    f = iptfw_filter(ports, 1, sgs, 6);
    assert_has(f, "--icmpv6-type 134 -m comment --comment \"Drop IPv6 Router "
                  "Advts from VM Instance.\" -j DROP\n");
    assert_has(f, "-A neutron-openvswi-s670110e0-a -s fe80::f816:3eff:"
                  "fe44:c6f3 -m mac");
    assert_null(strstr(f, "--dport 22:23")); /* An IPv4 rule. */
    free(f);
    json_decref(p);
    json_decref(sgs);
    json_decref(ags);
}

static void
test_stateless_and_unfiltered(void **state)
{
    json_t *p = port(true), *off = port(false), *sgs = groups(false);
    json_t *ags = json_object();
    struct iptfw_port ports[] = {{p, 4097}};
    char *f = iptfw_filter(ports, 1, sgs, 4), *raw;

    assert_null(strstr(f, "--state"));
    free(f);
    raw = iptfw_raw(ports, 1, sgs);
    assert_has(raw, "-A neutron-openvswi-PREROUTING -m physdev --physdev-in "
                    "tap670110e0-a8 -m comment --comment \"Set zone for "
                    "670110e0\" -j CT --notrack\n");
    free(raw);
    json_object_set_new(json_object_get(sgs, SG), "stateful", json_true());
    raw = iptfw_raw(ports, 1, sgs);
    assert_has(raw, "-i qvb670110e0-a8 -m comment --comment \"Set zone for "
                    "670110e0\" -j CT --zone 4097\n");
    free(raw);

    ports[0].port = off;
    f = iptfw_filter(ports, 1, sgs, 4);
    assert_has(f, "\"Accept all packets when port security is disabled.\" "
                  "-j ACCEPT\n");
    assert_null(strstr(f, ":neutron-openvswi-i670110e0-a"));
    free(f);
    json_decref(p);
    json_decref(off);
    json_decref(sgs);
    json_decref(ags);
}

static void
test_ipsets(void **state)
{
    json_t *p = port(true), *sgs = groups(true), *ags = json_object();
    struct iptfw_port ports[] = {{p, 4097}};
    char *names = NULL;
    char *script = iptfw_ipsets(ports, 1, sgs, ags, &names);

    /* One set per IP version of the remote group. */
    assert_string_equal(names, "NIPv46dc7558a-09a0-461f-969a-5b\n"
                               "NIPv66dc7558a-09a0-461f-969a-5b\n");
    assert_has(script, "create NIPv46dc7558a-09a0-461f-969a-5b hash:net "
                       "family inet -exist\n");
    assert_has(script, "add TIPv46dc7558a-09a0-461f-969a-5b "
                       "192.168.100.151/32 -exist\n");
    assert_has(script, "swap TIPv46dc7558a-09a0-461f-969a-5b "
                       "NIPv46dc7558a-09a0-461f-969a-5b\n");
    free(script);
    free(names);
    json_decref(p);
    json_decref(sgs);
    json_decref(ags);
}

static void
test_merge_keeps_others(void **state)
{
    const char *saved =
        "# Generated by iptables-save\n*filter\n:INPUT ACCEPT [0:0]\n"
        ":FORWARD DROP [3:120]\n:OUTPUT ACCEPT [0:0]\n:DOCKER - [0:0]\n"
        ":neutron-openvswi-i1111111111 - [0:0]\n"
        "-A FORWARD -j DOCKER\n-A FORWARD -j neutron-filter-top\n"
        "-A neutron-openvswi-i1111111111 -j RETURN\n"
        "-A DOCKER -p tcp -j ACCEPT\nCOMMIT\n# Completed\n";
    const char *mine = "*filter\n:neutron-filter-top - [0:0]\n"
                       "-A FORWARD -j neutron-filter-top\nCOMMIT\n";
    char *m = iptfw_merge(saved, mine);

    assert_string_equal(m, "*filter\n:INPUT ACCEPT [0:0]\n"
                           ":FORWARD DROP [3:120]\n:OUTPUT ACCEPT [0:0]\n"
                           ":DOCKER - [0:0]\n:neutron-filter-top - [0:0]\n"
                           "-A FORWARD -j DOCKER\n-A DOCKER -p tcp -j ACCEPT\n"
                           "-A FORWARD -j neutron-filter-top\nCOMMIT\n");
    free(m);
    m = iptfw_merge("", mine);
    assert_string_equal(m, mine);
    free(m);
}

/* Writes executable 'name' in 'dir' running shell 'body'. */
static void
tool(const char *dir, const char *name, const char *body)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
    free(path);
}

/* Waits for the sync child and reaps it: iptfw_run()'s answer. */
static int
reap(struct iptfw *fw)
{
    struct pollfd pfd = {iptfw_wait_fd(fw), POLLIN, 0};
    int r;

    assert_true(pfd.fd >= 0);
    assert_true(poll(&pfd, 1, 10000) == 1);
    while (!(r = iptfw_run(fw))) {
        usleep(1000);
    }
    assert_int_equal(iptfw_wait_fd(fw), -1);
    return r;
}

/* iptfw_sync() applies in a child: the loop goes on (-EINPROGRESS, then
 * -EBUSY while it runs), iptfw_run() reports how it ended, and only a
 * success counts as applied. */
static void
test_sync_in_a_child(void **state)
{
    char dir[] = "/tmp/test-iptfw-XXXXXX";
    json_t *p = port(true), *sgs = groups(true), *ags = json_object();
    struct iptfw_port ports[] = {{p, 4097}};
    struct iptfw *fw = iptfw_create();
    char *path, *log, *text;
    FILE *f;

    (void) state;
    /* As root, a namespace of our own: the sync sets bridge sysctls. */
    if (geteuid() == 0) {
        assert_int_equal(unshare(CLONE_NEWNET), 0);
    }
    assert_non_null(mkdtemp(dir));
    log = xasprintf("%s/restored", dir);
    text = xasprintf("cat >> %s; echo '#' >> %s", log, log);
    tool(dir, "ipset", "cat > /dev/null");
    tool(dir, "iptables-save", "echo '*filter'; echo COMMIT");
    tool(dir, "ip6tables-save", "echo '*filter'; echo COMMIT");
    tool(dir, "iptables-restore", text);
    tool(dir, "ip6tables-restore", text);
    tool(dir, "conntrack", "exit 1");
    path = xasprintf("%s:%s", dir, getenv("PATH"));
    setenv("PATH", path, 1);

    assert_int_equal(iptfw_sync(fw, ports, 1, sgs, ags), -EINPROGRESS);
    assert_int_equal(iptfw_sync(fw, ports, 1, sgs, ags), -EBUSY);
    assert_int_equal(reap(fw), 1);
    f = fopen(log, "r");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(iptfw_sync(fw, ports, 1, sgs, ags), 0); /* Applied. */

    /* A tool fails: not applied, so the next sync tries again. */
    tool(dir, "iptables-restore", "cat > /dev/null; exit 1");
    json_object_set_new(json_object_get(sgs, SG), "stateful", json_false());
    assert_int_equal(iptfw_sync(fw, ports, 1, sgs, ags), -EINPROGRESS);
    assert_int_equal(reap(fw), -EIO);
    assert_int_equal(iptfw_sync(fw, ports, 1, sgs, ags), -EINPROGRESS);
    assert_int_equal(reap(fw), -EIO);

    iptfw_destroy(fw);
    free(text);
    free(log);
    free(path);
    text = xasprintf("rm -r %s", dir);
    assert_int_equal(system(text), 0);
    free(text);
    json_decref(p);
    json_decref(sgs);
    json_decref(ags);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_as_neutron),
        cmocka_unit_test(test_stateless_and_unfiltered),
        cmocka_unit_test(test_ipsets),
        cmocka_unit_test(test_merge_keeps_others),
        cmocka_unit_test(test_sync_in_a_child),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
