/* Unit tests for the DHCP role's pure parts: dnsmasq's command line and
 * files (agent/dnsmasq.h) against seed 000 and the reference's examples,
 * the refusal of injected values and the metadata answers
 * (agent/metadata.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "agent/dnsmasq.h"
#include "agent/metadata.h"

#define NET  "85f372ef-f39a-42bb-a06b-9f9ed8e4e58e"
#define SUB  "ef7c7472-0b1d-497f-bc86-889a5c6ae52c"
#define DIR  "/var/lib/neutron/dhcp/" NET
#define DHCP "43bf8dcc-0800-4a8f-9c2e-1b2c3d4e5f60"
#define VM1  "66666666-2222-3333-4444-555555555555"
#define VM2  "11111111-2222-3333-4444-555555555555"

static const struct dnsmasq_config seed_cfg = {
    .dir = DIR,
    .domain = "openstacklocal",
    .lease_duration = 86400,
    .lease_max = 1 << 24,
    .isolated_metadata = true,
};

static json_t *
load(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, 0, &err);

    if (!v) {
        fail_msg("bad test JSON: %s", err.text);
    }
    return v;
}

/* Seed 000's network, subnet and DHCP port, two VMs (VM1 with an extra
 * DHCP option) and a port of another network. */
static json_t *
seed_subnets(void)
{
    return load("{\"" SUB "\": {\"id\": \"" SUB "\", \"network_id\": \"" NET
                "\", \"cidr\": \"172.16.0.0/12\", \"ip_version\": 4,"
                " \"enable_dhcp\": true, \"gateway_ip\": \"172.16.0.1\","
                " \"dns_nameservers\": [], \"host_routes\": []},"
                " \"a0000000-0000-0000-0000-000000000000\": {\"id\":"
                " \"a0000000-0000-0000-0000-000000000000\", \"network_id\":"
                " \"" NET "\", \"cidr\": \"10.0.0.0/24\", \"ip_version\": 4,"
                " \"enable_dhcp\": false}}");
}

static json_t *
seed_ports(void)
{
    return load(
        "{\"" DHCP "\": {\"id\": \"" DHCP "\", \"network_id\": \"" NET
        "\", \"device_owner\": \"network:dhcp\", \"mac_address\":"
        " \"fa:16:3e:4a:1e:19\", \"fixed_ips\": [{\"subnet_id\": \"" SUB
        "\", \"ip_address\": \"172.17.0.0\"}]},"
        " \"" VM1 "\": {\"id\": \"" VM1 "\", \"network_id\": \"" NET
        "\", \"device_owner\": \"compute:nova\", \"mac_address\":"
        " \"FA:16:3E:DD:EE:FF\", \"fixed_ips\": [{\"subnet_id\": \"" SUB
        "\", \"ip_address\": \"172.17.0.43\"}], \"extra_dhcp_opts\":"
        " [{\"opt_name\": \"bootfile-name\", \"opt_value\": \"pxelinux.0\","
        " \"ip_version\": 4}, {\"opt_name\": \"66\", \"opt_value\":"
        " \"10.0.0.9\", \"ip_version\": 4}]},"
        " \"" VM2 "\": {\"id\": \"" VM2 "\", \"network_id\": \"" NET
        "\", \"device_owner\": \"\", \"mac_address\": \"fa:16:3e:aa:bb:cc\","
        " \"fixed_ips\": [{\"subnet_id\": \"" SUB
        "\", \"ip_address\": \"172.17.0.42\"}]}}");
}

static void
test_argv_as_seed(void **state)
{
    json_t *all = seed_subnets(), *subs = dnsmasq_subnets(all, NET);
    json_t *net = load("{\"id\": \"" NET "\", \"mtu\": 1500}");
    char **argv = dnsmasq_argv(&seed_cfg, net, subs);
    const char *want[] = {
        "dnsmasq",
        "--no-hosts",
        "--no-resolv",
        "--pid-file=" DIR "/pid",
        "--dhcp-hostsfile=" DIR "/host",
        "--addn-hosts=" DIR "/addn_hosts",
        "--dhcp-optsfile=" DIR "/opts",
        "--dhcp-leasefile=" DIR "/leases",
        "--dhcp-match=set:ipxe,175",
        "--dhcp-userclass=set:ipxe6,iPXE",
        "--local-service",
        "--bind-dynamic",
        "--dhcp-range=set:subnet-" SUB ",172.16.0.0,static,255.240.0.0,"
        "86400s",
        "--dhcp-option-force=option:mtu,1500",
        "--dhcp-lease-max=1048576",
        "--conf-file=/dev/null",
        "--domain=openstacklocal",
        NULL,
    };
    size_t i;

    assert_int_equal(json_array_size(subs), 1); /* DHCP-disabled: out. */
    for (i = 0; want[i]; i++) {
        assert_non_null(argv[i]);
        assert_string_equal(argv[i], want[i]);
    }
    assert_null(argv[i]);
    dnsmasq_argv_free(argv);
    json_decref(subs);
    json_decref(all);
    json_decref(net);
}

static void
test_files_as_neutron(void **state)
{
    json_t *all = seed_subnets(), *subs = dnsmasq_subnets(all, NET);
    json_t *ports = seed_ports();
    json_t *dhcp = json_object_get(ports, DHCP);
    char *hosts = dnsmasq_hosts(&seed_cfg, subs, ports);
    char *addn = dnsmasq_addn_hosts(&seed_cfg, subs, ports);
    char *opts = dnsmasq_opts(&seed_cfg, subs, ports, dhcp);
    char *leases = dnsmasq_leases(&seed_cfg, subs, ports, 1000);

    /* The DHCP port itself is not listed; ports in id order. */
    assert_string_equal(hosts,
                        "fa:16:3e:aa:bb:cc,host-172-17-0-42.openstacklocal,"
                        "172.17.0.42\n"
                        "fa:16:3e:dd:ee:ff,host-172-17-0-43.openstacklocal,"
                        "172.17.0.43,set:port-" VM1 "\n");
    assert_string_equal(addn, "172.17.0.42\thost-172-17-0-42.openstacklocal "
                              "host-172-17-0-42\n"
                              "172.17.0.43\thost-172-17-0-43.openstacklocal "
                              "host-172-17-0-43\n");
    assert_string_equal(opts,
                        "tag:subnet-" SUB ",option:classless-static-route,"
                        "169.254.169.254/32,172.17.0.0,0.0.0.0/0,172.16.0.1\n"
                        "tag:subnet-" SUB ",249,169.254.169.254/32,172.17.0.0,"
                        "0.0.0.0/0,172.16.0.1\n"
                        "tag:subnet-" SUB ",option:router,172.16.0.1\n"
                        "tag:port-" VM1 ",option:bootfile-name,pxelinux.0\n"
                        "tag:port-" VM1 ",66,10.0.0.9");
    assert_string_equal(leases, "87400 fa:16:3e:aa:bb:cc 172.17.0.42 * *\n"
                                "87400 fa:16:3e:dd:ee:ff 172.17.0.43 * *\n");
    free(hosts);
    free(addn);
    free(opts);
    free(leases);
    json_decref(subs);
    json_decref(all);
    json_decref(ports);
}

static void
test_opts_dns_and_routes(void **state)
{
    struct dnsmasq_config cfg = seed_cfg;
    json_t *all = seed_subnets(), *subs, *ports = load("{}");
    json_t *sub = json_object_get(all, SUB);
    json_t *dhcp = load("{\"fixed_ips\": [{\"subnet_id\": \"" SUB
                        "\", \"ip_address\": \"172.17.0.2\"}]}");
    char *opts;

    json_object_set_new(sub, "dns_nameservers",
                        load("[\"8.8.8.8\", \"1.1.1.1\"]"));
    json_object_set_new(sub, "host_routes",
                        load("[{\"destination\": \"192.168.0.0/16\","
                             " \"nexthop\": \"172.16.0.254\"}]"));
    subs = dnsmasq_subnets(all, NET);
    opts = dnsmasq_opts(&cfg, subs, ports, dhcp);
    assert_string_equal(
        opts, "tag:subnet-" SUB ",option:dns-server,8.8.8.8,1.1.1.1\n"
              "tag:subnet-" SUB ",option:classless-static-route,"
              "192.168.0.0/16,172.16.0.254,169.254.169.254/32,172.17.0.2,"
              "0.0.0.0/0,172.16.0.1\n"
              "tag:subnet-" SUB ",249,192.168.0.0/16,172.16.0.254,"
              "169.254.169.254/32,172.17.0.2,0.0.0.0/0,172.16.0.1\n"
              "tag:subnet-" SUB ",option:router,172.16.0.1");
    free(opts);
    /* No metadata option, no host routes: only the router. */
    cfg.isolated_metadata = false;
    json_object_set_new(sub, "host_routes", json_array());
    json_object_set_new(sub, "dns_nameservers", json_array());
    opts = dnsmasq_opts(&cfg, subs, ports, dhcp);
    assert_string_equal(opts, "tag:subnet-" SUB ",option:router,172.16.0.1");
    free(opts);
    json_decref(subs);
    json_decref(all);
    json_decref(ports);
    json_decref(dhcp);
}

/* Two DHCP agents on the network: each dnsmasq gives both DHCP ports'
 * addresses as DNS servers of a subnet without nameservers (a reserved
 * port's not, nor any when the subnet has its own). */
static void
test_opts_two_dhcp_ports(void **state)
{
    json_t *all = seed_subnets(), *subs = dnsmasq_subnets(all, NET);
    json_t *ports = seed_ports();
    json_t *dhcp = json_object_get(ports, DHCP);
    const char *tail =
        "\ntag:subnet-" SUB ",option:dns-server,172.17.0.1,172.17.0.0";
    char *opts;

    json_object_set_new(ports, "0000000a-0000-0000-0000-000000000000",
                        load("{\"id\": \"0000000a-0000-0000-0000-"
                             "000000000000\", \"device_owner\":"
                             " \"network:dhcp\", \"device_id\": \"dhcpx\","
                             " \"fixed_ips\": [{\"subnet_id\": \"" SUB
                             "\", \"ip_address\": \"172.17.0.1\"}]}"));
    json_object_set_new(dhcp, "device_id", json_string("dhcpy"));
    opts = dnsmasq_opts(&seed_cfg, subs, ports, dhcp);
    assert_string_equal(opts + strlen(opts) - strlen(tail), tail);
    free(opts);
    json_object_set_new(dhcp, "device_id", json_string("reserved_dhcp_port"));
    opts = dnsmasq_opts(&seed_cfg, subs, ports, dhcp);
    assert_null(strstr(opts, "dns-server"));
    free(opts);
    json_object_set_new(dhcp, "device_id", json_string("dhcpy"));
    json_object_set_new(json_object_get(all, SUB), "dns_nameservers",
                        load("[\"8.8.8.8\"]"));
    json_decref(subs);
    subs = dnsmasq_subnets(all, NET);
    opts = dnsmasq_opts(&seed_cfg, subs, ports, dhcp);
    assert_non_null(strstr(opts, "option:dns-server,8.8.8.8\n"));
    assert_null(strstr(opts, "172.17.0.1,"));
    free(opts);
    json_decref(subs);
    json_decref(all);
    json_decref(ports);
}

/* Neutron's other extra_dhcp_opts forms: client-id (or 61) becomes the
 * host line's id: (and the lease's client id), not an option, and does
 * not alone make a port tag; "tag:X,NAME" keeps its tag after the
 * port's. */
static void
test_client_id_and_tag_forms(void **state)
{
    json_t *all = seed_subnets(), *subs = dnsmasq_subnets(all, NET);
    json_t *ports = seed_ports();
    json_t *vm1 = json_object_get(ports, VM1);
    json_t *vm2 = json_object_get(ports, VM2);
    char *hosts, *opts, *leases;
    struct dnsmasq_host *parsed = NULL;

    json_object_set_new(
        vm1, "extra_dhcp_opts",
        load("[{\"opt_name\": \"client-id\", \"opt_value\":"
             " \"01:fa:16:3e:dd:ee:ff\", \"ip_version\": 4},"
             " {\"opt_name\": \"tag:ipxe,bootfile-name\", \"opt_value\":"
             " \"http://10.0.0.9/boot.ipxe\", \"ip_version\": 4},"
             " {\"opt_name\": \"tag:ipxe,67\", \"opt_value\": \"x\","
             " \"ip_version\": 4},"
             " {\"opt_name\": \"tag:a b,67\", \"opt_value\": \"evil\","
             " \"ip_version\": 4}]"));
    json_object_set_new(vm2, "extra_dhcp_opts",
                        load("[{\"opt_name\": \"61\", \"opt_value\":"
                             " \"ff:00:01\", \"ip_version\": 4}]"));
    hosts = dnsmasq_hosts(&seed_cfg, subs, ports);
    opts = dnsmasq_opts(&seed_cfg, subs, ports, NULL);
    leases = dnsmasq_leases(&seed_cfg, subs, ports, 1000);
    assert_string_equal(hosts, "fa:16:3e:aa:bb:cc,id:ff:00:01,"
                               "host-172-17-0-42.openstacklocal,172.17.0.42\n"
                               "fa:16:3e:dd:ee:ff,id:01:fa:16:3e:dd:ee:ff,"
                               "host-172-17-0-43.openstacklocal,172.17.0.43,"
                               "set:port-" VM1 "\n");
    assert_non_null(strstr(opts, "\ntag:port-" VM1 ",tag:ipxe,option:"
                                 "bootfile-name,http://10.0.0.9/boot.ipxe\n"
                                 "tag:port-" VM1 ",tag:ipxe,67,x"));
    assert_null(strstr(opts, "client-id"));
    assert_null(strstr(opts, "evil"));
    assert_null(strstr(opts, "port-" VM2));
    assert_string_equal(leases,
                        "87400 fa:16:3e:aa:bb:cc 172.17.0.42 * ff:00:01\n"
                        "87400 fa:16:3e:dd:ee:ff 172.17.0.43 * "
                        "01:fa:16:3e:dd:ee:ff\n");
    /* The host lines still parse (stale leases are found by them). */
    assert_int_equal(dnsmasq_parse_hosts(hosts, false, &parsed), 2);
    assert_string_equal(parsed[0].ip, "172.17.0.42");
    assert_string_equal(parsed[1].mac, "fa:16:3e:dd:ee:ff");
    free(parsed);
    free(hosts);
    free(opts);
    free(leases);
    json_decref(subs);
    json_decref(all);
    json_decref(ports);
}

static void
test_injection_refused(void **state)
{
    json_t *all = seed_subnets(), *subs = dnsmasq_subnets(all, NET);
    json_t *ports = seed_ports();
    json_t *vm1 = json_object_get(ports, VM1);
    char *hosts, *opts;

    assert_false(dnsmasq_opt_is_safe("a\nb", false));
    assert_false(dnsmasq_opt_is_safe("a,b", true));
    assert_false(dnsmasq_opt_is_safe("", true));
    assert_true(dnsmasq_opt_is_safe("10.0.0.1,10.0.0.2", false));
    json_object_set_new(
        vm1, "extra_dhcp_opts",
        load("[{\"opt_name\": \"bootfile-name\", \"opt_value\":"
             " \"x\\ndhcp-host=evil\"}, {\"opt_name\": \"tftp\\n,evil\","
             " \"opt_value\": \"1\"}, {\"opt_name\": \"a b\","
             " \"opt_value\": \"1\"}]"));
    json_object_set_new(vm1, "mac_address",
                        json_string("fa:16:3e:00:00:01\n"));
    json_object_set_new(vm1, "name", json_string("x\ny"));
    hosts = dnsmasq_hosts(&seed_cfg, subs, ports);
    opts = dnsmasq_opts(&seed_cfg, subs, ports, NULL);
    /* The port with a broken MAC is out; no option of it is written. */
    assert_string_equal(hosts,
                        "fa:16:3e:aa:bb:cc,host-172-17-0-42.openstacklocal,"
                        "172.17.0.42\n");
    assert_null(strstr(opts, "evil"));
    assert_null(strstr(opts, "port-"));
    free(hosts);
    free(opts);
    json_decref(subs);
    json_decref(all);
    json_decref(ports);
}

static void
test_parse_hosts_and_leases(void **state)
{
    struct dnsmasq_host *h = NULL;
    size_t n = dnsmasq_parse_hosts(
        "fa:16:3e:aa:bb:cc,host-1.openstacklocal,172.17.0.42\n"
        "junk\n"
        "fa:16:3e:dd:ee:ff,host-2.openstacklocal,172.17.0.43,set:port-x\n",
        false, &h);

    assert_int_equal(n, 2);
    assert_string_equal(h[1].mac, "fa:16:3e:dd:ee:ff");
    assert_string_equal(h[1].ip, "172.17.0.43");
    free(h);
    n = dnsmasq_parse_hosts("1700000000 fa:16:3e:aa:bb:cc 172.17.0.42 vm "
                            "01:fa:16:3e:aa:bb:cc\nduid 00:01\n",
                            true, &h);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].ip, "172.17.0.42");
    free(h);
}

#define SUB6  "b0000000-0000-0000-0000-000000000006"
#define SUB6S "c0000000-0000-0000-0000-000000000006"
#define SLAAC "d0000000-0000-0000-0000-000000000006"

static void
test_ipv6_modes(void **state)
{
    json_t *all = load(
        "{\"" SUB6 "\": {\"id\": \"" SUB6 "\", \"network_id\": \"" NET
        "\", \"cidr\": \"fd00:1::/64\", \"ip_version\": 6,"
        " \"enable_dhcp\": true, \"ipv6_address_mode\": \"dhcpv6-stateful\","
        " \"dns_nameservers\": [\"2001:db8::1\"]},"
        " \"" SUB6S "\": {\"id\": \"" SUB6S "\", \"network_id\": \"" NET
        "\", \"cidr\": \"fd00:2::/64\", \"ip_version\": 6,"
        " \"enable_dhcp\": true, \"ipv6_address_mode\": \"dhcpv6-stateless\","
        " \"dns_nameservers\": []},"
        " \"" SLAAC "\": {\"id\": \"" SLAAC "\", \"network_id\": \"" NET
        "\", \"cidr\": \"fd00:3::/64\", \"ip_version\": 6,"
        " \"enable_dhcp\": true, \"ipv6_address_mode\": \"slaac\"}}");
    json_t *ports =
        load("{\"" VM2 "\": {\"id\": \"" VM2 "\", \"network_id\": \"" NET
             "\", \"mac_address\": \"fa:16:3e:aa:bb:cc\", \"fixed_ips\":"
             " [{\"subnet_id\": \"" SUB6 "\", \"ip_address\": \"fd00:1::5\"},"
             " {\"subnet_id\": \"" SUB6S "\", \"ip_address\":"
             " \"fd00:2::f816:3eff:feaa:bbcc\"}], \"extra_dhcp_opts\":"
             " [{\"opt_name\": \"bootfile-url\", \"opt_value\": \"tftp://x\","
             " \"ip_version\": 6}]}}");
    json_t *subs = dnsmasq_subnets(all, NET);
    json_t *net = load("{\"id\": \"" NET "\", \"mtu\": 1500}");
    char **argv = dnsmasq_argv(&seed_cfg, net, subs);
    char *hosts = dnsmasq_hosts(&seed_cfg, subs, ports);
    char *opts = dnsmasq_opts(&seed_cfg, subs, ports, NULL);
    char *leases = dnsmasq_leases(&seed_cfg, subs, ports, 0);
    size_t n = 0;

    assert_int_equal(json_array_size(subs), 2); /* SLAAC: not ours. */
    while (argv[n] && strncmp(argv[n], "--dhcp-range=", 13)) {
        n++;
    }
    assert_string_equal(argv[n], "--dhcp-range=set:subnet-" SUB6
                                 ",fd00:1::,static,64,86400s");
    assert_string_equal(argv[n + 1], "--dhcp-range=set:subnet-" SUB6S
                                     ",fd00:2::,static,64,86400s");
    assert_string_equal(
        hosts, "fa:16:3e:aa:bb:cc,tag:dhcpv6,host-fd00-1--5.openstacklocal,"
               "[fd00:1::5],set:port-" VM2 "\n"
               "fa:16:3e:aa:bb:cc,tag:dhcpv6,set:port-" VM2 "\n");
    assert_string_equal(
        opts, "tag:subnet-" SUB6 ",option6:dns-server,[2001:db8::1]\n"
              "tag:subnet-" SUB6 ",option6:domain-search,"
              "openstacklocal\n"
              "tag:subnet-" SUB6S ",option6:domain-search,"
              "openstacklocal\n"
              "tag:port-" VM2 ",option6:bootfile-url,tftp://x");
    assert_string_equal(leases, ""); /* dnsmasq keeps IPv6 leases itself. */
    dnsmasq_argv_free(argv);
    free(hosts);
    free(opts);
    free(leases);
    json_decref(subs);
    json_decref(all);
    json_decref(ports);
    json_decref(net);
}

static void
test_metadata_answers(void **state)
{
    json_t *subnets = seed_subnets(), *ports = seed_ports();
    json_t *vm = json_object_get(ports, VM2);
    json_t *net = load("{\"id\": \"" NET "\", \"mtu\": 1500}");
    const char *type;
    char *body;
    json_t *doc;

    json_object_set_new(vm, "device_id", json_string("vm-uuid-2"));
    assert_int_equal(metadata_answer(net, subnets, vm,
                                     "/openstack/latest/meta_data.json", &body,
                                     &type),
                     200);
    assert_string_equal(type, "application/json");
    doc = json_loads(body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(doc, "uuid")),
                        "vm-uuid-2");
    assert_string_equal(json_string_value(json_object_get(doc, "hostname")),
                        "host-172-17-0-42");
    json_decref(doc);
    free(body);
    assert_int_equal(metadata_answer(net, subnets, vm,
                                     "/2009-04-04/meta-data/local-ipv4", &body,
                                     &type),
                     200);
    assert_string_equal(body, "172.17.0.42");
    free(body);
    assert_int_equal(metadata_answer(net, subnets, vm,
                                     "/openstack/2018-08-27/"
                                     "network_data.json",
                                     &body, &type),
                     200);
    assert_non_null(strstr(body, "\"netmask\": \"255.240.0.0\""));
    assert_non_null(strstr(body, "\"gateway\": \"172.16.0.1\""));
    free(body);
    /* Unknown paths and versions, and a source that is no port: 404. */
    assert_int_equal(metadata_answer(net, subnets, vm,
                                     "/openstack/1999-01-01/meta_data.json",
                                     &body, &type),
                     404);
    free(body);
    assert_int_equal(
        metadata_answer(net, subnets, NULL, "/openstack", &body, &type), 404);
    free(body);
    json_decref(net);
    json_decref(subnets);
    json_decref(ports);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv_as_seed),
        cmocka_unit_test(test_files_as_neutron),
        cmocka_unit_test(test_opts_dns_and_routes),
        cmocka_unit_test(test_opts_two_dhcp_ports),
        cmocka_unit_test(test_client_id_and_tag_forms),
        cmocka_unit_test(test_injection_refused),
        cmocka_unit_test(test_parse_hosts_and_leases),
        cmocka_unit_test(test_ipv6_modes),
        cmocka_unit_test(test_metadata_answers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
