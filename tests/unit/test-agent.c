/* Unit tests for what the agent computes without Open vSwitch: local VLAN
 * allocation (agent/lvm.h), the flows of flat and VLAN networks and their
 * diff (agent/flows.h), Neutron's patch port names and the agent's
 * configuration (agent/agent-config.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/agent-config.h"
#include "agent/flows.h"
#include "agent/lvm.h"
#include "agent/ovs-agent.h"
#include "core/util.h"

#define NET_A "0fa4ae63-ec55-4e9a-8d1c-1a1e9a3c1f01"
#define NET_B "7d2b0a52-1c3e-4b5f-a9d7-6e8f0c4b2a02"
#define NET_C "c3d9e1f7-5a6b-4c8d-9e0f-1a2b3c4d5e03"

static void
test_lvm_lowest_free_and_reuse(void **state)
{
    struct lvm *lvm = lvm_create();

    lvm_begin(lvm);
    assert_int_equal(lvm_use(lvm, NET_A, 0), 1);
    assert_int_equal(lvm_use(lvm, NET_B, 0), 2);
    assert_int_equal(lvm_use(lvm, NET_A, 0), 1); /* Same network. */
    lvm_end(lvm);
    /* A goes: its VLAN is free for the next network. */
    lvm_begin(lvm);
    assert_int_equal(lvm_use(lvm, NET_B, 0), 2);
    lvm_end(lvm);
    assert_int_equal(lvm_get(lvm, NET_A), -1);
    lvm_begin(lvm);
    assert_int_equal(lvm_use(lvm, NET_B, 0), 2);
    assert_int_equal(lvm_use(lvm, NET_C, 0), 1);
    lvm_end(lvm);
    lvm_destroy(lvm);
}

static void
test_lvm_hints(void **state)
{
    struct lvm *lvm = lvm_create();

    lvm_begin(lvm);
    assert_int_equal(lvm_use(lvm, NET_A, 7), 7);    /* Kept from a run. */
    assert_int_equal(lvm_use(lvm, NET_B, 7), 1);    /* Taken: lowest. */
    assert_int_equal(lvm_use(lvm, NET_C, 4095), 2); /* Dead: no hint. */
    assert_int_equal(lvm_use(lvm, NET_A, 9), 7);    /* Has one already. */
    lvm_end(lvm);
    lvm_destroy(lvm);
}

static void
test_lvm_exhaustion(void **state)
{
    struct lvm *lvm = lvm_create();
    char id[64];

    lvm_begin(lvm);
    for (int i = 1; i <= 4094; i++) {
        snprintf(id, sizeof id, "net-%d", i);
        assert_int_equal(lvm_use(lvm, id, 0), i);
    }
    assert_int_equal(lvm_use(lvm, "one-too-many", 0), -ENOSPC);
    assert_int_equal(lvm_get(lvm, "one-too-many"), -1);
    lvm_end(lvm);
    lvm_destroy(lvm);
}

static const char *
flow(json_t *set, const char *key)
{
    return json_string_value(json_object_get(set, key));
}

static void
test_flows_flat_as_seed(void **state)
{
    json_t *br_int = json_object(), *phys = json_object();

    flows_int_base(br_int, 0xabc);
    flows_int_physnet(br_int, 0xabc, 1);
    flows_int_network(br_int, 0xabc, 1, 1, -1);
    flows_phys_base(phys, 0xabc, 2);
    flows_phys_network(phys, 0xabc, 2, 1, -1);
    assert_string_equal(flow(br_int, "table=0,priority=65535,dl_vlan=4095"),
                        "table=0,priority=65535,dl_vlan=4095,cookie=0xabc,"
                        "actions=drop");
    assert_string_equal(
        flow(br_int, "table=0,priority=3,in_port=1,vlan_tci=0x0000/0x1fff"),
        "table=0,priority=3,in_port=1,vlan_tci=0x0000/0x1fff,cookie=0xabc,"
        "actions=mod_vlan_vid:1,resubmit(,60)");
    assert_string_equal(flow(br_int, "table=0,priority=2,in_port=1"),
                        "table=0,priority=2,in_port=1,cookie=0xabc,"
                        "actions=drop");
    assert_string_equal(flow(br_int, "table=23,priority=0"),
                        "table=23,priority=0,cookie=0xabc,actions=drop");
    assert_string_equal(flow(br_int, "table=60,priority=3"),
                        "table=60,priority=3,cookie=0xabc,actions=NORMAL");
    assert_string_equal(flow(phys, "table=0,priority=4,in_port=2,dl_vlan=1"),
                        "table=0,priority=4,in_port=2,dl_vlan=1,cookie=0xabc,"
                        "actions=strip_vlan,NORMAL");
    assert_string_equal(flow(phys, "table=0,priority=0"),
                        "table=0,priority=0,cookie=0xabc,actions=NORMAL");
    assert_int_equal(json_object_size(br_int), 7);
    assert_int_equal(json_object_size(phys), 3);
    json_decref(br_int);
    json_decref(phys);
}

static void
test_flows_vlan(void **state)
{
    json_t *br_int = json_object(), *phys = json_object();

    flows_int_network(br_int, 1, 5, 3, 1000);
    flows_phys_network(phys, 1, 6, 3, 1000);
    assert_string_equal(flow(br_int, "table=0,priority=3,in_port=5,"
                                     "dl_vlan=1000"),
                        "table=0,priority=3,in_port=5,dl_vlan=1000,"
                        "cookie=0x1,actions=mod_vlan_vid:3,resubmit(,60)");
    assert_string_equal(flow(phys, "table=0,priority=4,in_port=6,dl_vlan=3"),
                        "table=0,priority=4,in_port=6,dl_vlan=3,cookie=0x1,"
                        "actions=mod_vlan_vid:1000,NORMAL");
    json_decref(br_int);
    json_decref(phys);
}

static void
collect(void *aux, const char *command)
{
    json_array_append_new(aux, json_string(command));
}

static void
test_flows_diff(void **state)
{
    json_t *installed = json_object(), *desired = json_object();
    json_t *cmds = json_array();

    flows_int_base(installed, 0x5);
    flows_int_network(installed, 0x5, 1, 1, -1);
    flows_int_base(desired, 0x5);
    assert_int_equal(flows_diff(installed, desired, 0x5, collect, cmds), 1);
    assert_string_equal(json_string_value(json_array_get(cmds, 0)),
                        "delete_strict table=0,priority=3,in_port=1,"
                        "vlan_tci=0x0000/0x1fff,cookie=0x5/-1");
    json_array_clear(cmds);
    flows_int_network(desired, 0x5, 1, 2, -1); /* Another local VLAN. */
    assert_int_equal(flows_diff(installed, desired, 0x5, collect, cmds), 1);
    assert_string_equal(json_string_value(json_array_get(cmds, 0)),
                        "add table=0,priority=3,in_port=1,"
                        "vlan_tci=0x0000/0x1fff,cookie=0x5,"
                        "actions=mod_vlan_vid:2,resubmit(,60)");
    json_array_clear(cmds);
    assert_int_equal(flows_diff(desired, desired, 0x5, collect, cmds), 0);
    assert_int_equal(json_array_size(cmds), 0);
    json_decref(installed);
    json_decref(desired);
    json_decref(cmds);
}

/* Only the named parts are diffed, deletes first, and they become in the
 * installed set what they are in the desired one. */
static void
test_flows_diff_named(void **state)
{
    json_t *installed = json_object(), *desired = json_object();
    json_t *names = json_object(), *cmds = json_array();
    json_t *a = json_object(), *b = json_object(), *c = json_object();

    (void) state;
    flows_int_network(a, 0x5, 1, 1, -1);
    flows_int_network(b, 0x5, 1, 2, -1); /* The same flow, VLAN 2. */
    flows_int_base(c, 0x5);
    json_object_set(installed, "x", a);
    json_object_set(installed, "gone", c);
    json_object_set(desired, "y", b);
    json_object_set(desired, "new", c); /* Not named: not looked at. */
    json_object_set_new(names, "x", json_true());
    json_object_set_new(names, "y", json_true());
    json_object_set_new(names, "gone", json_true());
    assert_int_equal(
        flows_diff_named(installed, desired, names, 0x5, NULL, collect, cmds),
        7);
    assert_true(str_startswith(json_string_value(json_array_get(cmds, 0)),
                               "delete_strict "));
    assert_true(str_startswith(json_string_value(json_array_get(cmds, 6)),
                               "add table=0,priority=3,in_port=1,"));
    assert_ptr_equal(json_object_get(installed, "y"), b);
    assert_null(json_object_get(installed, "x"));
    assert_null(json_object_get(installed, "gone"));
    assert_null(json_object_get(installed, "new"));
    json_array_clear(cmds);
    assert_int_equal(
        flows_diff_named(installed, desired, names, 0x5, NULL, collect, cmds),
        0);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(installed);
    json_decref(desired);
    json_decref(names);
    json_decref(cmds);
}

static void
test_patch_names(void **state)
{
    char buf[16];

    ovs_agent_patch_name("int-", "br-provider", buf);
    assert_string_equal(buf, "int-br-provider");
    ovs_agent_patch_name("phy-", "br-provider", buf);
    assert_string_equal(buf, "phy-br-provider");
    /* Too long: a cut name and the SHA-1 of the whole bridge name
     * (neutron_lib gives int-br-pr8034db). */
    ovs_agent_patch_name("int-", "br-provider-long", buf);
    assert_int_equal(strlen(buf), 15);
    assert_memory_equal(buf, "int-br-pr", 9);
    assert_string_equal(buf + 9, "8034db");
}

static char *
write_conf(const char *text)
{
    char *path = xstrdup("/tmp/test-agent-conf-XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    return path;
}

static void
test_config(void **state)
{
    char *path = write_conf("[DEFAULT]\nhost = compute1\nbind_port = 9\n"
                            "[ovs]\nbridge_mappings = provider:br-provider, "
                            "data:br-data\nof_listen_port = 6653\n"
                            "[agent]\nreport_interval = 5\n"
                            "server_url = http://10.0.0.1:9696\n");
    struct agent_config cfg;
    char *error = NULL;

    assert_int_equal(agent_config_load(&cfg, &path, 1, &error), 0);
    assert_string_equal(cfg.host, "compute1");
    assert_int_equal(cfg.n_mappings, 2);
    assert_string_equal(agent_config_bridge(&cfg, "data"), "br-data");
    assert_null(agent_config_bridge(&cfg, "other"));
    assert_string_equal(cfg.integration_bridge, "br-int");
    assert_string_equal(cfg.ovsdb_connection, "tcp:127.0.0.1:6640");
    assert_int_equal(cfg.of_listen_port, 6653);
    assert_int_equal(cfg.report_interval, 5);
    assert_string_equal(cfg.server_url, "http://10.0.0.1:9696");
    assert_int_equal(agent_config_firewall(&cfg), AGENT_FW_OPENVSWITCH);
    agent_config_destroy(&cfg);
    unlink(path);
    free(path);
}

static void
test_config_firewall(void **state)
{
    static const struct {
        const char *text;
        enum agent_firewall fw;
    } cases[] = {
        {"[securitygroup]\nfirewall_driver = noop\n", AGENT_FW_NOOP},
        {"[securitygroup]\nfirewall_driver = iptables_hybrid\n",
         AGENT_FW_IPTABLES_HYBRID},
        {"[securitygroup]\nfirewall_driver = neutron.agent.linux."
         "iptables_firewall.OVSHybridIptablesFirewallDriver\n",
         AGENT_FW_IPTABLES_HYBRID},
        {"[securitygroup]\nfirewall_driver = neutron.agent.linux."
         "openvswitch_firewall:OVSFirewallDriver\n",
         AGENT_FW_OPENVSWITCH},
        {"[securitygroup]\nfirewall_driver = iptables_hybrid\n"
         "enable_security_group = false\n",
         AGENT_FW_NOOP},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *path = write_conf(cases[i].text);
        struct agent_config cfg;
        char *error = NULL;

        assert_int_equal(agent_config_load(&cfg, &path, 1, &error), 0);
        assert_int_equal(agent_config_firewall(&cfg), cases[i].fw);
        agent_config_destroy(&cfg);
        unlink(path);
        free(path);
    }
    assert_string_equal(agent_config_firewall_name(AGENT_FW_IPTABLES_HYBRID),
                        "iptables_hybrid");
}

static void
test_config_errors(void **state)
{
    static const char *const bad[] = {
        "[ovs]\nbridge_mappings = provider\n",
        "[ovs]\nbridge_mappings = a:br-x,b:br-x\n",
        "[ovs]\nbridge_mappings = a:br-x,a:br-y\n",
        "[ovs]\nbridge_mappings = a:br-name-longer-than-15\n",
        "[ovs]\novsdb_connection = 127.0.0.1:6640\n",
        "[ovs]\nof_listen_port = 70000\n",
        "[agent]\nserver_url = 127.0.0.1:9696\n",
        "[agent]\nreport_interval = 0\n",
        "[securitygroup]\nfirewall_driver = iptables\n",
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *path = write_conf(bad[i]);
        struct agent_config cfg;
        char *error = NULL;

        assert_int_equal(agent_config_load(&cfg, &path, 1, &error), -EINVAL);
        assert_non_null(strstr(error, ":2: "));
        agent_config_destroy(&cfg);
        free(error);
        unlink(path);
        free(path);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lvm_lowest_free_and_reuse),
        cmocka_unit_test(test_lvm_hints),
        cmocka_unit_test(test_lvm_exhaustion),
        cmocka_unit_test(test_flows_flat_as_seed),
        cmocka_unit_test(test_flows_vlan),
        cmocka_unit_test(test_flows_diff),
        cmocka_unit_test(test_flows_diff_named),
        cmocka_unit_test(test_patch_names),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_config_firewall),
        cmocka_unit_test(test_config_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
