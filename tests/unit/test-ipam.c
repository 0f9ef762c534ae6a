/* Unit tests for api/ipam.h: the pure pool arithmetic, and the allocator
 * against a real temporary SQLite database through api/store.h. */
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

#include "api/ipam.h"
#include "api/schema.h"
#include "api/store.h"
#include "core/ip.h"
#include "core/log.h"
#include "core/util.h"
#include "ip-helpers.h"

#define NETWORK_ID "11111111-1111-4111-8111-111111111111"
#define SUBNET_ID  "22222222-2222-4222-8222-222222222222"
#define SUBNET6_ID "33333333-3333-4333-8333-333333333333"
#define PORT_ID    "44444444-4444-4444-8444-444444444444"

static struct ip_range
range(const char *first, const char *last)
{
    return (struct ip_range){addr(first), addr(last)};
}

static void
check_range(const struct ip_range *r, const char *expected)
{
    char buf[2 * IP_STRLEN + 2];

    ip_range_format(r, buf, sizeof buf);
    assert_string_equal(buf, expected);
}

/* ---- pure functions ---- */

static void
test_usable_range(void **state)
{
    static const struct {
        const char *cidr, *expected;
    } cases[] = {
        {"10.0.0.0/24", "10.0.0.1-10.0.0.254"},
        {"10.0.0.77/24", "10.0.0.1-10.0.0.254"},
        {"10.0.0.0/8", "10.0.0.1-10.255.255.254"},
        {"10.0.0.0/30", "10.0.0.1-10.0.0.2"},
        {"10.0.0.4/31", "10.0.0.4-10.0.0.5"},
        {"10.0.0.5/32", "10.0.0.5-10.0.0.5"},
        {"fd00::/64", "fd00::1-fd00::ffff:ffff:ffff:ffff"},
        {"fd00::/120", "fd00::1-fd00::ff"},
        {"fd00::1/128", "fd00::1-fd00::1"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_net n = net(cases[i].cidr);
        struct ip_range r;

        ipam_usable_range(&n, &r);
        check_range(&r, cases[i].expected);
    }
}

static void
test_default_gateway(void **state)
{
    static const struct {
        const char *cidr, *expected;
    } cases[] = {
        {"10.0.0.0/24", "10.0.0.1"},
        {"10.0.0.77/24", "10.0.0.1"},
        {"192.168.0.0/16", "192.168.0.1"},
        {"10.0.0.0/30", "10.0.0.1"},
        {"fd00::/64", "fd00::"},
        {"fd00::5/64", "fd00::"},
        {"2001:db8:1::/48", "2001:db8:1::"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_net n = net(cases[i].cidr);
        struct ip_addr gw = ipam_default_gateway(&n);
        char buf[IP_STRLEN];

        ip_format(&gw, buf);
        assert_string_equal(buf, cases[i].expected);
    }
}

static void
test_default_pools(void **state)
{
    static const struct {
        const char *cidr;
        const char *gateway; /* NULL: none. */
        const char *pools[2];
    } cases[] = {
        {"10.0.0.0/24", "10.0.0.1", {"10.0.0.2-10.0.0.254"}},
        {"10.0.0.0/24",
         "10.0.0.100",
         {"10.0.0.1-10.0.0.99", "10.0.0.101-10.0.0.254"}},
        {"10.0.0.0/24", "10.0.0.254", {"10.0.0.1-10.0.0.253"}},
        {"10.0.0.0/24", NULL, {"10.0.0.1-10.0.0.254"}},
        {"10.0.0.0/24", "10.0.1.1", {"10.0.0.1-10.0.0.254"}},
        {"10.0.0.0/24", "192.168.0.1", {"10.0.0.1-10.0.0.254"}},
        {"10.0.0.0/24", "10.0.0.0", {"10.0.0.1-10.0.0.254"}},
        {"10.0.0.0/24", "10.0.0.255", {"10.0.0.1-10.0.0.254"}},
        {"10.0.0.0/24", "fd00::1", {"10.0.0.1-10.0.0.254"}},
        {"10.0.0.0/30", "10.0.0.1", {"10.0.0.2-10.0.0.2"}},
        {"10.0.0.0/30", "10.0.0.2", {"10.0.0.1-10.0.0.1"}},
        {"10.0.0.4/31", NULL, {"10.0.0.4-10.0.0.5"}},
        {"10.0.0.5/32", NULL, {"10.0.0.5-10.0.0.5"}},
        {"fd00::/64", "fd00::", {"fd00::1-fd00::ffff:ffff:ffff:ffff"}},
        {"fd00::/64", NULL, {"fd00::1-fd00::ffff:ffff:ffff:ffff"}},
        {"fd00::/64", "fd00::1", {"fd00::2-fd00::ffff:ffff:ffff:ffff"}},
        {"fd00::/64",
         "fd00::ffff:ffff:ffff:ffff",
         {"fd00::1-fd00::ffff:ffff:ffff:fffe"}},
        {"fd00::/64",
         "fd00::10",
         {"fd00::1-fd00::f", "fd00::11-fd00::ffff:ffff:ffff:ffff"}},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_net n = net(cases[i].cidr);
        struct ip_addr gw;
        struct ip_range out[2];
        int expected = cases[i].pools[1] ? 2 : 1;
        int got;

        if (cases[i].gateway) {
            gw = addr(cases[i].gateway);
        }
        got = ipam_default_pools(&n, cases[i].gateway ? &gw : NULL, out);
        if (got != expected) {
            fail_msg("ipam_default_pools(%s, %s) gave %d pools, expected %d",
                     cases[i].cidr,
                     cases[i].gateway ? cases[i].gateway : "none", got,
                     expected);
        }
        for (int j = 0; j < got; j++) {
            check_range(&out[j], cases[i].pools[j]);
        }
    }
}

static void
test_range_size(void **state)
{
    static const struct {
        const char *first, *last;
        unsigned long long size;
    } cases[] = {
        {"10.0.0.1", "10.0.0.254", 254},
        {"10.0.0.5", "10.0.0.5", 1},
        {"0.0.0.0", "255.255.255.255", 1ull << 32},
        {"fd00::", "fd00::ffff", 65536},
        {"fd00::1", "fd00::ffff:ffff:ffff:ffff", 0xffffffffffffffffull},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_range r = range(cases[i].first, cases[i].last);

        assert_true(ip_range_size(&r) == cases[i].size);
    }

    struct ip_range half = range("::", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:"
                                       "ffff");
    assert_true(ip_range_size(&half) == (ip_u128) 1 << 127);
    struct ip_range all = range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:"
                                      "ffff");
    assert_true(ip_range_size(&all) == ~(ip_u128) 0);
}

static void
test_range_format(void **state)
{
    struct ip_range r = range("10.0.0.2", "10.0.0.254");
    struct ip_range r6 = range("FD00::1", "fd00::ffff:ffff:ffff:ffff");
    char buf[128], small[8];

    ip_range_format(&r, buf, sizeof buf);
    assert_string_equal(buf, "10.0.0.2-10.0.0.254");
    ip_range_format(&r6, buf, sizeof buf);
    assert_string_equal(buf, "fd00::1-fd00::ffff:ffff:ffff:ffff");
    /* Truncated, but always terminated. */
    memset(small, 'X', sizeof small);
    ip_range_format(&r, small, sizeof small);
    assert_string_equal(small, "10.0.0.");
}

static void
test_pools_from_json(void **state)
{
    static const struct {
        const char *json;
        int version;
        int ret;
        const char *pools[2];
    } cases[] = {
        {"[]", 4, 0, {NULL}},
        {"[{\"start\": \"10.0.0.2\", \"end\": \"10.0.0.254\"}]",
         4,
         1,
         {"10.0.0.2-10.0.0.254"}},
        {"[{\"start\": \"10.0.0.2\", \"end\": \"10.0.0.9\"},"
         " {\"end\": \"10.0.0.30\", \"start\": \"10.0.0.20\"}]",
         4,
         2,
         {"10.0.0.2-10.0.0.9", "10.0.0.20-10.0.0.30"}},
        {"[{\"start\": \"FD00::2\", \"end\": \"fd00::ff\"}]",
         6,
         1,
         {"fd00::2-fd00::ff"}},
        {"[{\"start\": \"fd00::2\", \"end\": \"fd00::ff\"}]",
         4,
         -EINVAL,
         {NULL}},
        {"[{\"start\": \"10.0.0.2\", \"end\": \"10.0.0.9\"}]",
         6,
         -EINVAL,
         {NULL}},
        {"[{\"start\": \"10.0.0.2\"}]", 4, -EINVAL, {NULL}},
        {"[{\"end\": \"10.0.0.2\"}]", 4, -EINVAL, {NULL}},
        {"[{\"start\": 10, \"end\": \"10.0.0.9\"}]", 4, -EINVAL, {NULL}},
        {"[{\"start\": \"10.0.0.2\", \"end\": \"10.0.0.300\"}]",
         4,
         -EINVAL,
         {NULL}},
        {"[\"10.0.0.2-10.0.0.9\"]", 4, -EINVAL, {NULL}},
        {"[{\"start\": \"10.0.0.2\", \"end\": \"10.0.0.9\"}, 5]",
         4,
         -EINVAL,
         {NULL}},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        json_t *j = json_loads(cases[i].json, 0, NULL);
        struct ip_range *ranges = NULL;
        int r;

        assert_non_null(j);
        r = ipam_pools_from_json(j, cases[i].version, &ranges);
        if (r != cases[i].ret) {
            fail_msg("ipam_pools_from_json(%s, %d) = %d, expected %d",
                     cases[i].json, cases[i].version, r, cases[i].ret);
        }
        for (int k = 0; k < r; k++) {
            check_range(&ranges[k], cases[i].pools[k]);
        }
        if (r >= 0) {
            free(ranges);
        }
        json_decref(j);
    }
}

/* ---- the allocator, on a real database ---- */

struct fixture {
    char dir[64];
    char *path;
    struct store *st;
};

static const char network_json[] =
    "{\"id\": \"" NETWORK_ID "\", \"project_id\": \"p\", \"name\": \"n\","
    " \"description\": \"\", \"admin_state_up\": true,"
    " \"status\": \"ACTIVE\", \"shared\": false, \"router:external\": false,"
    " \"mtu\": 1500, \"port_security_enabled\": true,"
    " \"provider:network_type\": null,"
    " \"provider:physical_network\": null,"
    " \"provider:segmentation_id\": null,"
    " \"availability_zone_hints\": [], \"is_default\": false,"
    " \"tags\": [], \"revision_number\": 1,"
    " \"created_at\": \"2024-01-01T00:00:00Z\","
    " \"updated_at\": \"2024-01-01T00:00:00Z\"}";

static const char port_json[] =
    "{\"id\": \"" PORT_ID "\", \"project_id\": \"p\", \"name\": \"\","
    " \"description\": \"\", \"network_id\": \"" NETWORK_ID "\","
    " \"mac_address\": \"fa:16:3e:00:00:01\", \"admin_state_up\": true,"
    " \"status\": \"DOWN\", \"device_id\": \"\", \"device_owner\": \"\","
    " \"port_security_enabled\": true, \"binding:host_id\": \"\","
    " \"binding:profile\": {}, \"binding:vnic_type\": \"normal\","
    " \"binding:vif_type\": \"unbound\", \"binding:vif_details\": {},"
    " \"allowed_address_pairs\": [], \"extra_dhcp_opts\": [],"
    " \"security_groups\": [], \"fixed_ips\": [], \"tags\": [],"
    " \"revision_number\": 1, \"created_at\": \"2024-01-01T00:00:00Z\","
    " \"updated_at\": \"2024-01-01T00:00:00Z\"}";

static void
insert_json(struct store *st, const struct resource_def *def, const char *text)
{
    json_error_t err;
    json_t *row = json_loads(text, 0, &err);
    int r;

    if (!row) {
        fail_msg("bad test JSON: %s", err.text);
    }
    r = store_insert(st, def, row);
    json_decref(row);
    if (r) {
        fail_msg("store_insert(%s) failed: %d", def->table, r);
    }
}

static void
insert_subnet(struct store *st, const char *id, int version, const char *cidr)
{
    char *text = xasprintf(
        "{\"id\": \"%s\", \"project_id\": \"p\", \"name\": \"\","
        " \"description\": \"\", \"network_id\": \"" NETWORK_ID "\","
        " \"ip_version\": %d, \"cidr\": \"%s\", \"gateway_ip\": null,"
        " \"enable_dhcp\": true, \"ipv6_ra_mode\": null,"
        " \"ipv6_address_mode\": null, \"allocation_pools\": [],"
        " \"dns_nameservers\": [], \"host_routes\": [],"
        " \"service_types\": [], \"subnetpool_id\": null,"
        " \"segment_id\": null, \"tags\": [], \"revision_number\": 1,"
        " \"created_at\": \"2024-01-01T00:00:00Z\","
        " \"updated_at\": \"2024-01-01T00:00:00Z\"}",
        id, version, cidr);

    insert_json(st, &subnet_def, text);
    free(text);
}

static int
db_setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    char *error = NULL, *url;
    int r;

    strcpy(f->dir, "/tmp/neutrino-test-ipam-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    f->path = xasprintf("%s/neutron.db", f->dir);
    url = xasprintf("sqlite:///%s", f->path); /* Absolute: 4 slashes. */
    r = store_open(url, false, &f->st, &error);
    free(url);
    if (r != 0) {
        fprintf(stderr, "store_open: %s\n", error ? error : "?");
        free(error);
        return -1;
    }
    if (store_begin(f->st, true) != 0) {
        return -1;
    }
    insert_json(f->st, &network_def, network_json);
    insert_subnet(f->st, SUBNET_ID, 4, "10.0.0.0/24");
    insert_subnet(f->st, SUBNET6_ID, 6, "fd00::/64");
    insert_json(f->st, &port_def, port_json);
    *state = f;
    return 0;
}

static int
db_teardown(void **state)
{
    struct fixture *f = *state;
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};

    store_rollback(f->st);
    store_close(f->st);
    for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
        char *p = xasprintf("%s%s", f->path, suffixes[i]);
        unlink(p);
        free(p);
    }
    rmdir(f->dir);
    free(f->path);
    free(f);
    return 0;
}

/* Checks the free ranges of 'subnet' against 'expected' ("a-b" strings,
 * NULL-terminated). */
static void
check_free(struct store *st, const char *subnet, int version,
           const char *const *expected)
{
    struct ip_range ranges[16];
    int n = store_range_list(st, subnet, version, NULL, ranges,
                             ARRAY_SIZE(ranges));
    int want = 0;

    while (expected[want]) {
        want++;
    }
    if (n != want) {
        char buf[2 * IP_STRLEN + 2];
        for (int i = 0; i < n; i++) {
            ip_range_format(&ranges[i], buf, sizeof buf);
            print_message("free range %d: %s\n", i, buf);
        }
        fail_msg("%d free ranges, expected %d", n, want);
    }
    for (int i = 0; i < n; i++) {
        check_range(&ranges[i], expected[i]);
    }
}

/* CHECK_FREE(st, subnet, version, "a-b", ...), or NULL for none. */
#define CHECK_FREE(ST, SUBNET, VERSION, ...)                                  \
    check_free(ST, SUBNET, VERSION, (const char *const[]){__VA_ARGS__, NULL})

static void
reset(struct store *st, const char *subnet, const struct ip_range *pools,
      size_t n)
{
    assert_int_equal(ipam_reset_ranges(st, subnet, pools, n), 0);
}

static void
test_alloc_exhausts_pool(void **state)
{
    struct fixture *f = *state;
    struct ip_range pool = range("10.0.0.2", "10.0.0.6");
    bool seen[8] = {false};
    struct ip_addr a;

    reset(f->st, SUBNET_ID, &pool, 1);
    CHECK_FREE(f->st, SUBNET_ID, 4, "10.0.0.2-10.0.0.6");
    for (int i = 0; i < 5; i++) {
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, false, &a), 0);
        assert_int_equal(a.version, 4);
        assert_in_range(a.v, 0x0a000002, 0x0a000006);
        assert_false(seen[a.v & 7]);
        seen[a.v & 7] = true;
    }
    for (int i = 2; i <= 6; i++) {
        assert_true(seen[i]);
    }
    CHECK_FREE(f->st, SUBNET_ID, 4, NULL);
    assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, false, &a),
                     -ENOSPC);
    assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a),
                     -ENOSPC);
    /* Another subnet's ranges are separate. */
    assert_int_equal(ipam_allocate_any(f->st, SUBNET6_ID, 6, true, &a),
                     -ENOSPC);
}

static void
test_alloc_random_many_times(void **state)
{
    struct fixture *f = *state;
    struct ip_range pool = range("10.0.0.1", "10.0.0.254");

    /* Repeated on fresh ranges, every draw stays in the pool and never
     * repeats; the allocations spread over the pool. */
    for (int round = 0; round < 3; round++) {
        bool seen[256] = {false};
        int distinct_low = 0;
        struct ip_addr a;

        reset(f->st, SUBNET_ID, &pool, 1);
        for (int i = 0; i < 254; i++) {
            assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, false, &a),
                             0);
            assert_in_range(a.v, 0x0a000001, 0x0a0000fe);
            assert_false(seen[a.v & 0xff]);
            seen[a.v & 0xff] = true;
            if (i < 20 && (a.v & 0xff) != (unsigned) i + 1) {
                distinct_low++;
            }
        }
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, false, &a),
                         -ENOSPC);
        /* Not simply lowest-first (chance of failing: ~(1/200)^20). */
        assert_true(distinct_low > 0);
    }
}

static void
test_alloc_lowest_ascending(void **state)
{
    struct fixture *f = *state;
    struct ip_range pools[] = {
        range("10.0.0.2", "10.0.0.20"),
        range("10.0.0.30", "10.0.0.32"),
    };
    struct ip_addr a, prev = {0};

    reset(f->st, SUBNET_ID, pools, ARRAY_SIZE(pools));
    CHECK_FREE(f->st, SUBNET_ID, 4, "10.0.0.2-10.0.0.20",
               "10.0.0.30-10.0.0.32");
    for (unsigned i = 2; i <= 20; i++) {
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a), 0);
        assert_true(a.v == 0x0a000000 + i);
        if (i > 2) {
            assert_true(ip_cmp(&prev, &a) < 0);
        }
        prev = a;
    }
    CHECK_FREE(f->st, SUBNET_ID, 4, "10.0.0.30-10.0.0.32");
    for (unsigned i = 30; i <= 32; i++) {
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a), 0);
        assert_true(a.v == 0x0a000000 + i);
    }
    assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a),
                     -ENOSPC);
}

static void
test_release_and_reallocate(void **state)
{
    struct fixture *f = *state;
    struct ip_range pool = range("10.0.0.2", "10.0.0.6");
    struct ip_addr a;

    reset(f->st, SUBNET_ID, &pool, 1);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a), 0);
    }
    CHECK_FREE(f->st, SUBNET_ID, 4, NULL);

    a = addr("10.0.0.4");
    assert_int_equal(ipam_release(f->st, SUBNET_ID, &pool, 1, &a), 0);
    CHECK_FREE(f->st, SUBNET_ID, 4, "10.0.0.4-10.0.0.4");
    assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, false, &a), 0);
    check_range(&(struct ip_range){a, a}, "10.0.0.4-10.0.0.4");
    assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, false, &a),
                     -ENOSPC);

    /* Releases merge with their free neighbours. */
    static const struct {
        const char *addr;
        const char *after[4];
    } steps[] = {
        {"10.0.0.2", {"10.0.0.2-10.0.0.2"}},
        {"10.0.0.3", {"10.0.0.2-10.0.0.3"}},
        {"10.0.0.6", {"10.0.0.2-10.0.0.3", "10.0.0.6-10.0.0.6"}},
        {"10.0.0.1", {"10.0.0.2-10.0.0.3", "10.0.0.6-10.0.0.6"}}, /* Out. */
        {"10.0.0.7", {"10.0.0.2-10.0.0.3", "10.0.0.6-10.0.0.6"}}, /* Out. */
        {"10.0.0.5", {"10.0.0.2-10.0.0.3", "10.0.0.5-10.0.0.6"}},
        {"10.0.0.4", {"10.0.0.2-10.0.0.6"}},
    };
    for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
        a = addr(steps[i].addr);
        assert_int_equal(ipam_release(f->st, SUBNET_ID, &pool, 1, &a), 0);
        check_free(f->st, SUBNET_ID, 4, steps[i].after);
    }

    /* Everything can be allocated again, exactly once. */
    bool seen[8] = {false};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, false, &a), 0);
        assert_in_range(a.v, 0x0a000002, 0x0a000006);
        assert_false(seen[a.v & 7]);
        seen[a.v & 7] = true;
    }
    assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, false, &a),
                     -ENOSPC);
}

static void
test_release_stays_in_its_pool(void **state)
{
    struct fixture *f = *state;
    /* Two adjacent pools: freed addresses are returned to their own. */
    struct ip_range pools[] = {
        range("10.0.0.2", "10.0.0.4"),
        range("10.0.0.10", "10.0.0.12"),
    };
    struct ip_addr a;

    reset(f->st, SUBNET_ID, pools, 2);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a), 0);
    }
    a = addr("10.0.0.10");
    assert_int_equal(ipam_release(f->st, SUBNET_ID, pools, 2, &a), 0);
    a = addr("10.0.0.4");
    assert_int_equal(ipam_release(f->st, SUBNET_ID, pools, 2, &a), 0);
    CHECK_FREE(f->st, SUBNET_ID, 4, "10.0.0.4-10.0.0.4",
               "10.0.0.10-10.0.0.10");
    a = addr("10.0.0.3");
    assert_int_equal(ipam_release(f->st, SUBNET_ID, pools, 2, &a), 0);
    a = addr("10.0.0.11");
    assert_int_equal(ipam_release(f->st, SUBNET_ID, pools, 2, &a), 0);
    CHECK_FREE(f->st, SUBNET_ID, 4, "10.0.0.3-10.0.0.4",
               "10.0.0.10-10.0.0.11");
    /* Outside both pools: ignored. */
    a = addr("10.0.0.7");
    assert_int_equal(ipam_release(f->st, SUBNET_ID, pools, 2, &a), 0);
    CHECK_FREE(f->st, SUBNET_ID, 4, "10.0.0.3-10.0.0.4",
               "10.0.0.10-10.0.0.11");
}

static void
test_take_splits(void **state)
{
    struct fixture *f = *state;
    struct ip_range pool = range("10.0.0.2", "10.0.0.14");
    static const struct {
        const char *addr;
        const char *after[4];
    } steps[] = {
        {"10.0.0.5", {"10.0.0.2-10.0.0.4", "10.0.0.6-10.0.0.14"}},
        {"10.0.0.2", {"10.0.0.3-10.0.0.4", "10.0.0.6-10.0.0.14"}},
        {"10.0.0.14", {"10.0.0.3-10.0.0.4", "10.0.0.6-10.0.0.13"}},
        /* Already taken / outside the pools: nothing changes. */
        {"10.0.0.5", {"10.0.0.3-10.0.0.4", "10.0.0.6-10.0.0.13"}},
        {"10.0.0.1", {"10.0.0.3-10.0.0.4", "10.0.0.6-10.0.0.13"}},
        {"10.0.0.200", {"10.0.0.3-10.0.0.4", "10.0.0.6-10.0.0.13"}},
        {"10.0.0.4", {"10.0.0.3-10.0.0.3", "10.0.0.6-10.0.0.13"}},
        {"10.0.0.3", {"10.0.0.6-10.0.0.13"}},
        {"10.0.0.10", {"10.0.0.6-10.0.0.9", "10.0.0.11-10.0.0.13"}},
    };
    struct ip_addr a;

    reset(f->st, SUBNET_ID, &pool, 1);
    for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
        a = addr(steps[i].addr);
        assert_int_equal(ipam_take(f->st, SUBNET_ID, &a), 0);
        check_free(f->st, SUBNET_ID, 4, steps[i].after);
    }
    /* Allocation never returns a taken address. */
    static const unsigned expected[] = {6, 7, 8, 9, 11, 12, 13};
    for (size_t i = 0; i < ARRAY_SIZE(expected); i++) {
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a), 0);
        assert_true(a.v == 0x0a000000 + expected[i]);
    }
    assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a),
                     -ENOSPC);
}

static void
test_reset_skips_allocations(void **state)
{
    struct fixture *f = *state;
    struct ip_range pools[] = {
        range("10.0.0.2", "10.0.0.6"),
        range("10.0.0.10", "10.0.0.12"),
    };
    static const char *const used[] = {
        "10.0.0.3",  "10.0.0.6",  "10.0.0.8",
        "10.0.0.10", "10.0.0.11", "10.0.0.12",
    };
    struct ip_addr a;

    for (size_t i = 0; i < ARRAY_SIZE(used); i++) {
        a = addr(used[i]);
        assert_int_equal(
            store_ip_insert(f->st, PORT_ID, SUBNET_ID, NETWORK_ID, &a), 0);
    }
    /* A stale range is replaced. */
    struct ip_range stale = range("10.0.0.100", "10.0.0.110");
    assert_int_equal(store_range_insert(f->st, SUBNET_ID, &stale), 0);

    reset(f->st, SUBNET_ID, pools, 2);
    CHECK_FREE(f->st, SUBNET_ID, 4, "10.0.0.2-10.0.0.2", "10.0.0.4-10.0.0.5");
    /* Idempotent. */
    reset(f->st, SUBNET_ID, pools, 2);
    CHECK_FREE(f->st, SUBNET_ID, 4, "10.0.0.2-10.0.0.2", "10.0.0.4-10.0.0.5");

    static const char *const expected[] = {"10.0.0.2", "10.0.0.4", "10.0.0.5"};
    for (size_t i = 0; i < ARRAY_SIZE(expected); i++) {
        struct ip_addr want = addr(expected[i]);
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a), 0);
        assert_true(ip_equal(&a, &want));
    }
    assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a),
                     -ENOSPC);

    /* Pools starting or ending on allocations, and no pools at all. */
    struct ip_range edge = range("10.0.0.3", "10.0.0.8");
    reset(f->st, SUBNET_ID, &edge, 1);
    CHECK_FREE(f->st, SUBNET_ID, 4, "10.0.0.4-10.0.0.5", "10.0.0.7-10.0.0.7");
    reset(f->st, SUBNET_ID, NULL, 0);
    CHECK_FREE(f->st, SUBNET_ID, 4, NULL);
}

static void
test_ipv6_allocation(void **state)
{
    struct fixture *f = *state;
    struct ip_net n = net("fd00::/64");
    struct ip_addr gw = ipam_default_gateway(&n), a;
    struct ip_range pools[2];
    int np = ipam_default_pools(&n, &gw, pools);
    struct ip_addr seen[100];

    assert_int_equal(np, 1);
    reset(f->st, SUBNET6_ID, pools, np);
    CHECK_FREE(f->st, SUBNET6_ID, 6, "fd00::1-fd00::ffff:ffff:ffff:ffff");
    assert_int_equal(ipam_allocate_any(f->st, SUBNET6_ID, 6, true, &a), 0);
    check_range(&(struct ip_range){a, a}, "fd00::1-fd00::1");
    assert_int_equal(ipam_allocate_any(f->st, SUBNET6_ID, 6, true, &a), 0);
    check_range(&(struct ip_range){a, a}, "fd00::2-fd00::2");
    a = addr("fd00::4");
    assert_int_equal(ipam_take(f->st, SUBNET6_ID, &a), 0);
    a = addr("fd00::ffff:ffff:ffff:ffff");
    assert_int_equal(ipam_take(f->st, SUBNET6_ID, &a), 0);
    CHECK_FREE(f->st, SUBNET6_ID, 6, "fd00::3-fd00::3",
               "fd00::5-fd00::ffff:ffff:ffff:fffe");
    assert_int_equal(ipam_allocate_any(f->st, SUBNET6_ID, 6, true, &a), 0);
    check_range(&(struct ip_range){a, a}, "fd00::3-fd00::3");

    /* Random picks come from the first 1000 free addresses. */
    struct ip_addr lo = addr("fd00::5"), hi = addr("fd00::5");
    hi = ip_add(&hi, 1000 + 100);
    for (size_t i = 0; i < ARRAY_SIZE(seen); i++) {
        assert_int_equal(ipam_allocate_any(f->st, SUBNET6_ID, 6, false, &a),
                         0);
        assert_int_equal(a.version, 6);
        assert_true(ip_cmp(&a, &lo) >= 0);
        assert_true(ip_cmp(&a, &hi) < 0);
        for (size_t j = 0; j < i; j++) {
            assert_false(ip_equal(&a, &seen[j]));
        }
        seen[i] = a;
    }
    /* Release merges back in the middle of a huge range. */
    a = addr("fd00::4");
    assert_int_equal(ipam_release(f->st, SUBNET6_ID, pools, np, &a), 0);
    assert_int_equal(ipam_allocate_any(f->st, SUBNET6_ID, 6, true, &a), 0);
    check_range(&(struct ip_range){a, a}, "fd00::4-fd00::4");
    /* The IPv4 subnet is unaffected. */
    assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a),
                     -ENOSPC);
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

    return (x > y) - (x < y);
}

static void
test_large_pool(void **state)
{
    enum { N = 10000, MAX_RANGES = N + 2 };
    struct fixture *f = *state;
    struct ip_net n = net("10.0.0.0/8");
    struct ip_addr gw = ipam_default_gateway(&n), a;
    struct ip_range pools[2];
    int np = ipam_default_pools(&n, &gw, pools);
    uint32_t *got = xcalloc(N, sizeof *got);
    struct ip_range *ranges = xcalloc(MAX_RANGES, sizeof *ranges);
    ip_u128 free_total = 0;
    int nr;

    assert_int_equal(np, 1);
    check_range(&pools[0], "10.0.0.2-10.255.255.254");
    reset(f->st, SUBNET_ID, pools, np);
    for (int i = 0; i < N; i++) {
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, false, &a), 0);
        assert_int_equal(a.version, 4);
        assert_in_range(a.v, 0x0a000002, 0x0afffffe);
        got[i] = (uint32_t) a.v;
    }
    qsort(got, N, sizeof *got, cmp_u32);
    for (int i = 1; i < N; i++) {
        if (got[i] == got[i - 1]) {
            fail_msg("address %08x allocated twice", got[i]);
        }
    }

    /* The free ranges are sorted, disjoint, avoid every allocation and
     * account for every other address. */
    nr = store_range_list(f->st, SUBNET_ID, 4, NULL, ranges, MAX_RANGES);
    assert_in_range(nr, 1, MAX_RANGES - 1);
    for (int i = 0; i < nr; i++) {
        assert_true(ip_cmp(&ranges[i].first, &ranges[i].last) <= 0);
        if (i) {
            assert_true(ip_cmp(&ranges[i - 1].last, &ranges[i].first) < 0);
        }
        free_total += ip_range_size(&ranges[i]);
        /* No allocated address lies inside: binary search the first
         * allocation >= first. */
        size_t lo = 0, hi = N;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (got[mid] < ranges[i].first.v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        assert_true(lo == N || got[lo] > ranges[i].last.v);
    }
    assert_true(free_total + N == ip_range_size(&pools[0]));

    /* Release every other one: exactly those become free again. */
    for (int i = 0; i < N; i += 2) {
        a = (struct ip_addr){4, got[i]};
        assert_int_equal(ipam_release(f->st, SUBNET_ID, pools, np, &a), 0);
    }
    for (int i = 0; i < N; i++) {
        struct ip_range r;
        a = (struct ip_addr){4, got[i]};
        assert_int_equal(store_range_find(f->st, SUBNET_ID, &a, &r),
                         i % 2 == 0);
    }
    nr = store_range_list(f->st, SUBNET_ID, 4, NULL, ranges, MAX_RANGES);
    assert_in_range(nr, 1, MAX_RANGES - 1);
    ip_u128 total = 0;
    for (int i = 0; i < nr; i++) {
        total += ip_range_size(&ranges[i]);
    }
    assert_true(total == free_total + N / 2);

    /* Lowest-first allocation now walks up strictly. */
    struct ip_addr prev = {4, 0};
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(ipam_allocate_any(f->st, SUBNET_ID, 4, true, &a), 0);
        assert_true(ip_cmp(&prev, &a) < 0);
        prev = a;
    }
    free(ranges);
    free(got);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usable_range),
        cmocka_unit_test(test_default_gateway),
        cmocka_unit_test(test_default_pools),
        cmocka_unit_test(test_range_size),
        cmocka_unit_test(test_range_format),
        cmocka_unit_test(test_pools_from_json),
        cmocka_unit_test_setup_teardown(test_alloc_exhausts_pool, db_setup,
                                        db_teardown),
        cmocka_unit_test_setup_teardown(test_alloc_random_many_times, db_setup,
                                        db_teardown),
        cmocka_unit_test_setup_teardown(test_alloc_lowest_ascending, db_setup,
                                        db_teardown),
        cmocka_unit_test_setup_teardown(test_release_and_reallocate, db_setup,
                                        db_teardown),
        cmocka_unit_test_setup_teardown(test_release_stays_in_its_pool,
                                        db_setup, db_teardown),
        cmocka_unit_test_setup_teardown(test_take_splits, db_setup,
                                        db_teardown),
        cmocka_unit_test_setup_teardown(test_reset_skips_allocations, db_setup,
                                        db_teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_allocation, db_setup,
                                        db_teardown),
        cmocka_unit_test_setup_teardown(test_large_pool, db_setup,
                                        db_teardown),
    };

    log_set_level(LOG_LEVEL_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
