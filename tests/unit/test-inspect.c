/* The path inspector's pure parts: the checks on a healthy host's
 * observed document, then one broken thing at a time; the /proc/net
 * parser; the report, the picture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/ds.h"
#include "core/util.h"
#include "inspect/inspect-check.h"
#include "inspect/inspect-gather.h"
#include "inspect/inspect-print.h"
#include "inspect/inspect-probe.h"

#define NET  "11111111-2222-3333-4444-555555555555"
#define DHCP "dddddddd-0000-0000-0000-000000000000"
#define VM   "aaaaaaaa-0000-0000-0000-000000000000"
#define SUB  "ssssssss-0000-0000-0000-000000000000"

static const char server_json[] =
    "{\"network\": {\"id\": \"" NET "\", \"name\": \"provider\","
    "  \"provider:network_type\": \"flat\","
    "  \"provider:physical_network\": \"provider\"},"
    " \"subnets\": [{\"id\": \"" SUB "\", \"network_id\": \"" NET "\","
    "  \"cidr\": \"172.16.0.0/12\", \"gateway_ip\": \"172.16.0.1\","
    "  \"ip_version\": 4, \"enable_dhcp\": true}],"
    " \"ports\": ["
    "  {\"id\": \"" DHCP "\", \"device_owner\": \"network:dhcp\","
    "   \"mac_address\": \"fa:16:3e:00:00:01\", \"status\": \"ACTIVE\","
    "   \"binding:host_id\": \"h1\", \"fixed_ips\": [{\"subnet_id\": \"" SUB
    "\", \"ip_address\": \"172.17.0.0\"}]},"
    "  {\"id\": \"" VM "\", \"device_owner\": \"compute:nova\","
    "   \"mac_address\": \"fa:16:3e:00:00:02\", \"status\": \"ACTIVE\","
    "   \"binding:host_id\": \"h1\", \"fixed_ips\": [{\"subnet_id\": \"" SUB
    "\", \"ip_address\": \"172.17.0.5\"}]}]}";

/* What a healthy host shows (flows as an OpenFlow 1.3 switch prints the
 * agent's; int-br-provider and phy-br-provider are ofport 1, local VLAN
 * 1). */
static const char observed_json[] =
    "{\"bridges\": {"
    " \"br-int\": {\"datapath_type\": \"netdev\", \"ifaces\": ["
    "  {\"name\": \"br-int\", \"type\": \"internal\", \"ofport\": 65534},"
    "  {\"name\": \"int-br-provider\", \"type\": \"patch\", \"ofport\": 1,"
    "   \"peer\": \"phy-br-provider\"},"
    "  {\"name\": \"tapdddddddd-00\", \"type\": \"\", \"ofport\": 2,"
    "   \"tag\": 1, \"iface_id\": \"" DHCP "\","
    "   \"attached_mac\": \"fa:16:3e:00:00:01\", \"net_uuid\": \"" NET "\","
    "   \"oc_tag\": \"1\"},"
    "  {\"name\": \"tapaaaaaaaa-00\", \"type\": \"\", \"ofport\": 3,"
    "   \"tag\": 1, \"iface_id\": \"" VM "\","
    "   \"attached_mac\": \"fa:16:3e:00:00:02\", \"net_uuid\": \"" NET "\","
    "   \"oc_tag\": \"1\"}],"
    "  \"flows\": ["
    "  {\"table\": 0, \"priority\": 65535, \"match\": \"dl_vlan=4095\","
    "   \"actions\": \"drop\", \"n_packets\": 0},"
    "  {\"table\": 0, \"priority\": 3,"
    "   \"match\": \"in_port=1,vlan_tci=0x0000/0x1fff\", \"actions\":"
    "   \"push_vlan:0x8100,set_field:4097->vlan_vid,resubmit(,60)\","
    "   \"n_packets\": 7},"
    "  {\"table\": 0, \"priority\": 2, \"match\": \"in_port=1\","
    "   \"actions\": \"drop\", \"n_packets\": 0},"
    "  {\"table\": 0, \"priority\": 0, \"match\": \"\","
    "   \"actions\": \"resubmit(,60)\", \"n_packets\": 9},"
    "  {\"table\": 23, \"priority\": 0, \"match\": \"\","
    "   \"actions\": \"drop\", \"n_packets\": 0},"
    "  {\"table\": 24, \"priority\": 0, \"match\": \"\","
    "   \"actions\": \"drop\", \"n_packets\": 0},"
    "  {\"table\": 60, \"priority\": 3, \"match\": \"\","
    "   \"actions\": \"NORMAL\", \"n_packets\": 16}]},"
    " \"br-provider\": {\"datapath_type\": \"netdev\", \"ifaces\": ["
    "  {\"name\": \"br-provider\", \"type\": \"internal\", \"ofport\": 65534},"
    "  {\"name\": \"eth0\", \"type\": \"\", \"ofport\": 2},"
    "  {\"name\": \"phy-br-provider\", \"type\": \"patch\", \"ofport\": 1,"
    "   \"peer\": \"int-br-provider\"}],"
    "  \"flows\": ["
    "  {\"table\": 0, \"priority\": 4, \"match\": \"in_port=1,dl_vlan=1\","
    "   \"actions\": \"pop_vlan,NORMAL\", \"n_packets\": 5},"
    "  {\"table\": 0, \"priority\": 2, \"match\": \"in_port=1\","
    "   \"actions\": \"drop\", \"n_packets\": 0},"
    "  {\"table\": 0, \"priority\": 0, \"match\": \"\","
    "   \"actions\": \"NORMAL\", \"n_packets\": 12}]}},"
    " \"links\": {"
    "  \"eth0\": {\"name\": \"eth0\", \"kind\": \"veth\", \"up\": true,"
    "   \"tx_csum\": false},"
    "  \"tapdddddddd-00\": {\"name\": \"tapdddddddd-00\", \"kind\": \"veth\","
    "   \"up\": true, \"tx_csum\": false},"
    "  \"tapaaaaaaaa-00\": {\"name\": \"tapaaaaaaaa-00\", \"kind\": \"veth\","
    "   \"up\": true, \"tx_csum\": false}},"
    " \"namespace\": {\"name\": \"qdhcp-" NET "\", \"links\": ["
    "  {\"name\": \"lo\", \"up\": true, \"addrs\": [\"127.0.0.1/8\"]},"
    "  {\"name\": \"ns-dddddddd-00\", \"kind\": \"veth\", \"up\": true,"
    "   \"mac\": \"fa:16:3e:00:00:01\", \"tx_csum\": false,"
    "   \"addrs\": [\"172.17.0.0/12\", \"169.254.169.254/32\"]}],"
    "  \"routes\": [{\"dst\": \"0.0.0.0/0\", \"gateway\": \"172.16.0.1\","
    "   \"dev\": \"ns-dddddddd-00\"}],"
    "  \"sockets\": ["
    "   {\"proto\": \"udp\", \"addr\": \"0.0.0.0\", \"port\": 67},"
    "   {\"proto\": \"udp\", \"addr\": \"172.17.0.0\", \"port\": 53},"
    "   {\"proto\": \"tcp\", \"addr\": \"172.17.0.0\", \"port\": 53},"
    "   {\"proto\": \"tcp\", \"addr\": \"169.254.169.254\", \"port\": 80}]},"
    " \"dnsmasq\": {\"pid\": 42, \"running\": true,"
    "  \"interface\": \"ns-dddddddd-00\", \"hosts\": ["
    "  {\"mac\": \"fa:16:3e:00:00:02\", \"ip\": \"172.17.0.5\"}]}}";

struct fixture {
    json_t *server;
    json_t *obs;
    struct inspect_want want;
};

static int
setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    json_error_t error;

    f->server = json_loads(server_json, 0, &error);
    f->obs = json_loads(observed_json, 0, &error);
    assert_non_null(f->server);
    assert_non_null(f->obs);
    f->want = (struct inspect_want){
        .host = "h1",
        .integration_bridge = "br-int",
        .phys_bridge = "br-provider",
        .datapath_type = "netdev",
        .metadata = true,
        .network = json_object_get(f->server, "network"),
        .subnets = json_object_get(f->server, "subnets"),
        .ports = json_object_get(f->server, "ports"),
    };
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    json_decref(f->server);
    json_decref(f->obs);
    free(f);
    return 0;
}

/* The observed document's member at "a/b/0/c" (arrays by index). */
static json_t *
at(json_t *doc, const char *path)
{
    char *copy = xstrdup(path);
    char *save = NULL;

    for (char *p = strtok_r(copy, "/", &save); doc && p;
         p = strtok_r(NULL, "/", &save)) {
        doc = json_is_array(doc) ? json_array_get(doc, strtoul(p, NULL, 10))
                                 : json_object_get(doc, p);
    }
    free(copy);
    assert_non_null(doc);
    return doc;
}

/* The failed findings as "PORT8 step: detail" lines, one string. */
static char *
failures(struct fixture *f)
{
    json_t *findings = inspect_check(&f->want, f->obs);
    struct ds out = DS_EMPTY_INITIALIZER;
    size_t i;
    json_t *x;

    ds_put_cstr(&out, "");
    json_array_foreach (findings, i, x) {
        const char *port = json_string_value(json_object_get(x, "port"));

        if (json_is_true(json_object_get(x, "ok"))) {
            continue;
        }
        assert_non_null(json_object_get(x, "hint"));
        ds_put_format(&out, "%.8s%s%s: %s\n", port ? port : "",
                      port ? " " : "",
                      json_string_value(json_object_get(x, "step")),
                      json_string_value(json_object_get(x, "detail")));
    }
    assert_int_equal(inspect_all_ok(findings), out.len == 0);
    json_decref(findings);
    return ds_steal(&out);
}

static const char *
hint_of(struct fixture *f, const char *step)
{
    json_t *findings = inspect_check(&f->want, f->obs);
    static char hint[256];
    size_t i;
    json_t *x;

    hint[0] = '\0';
    json_array_foreach (findings, i, x) {
        const char *h = json_string_value(json_object_get(x, "hint"));
        if (h && streq(json_string_value(json_object_get(x, "step")), step)) {
            snprintf(hint, sizeof hint, "%s", h);
            break;
        }
    }
    json_decref(findings);
    return hint;
}

#define assert_failures(f, text)                                              \
    do {                                                                      \
        char *got_ = failures(f);                                             \
        assert_string_equal(got_, text);                                      \
        free(got_);                                                           \
    } while (0)

static void
test_healthy(void **state)
{
    struct fixture *f = *state;
    json_t *findings = inspect_check(&f->want, f->obs);
    json_t *last = json_array_get(findings, json_array_size(findings) - 1);

    assert_true(inspect_all_ok(findings));
    assert_int_equal(json_array_size(findings), 19);
    assert_string_equal(
        json_string_value(
            json_object_get(json_array_get(findings, 8), "detail")),
        "br-provider: 3 expected flows present; 5 packets to the wire "
        "from VLAN 1");
    assert_string_equal(json_string_value(json_object_get(last, "detail")),
                        "tapaaaaaaaa-00 -> br-int (tag 1) -> int-br-provider "
                        "=> phy-br-provider -> br-provider -> eth0");
    json_decref(findings);
}

static void
test_dnsmasq_dead(void **state)
{
    struct fixture *f = *state;

    json_object_set_new(at(f->obs, "dnsmasq"), "running", json_false());
    json_array_clear(at(f->obs, "namespace/sockets"));
    json_array_append_new(at(f->obs, "namespace/sockets"),
                          json_pack("{s:s,s:s,s:i}", "proto", "tcp", "addr",
                                    "169.254.169.254", "port", 80));
    assert_failures(f, "dnsmasq: no dnsmasq for qdhcp-" NET "\n"
                       "sockets: nothing listens on udp 0.0.0.0:67 udp "
                       "172.17.0.0:53 tcp 172.17.0.0:53\n");
    assert_string_equal(hint_of(f, "sockets"), "dnsmasq not running");
}

static void
test_metadata_listener_gone(void **state)
{
    struct fixture *f = *state;

    json_array_remove(at(f->obs, "namespace/sockets"), 3);
    assert_failures(f, "sockets: nothing listens on tcp "
                       "169.254.169.254:80\n");
    assert_true(strstr(hint_of(f, "sockets"), "metadata listener"));
}

static void
test_flow_missing(void **state)
{
    struct fixture *f = *state;

    json_array_remove(at(f->obs, "bridges/br-provider/flows"), 0);
    assert_failures(f, "flows: flow missing on br-provider: table=0,"
                       "priority=4,in_port=1,dl_vlan=1 "
                       "actions=strip_vlan,NORMAL\n"
                       "dddddddd path: tapdddddddd-00 -> br-int (tag 1) is "
                       "fine; the way to the wire is broken\n"
                       "aaaaaaaa path: tapaaaaaaaa-00 -> br-int (tag 1) is "
                       "fine; the way to the wire is broken\n");
}

static void
test_flow_differs(void **state)
{
    struct fixture *f = *state;

    /* The OpenFlow 1.0 spellings match too; another VLAN does not. */
    json_object_set_new(at(f->obs, "bridges/br-provider/flows/0"), "actions",
                        json_string("strip_vlan,NORMAL"));
    json_object_set_new(at(f->obs, "bridges/br-int/flows/1"), "actions",
                        json_string("set_field:4098->vlan_vid,resubmit(,60)"));
    char *got = failures(f);
    assert_non_null(strstr(got, "flows: flow differs on br-int: table=0,"
                                "priority=3,in_port=1,vlan_tci=0x0000/0x1fff"
                                " actions=set_field:4098->vlan_vid,"
                                "resubmit(,60), want mod_vlan_vid:1,"
                                "resubmit(,60)\n"));
    assert_null(strstr(got, "br-provider"));
    free(got);
}

static void
test_tag_differs(void **state)
{
    struct fixture *f = *state;

    json_object_set_new(at(f->obs, "bridges/br-int/ifaces/3"), "tag",
                        json_integer(7));
    assert_failures(f, "aaaaaaaa tag: tapaaaaaaaa-00 has tag 7, local "
                       "VLAN 1\n");
    assert_true(
        str_startswith(hint_of(f, "tag"), "port tag differs from local VLAN"));
    json_object_set_new(at(f->obs, "bridges/br-int/ifaces/3"), "tag",
                        json_integer(4095));
    assert_failures(f, "aaaaaaaa tag: tapaaaaaaaa-00 is on the dead VLAN "
                       "4095\n");
}

static void
test_patch_port(void **state)
{
    struct fixture *f = *state;

    json_object_set_new(at(f->obs, "bridges/br-provider/ifaces/2"), "peer",
                        json_string("nonexistent-peer"));
    char *got = failures(f);
    assert_true(str_startswith(got, "patch port: phy-br-provider on "
                                    "br-provider has peer "
                                    "'nonexistent-peer', want "
                                    "'int-br-provider'\n"));
    free(got);
    json_array_remove(at(f->obs, "bridges/br-int/ifaces"), 1);
    got = failures(f);
    assert_true(str_startswith(got, "patch port: int-br-provider missing on "
                                    "br-int\n"));
    free(got);
}

static void
test_no_nic(void **state)
{
    struct fixture *f = *state;

    json_array_remove(at(f->obs, "bridges/br-provider/ifaces"), 1);
    char *got = failures(f);
    assert_true(str_startswith(got, "NIC: no NIC on br-provider\n"));
    free(got);
    assert_true(strstr(hint_of(f, "NIC"), "ovs-vsctl add-port"));
}

static void
test_offload(void **state)
{
    struct fixture *f = *state;

    json_object_set_new(at(f->obs, "links/tapaaaaaaaa-00"), "tx_csum",
                        json_true());
    json_object_set_new(at(f->obs, "namespace/links/1"), "tx_csum",
                        json_true());
    assert_failures(f, "dddddddd offload: TX checksum offload on a veth "
                       "feeding the userspace datapath: ns-dddddddd-00\n"
                       "aaaaaaaa offload: TX checksum offload on a veth "
                       "feeding the userspace datapath: tapaaaaaaaa-00\n");
    /* The kernel datapath completes checksums itself. */
    f->want.datapath_type = "system";
    json_object_set_new(at(f->obs, "bridges/br-int"), "datapath_type",
                        json_string("system"));
    json_object_set_new(at(f->obs, "bridges/br-provider"), "datapath_type",
                        json_string("system"));
    assert_failures(f, "");
}

static void
test_hosts_file(void **state)
{
    struct fixture *f = *state;

    json_object_set_new(at(f->obs, "dnsmasq/hosts/0"), "ip",
                        json_string("172.17.0.6"));
    assert_failures(f, "dnsmasq hosts: host file lacks (fa:16:3e:00:00:02 "
                       "172.17.0.5); stale: (fa:16:3e:00:00:02 "
                       "172.17.0.6)\n");
}

static void
test_interface_file(void **state)
{
    struct fixture *f = *state;

    json_object_set_new(at(f->obs, "dnsmasq"), "interface",
                        json_string("tapdddddddd-00"));
    assert_failures(f, "dnsmasq files: the interface file names "
                       "tapdddddddd-00, the namespace's device is "
                       "ns-dddddddd-00\n");
    json_object_del(at(f->obs, "dnsmasq"), "interface");
    assert_failures(f, "dnsmasq files: no interface file\n");
}

static void
test_namespace_parts(void **state)
{
    struct fixture *f = *state;

    json_array_remove(at(f->obs, "namespace/links/1/addrs"), 1);
    json_array_clear(at(f->obs, "namespace/routes"));
    assert_failures(f, "DHCP interface: ns-dddddddd-00 lacks "
                       "169.254.169.254/32\n"
                       "DHCP route: no default via 172.16.0.1 dev "
                       "ns-dddddddd-00\n");
    json_object_del(f->obs, "namespace");
    assert_failures(f, "namespace: qdhcp-" NET " missing\n");
    json_object_set_new(f->obs, "namespace",
                        json_pack("{s:s}", "error", "Permission denied"));
    assert_failures(f, "namespace: cannot enter qdhcp-" NET
                       ": Permission denied\n");
}

static void
test_unmapped_and_unreachable(void **state)
{
    struct fixture *f = *state;

    f->want.phys_bridge = NULL;
    assert_failures(f, "network: physical network 'provider' is not in "
                       "bridge_mappings\n");
    f->want.phys_bridge = "br-provider";
    json_object_set_new(f->obs, "ovsdb",
                        json_pack("{s:s}", "error", "no answer from x"));
    assert_failures(f, "ovsdb: no answer from x\n");
}

static void
test_other_hosts(void **state)
{
    struct fixture *f = *state;

    /* DHCP served elsewhere: nothing to check here; a port bound
     * elsewhere is only an error when it is the one asked about. */
    json_object_set_new(at(f->server, "ports/0"), "binding:host_id",
                        json_string("h2"));
    json_object_set_new(at(f->server, "ports/1"), "binding:host_id",
                        json_string("h2"));
    assert_failures(f, "");
    f->want.only_port = VM;
    assert_failures(f, "aaaaaaaa binding: bound to host 'h2', not here\n");
}

static void
test_not_plugged_and_down(void **state)
{
    struct fixture *f = *state;

    json_object_set_new(at(f->server, "ports/1"), "status",
                        json_string("DOWN"));
    assert_failures(f, "aaaaaaaa status: the server says DOWN\n");
    json_array_remove(at(f->obs, "bridges/br-int/ifaces"), 3);
    assert_failures(f, "aaaaaaaa interface: no interface of the port on "
                       "br-int\n");
}

static void
test_vlan_network(void **state)
{
    struct fixture *f = *state;

    /* VLAN 101 on the wire: br-int matches it, br-provider sets it. */
    json_object_set_new(f->want.network, "provider:network_type",
                        json_string("vlan"));
    json_object_set_new(f->want.network, "provider:segmentation_id",
                        json_integer(101));
    json_object_set_new(at(f->obs, "bridges/br-int/flows/1"), "match",
                        json_string("in_port=1,dl_vlan=101"));
    json_object_set_new(at(f->obs, "bridges/br-int/flows/1"), "actions",
                        json_string("set_field:4097->vlan_vid,"
                                    "resubmit(,60)"));
    json_object_set_new(at(f->obs, "bridges/br-provider/flows/0"), "actions",
                        json_string("set_field:4197->vlan_vid,NORMAL"));
    assert_failures(f, "");
    /* Still the flat network's strip: the wrong translation. */
    json_object_set_new(at(f->obs, "bridges/br-provider/flows/0"), "actions",
                        json_string("pop_vlan,NORMAL"));
    char *got = failures(f);
    assert_true(str_startswith(got, "flows: flow differs on br-provider: "
                                    "table=0,priority=4,in_port=1,dl_vlan=1 "
                                    "actions=pop_vlan,NORMAL, want "
                                    "mod_vlan_vid:101,NORMAL\n"));
    free(got);
}

static void
test_proc_net(void **state)
{
    static const char tcp[] =
        "  sl  local_address rem_address   st tx_queue rx_queue ...\n"
        "   0: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:0 0\n"
        "   1: FEA9FEA9:0050 00000000:0000 0A 00000000:00000000 00:0 0\n"
        "   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:0 0\n"
        "garbage\n";
    static const char udp[] =
        "   sl  local_address rem_address   st ...\n"
        "  12: 00000000:0043 00000000:0000 07 00000000:00000000 00:0 0\n";
    json_t *out = json_array();
    char *text;

    (void) state;
    inspect_parse_proc_net(tcp, "tcp", out);
    inspect_parse_proc_net(udp, "udp", out);
    text = json_dumps(out, JSON_COMPACT);
    assert_string_equal(
        text, "[{\"proto\":\"tcp\",\"addr\":\"127.0.0.1\",\"port\":53},"
              "{\"proto\":\"tcp\",\"addr\":\"169.254.169.254\",\"port\":80},"
              "{\"proto\":\"udp\",\"addr\":\"0.0.0.0\",\"port\":67}]");
    free(text);
    json_decref(out);
}

static void
test_print(void **state)
{
    struct fixture *f = *state;
    json_t *findings;
    char *table, *graph, *dot, *js;

    json_object_set_new(at(f->obs, "bridges/br-int/ifaces/3"), "tag",
                        json_integer(7));
    findings = inspect_check(&f->want, f->obs);
    table = inspect_print_table(&f->want, findings);
    graph = inspect_print_graph(&f->want, findings, f->obs);
    dot = inspect_print_dot(&f->want, findings, f->obs);
    js = inspect_print_json(&f->want, findings, f->obs);
    assert_non_null(strstr(table,
                           "FAIL  port aaaaaaaa tag      tapaaaaaaaa-00 "
                           "has tag 7, local VLAN 1\n      hint: "
                           "port tag differs"));
    assert_non_null(strstr(table, "\n1 of 18 steps broken\n"));
    assert_non_null(strstr(graph, "  [x tapaaaaaaaa-00] --tag 7--> [br-int]"
                                  " --> [int-br-provider] ==patch==> "
                                  "[phy-br-provider] --> [br-provider] --> "
                                  "[eth0] ~~ physical network 'provider'"));
    assert_non_null(strstr(graph, "  [tapdddddddd-00] --tag 1--> [br-int]"));
    assert_non_null(strstr(graph, "qdhcp-" NET ": [ns-dddddddd-00 "
                                  "172.17.0.0/12 169.254.169.254/32] "
                                  "dnsmasq pid 42\n"));
    assert_non_null(strstr(dot, "\"" VM "\" [label=\"tapaaaaaaaa-00\\n"
                                "fa:16:3e:00:00:02 172.17.0.5\", "
                                "color=red, fontcolor=red];"));
    assert_non_null(strstr(dot,
                           "  subgraph \"cluster_ns\" {\n  label=\"qdhcp-" NET
                           "\";\n  \"ns-dddddddd-00\" [label=\"ns-dddddddd-00"
                           "\\n172.17.0.0/12\\n169.254.169.254/32\"];\n"));
    assert_non_null(strstr(dot, "\"ns-dddddddd-00\" -> \"" DHCP "\" [label="
                                "\"veth\", dir=none];"));
    assert_non_null(strstr(js, "\"ok\": false"));
    free(table);
    free(graph);
    free(dot);
    free(js);
    json_decref(findings);
}

static void
test_probe_frames(void **state)
{
    static const uint8_t mac[6] = {0xfa, 0x16, 0x3e, 0, 0, 2};
    uint8_t frame[INSPECT_PROBE_FRAME_MAX], got[6];
    struct in_addr yiaddr, server, gw = {htonl(0xac100001)};
    static const uint8_t src[6] = {2, 0, 0, 0, 0, 7};
    size_t len = inspect_probe_dhcp_discover(frame, src, mac, 0x01020304);
    uint8_t *bootp = frame + 42, *opt = bootp + 240;

    (void) state;
    assert_int_equal(len, 14 + 20 + 8 + 300);
    assert_memory_equal(frame + 6, src, 6);
    assert_memory_equal(bootp + 28, mac, 6);
    assert_int_equal(bootp[10], 0x80); /* Broadcast flag. */
    assert_int_equal(opt[2], 1);       /* DHCPDISCOVER. */
    /* Its own frame is no offer; turned into one from 172.17.0.0, it is. */
    assert_int_equal(
        inspect_probe_parse_offer(frame, len, 0x01020304, &yiaddr, &server),
        -EINVAL);
    frame[14 + 20 + 2] = 0;
    frame[14 + 20 + 3] = 68;
    bootp[0] = 2;
    memcpy(bootp + 16, "\xac\x11\x00\x05", 4);
    opt[2] = 2;
    memcpy(opt + 3, "\x36\x04\xac\x11\x00\x00\xff", 7);
    assert_int_equal(
        inspect_probe_parse_offer(frame, len, 0x01020304, &yiaddr, &server),
        0);
    assert_int_equal(ntohl(yiaddr.s_addr), 0xac110005);
    assert_int_equal(ntohl(server.s_addr), 0xac110000);
    assert_int_equal(
        inspect_probe_parse_offer(frame, len, 0x01020305, &yiaddr, &server),
        -EINVAL);
    assert_int_equal(
        inspect_probe_parse_offer(frame, 100, 0x01020304, &yiaddr, &server),
        -EINVAL);

    len = inspect_probe_arp_request(frame, mac, gw);
    assert_int_equal(len, 42);
    assert_memory_equal(frame + 38, &gw.s_addr, 4);
    assert_int_equal(inspect_probe_parse_arp_reply(frame, len, gw, got),
                     -EINVAL); /* A request. */
    frame[21] = 2;
    memcpy(frame + 22, "\x02\0\0\0\0\x09", 6);
    memcpy(frame + 28, &gw.s_addr, 4);
    assert_int_equal(inspect_probe_parse_arp_reply(frame, len, gw, got), 0);
    assert_memory_equal(got, "\x02\0\0\0\0\x09", 6);
    gw.s_addr = htonl(0xac100002);
    assert_int_equal(inspect_probe_parse_arp_reply(frame, len, gw, got),
                     -EINVAL);
}

static void
test_probe_findings(void **state)
{
    struct fixture *f = *state;
    json_t *probe = json_pack(
        "{s:{s:s,s:s},s:{s:s,s:s,s:s},s:{s:[{s:i,s:i,s:s,s:i}]},"
        "s:{s:[{s:i,s:i,s:s,s:i}]}}",
        "arp", "target", "172.16.0.1", "mac", "02:00:00:00:00:09", "dhcp",
        "mac", "fa:16:3e:00:00:02", "offer", "172.17.0.5", "server",
        "172.17.0.0", "before", "br-int", "table", 0, "priority", 0, "match",
        "", "n_packets", 9, "after", "br-int", "table", 0, "priority", 0,
        "match", "", "n_packets", 11);

    json_object_set_new(f->obs, "probe", probe);
    f->want.only_port = VM;
    assert_failures(f, "");
    json_object_del(json_object_get(probe, "arp"), "mac");
    json_object_set_new(json_object_get(probe, "dhcp"), "offer",
                        json_string("172.17.0.9"));
    assert_failures(f, "probe ARP: no ARP reply from the gateway "
                       "172.16.0.1\n"
                       "aaaaaaaa probe DHCP: 172.17.0.0 offered 172.17.0.9, "
                       "the port has 172.17.0.5\n");
    assert_string_equal(hint_of(f, "probe ARP"),
                        "the request never left br-int (flow counters that "
                        "moved meanwhile: br-int table=0,priority=0 +2)");
    /* Out through the NIC; then dropped on the physical bridge. */
    json_object_set_new(json_object_get(probe, "before"), "br-provider",
                        json_pack("[{s:i,s:i,s:s,s:s,s:i}]", "table", 0,
                                  "priority", 4, "match",
                                  "in_port=1,dl_vlan=1", "actions",
                                  "pop_vlan,NORMAL", "n_packets", 5));
    json_object_set_new(json_object_get(probe, "after"), "br-provider",
                        json_pack("[{s:i,s:i,s:s,s:s,s:i}]", "table", 0,
                                  "priority", 4, "match",
                                  "in_port=1,dl_vlan=1", "actions",
                                  "pop_vlan,NORMAL", "n_packets", 6));
    assert_true(str_startswith(hint_of(f, "probe ARP"),
                               "the request went out through eth0; nothing "
                               "came back from the physical network (flow "
                               "counters that moved meanwhile: "));
    json_t *flow = json_array_get(
        json_object_get(json_object_get(probe, "after"), "br-provider"), 0);
    json_object_set_new(flow, "priority", json_integer(2));
    json_object_set_new(flow, "match", json_string("in_port=1"));
    json_object_set_new(flow, "actions", json_string("drop"));
    assert_true(str_startswith(hint_of(f, "probe ARP"),
                               "the request was dropped on br-provider by "
                               "table=0,priority=2,in_port=1 (flow"));
    json_object_del(json_object_get(probe, "dhcp"), "offer");
    json_object_set_new(probe, "error", json_string("no room"));
    assert_failures(f, "probe: no room\n"
                       "probe ARP: no ARP reply from the gateway "
                       "172.16.0.1\n"
                       "aaaaaaaa probe DHCP: no DHCP offer for "
                       "fa:16:3e:00:00:02\n");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_healthy),
        T(test_dnsmasq_dead),
        T(test_metadata_listener_gone),
        T(test_flow_missing),
        T(test_flow_differs),
        T(test_tag_differs),
        T(test_patch_port),
        T(test_no_nic),
        T(test_offload),
        T(test_hosts_file),
        T(test_interface_file),
        T(test_namespace_parts),
        T(test_unmapped_and_unreachable),
        T(test_other_hosts),
        T(test_not_plugged_and_down),
        T(test_vlan_network),
        T(test_proc_net),
        T(test_print),
        T(test_probe_frames),
        T(test_probe_findings),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
