/* Unit tests for core/ip.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/ip.h"
#include "core/util.h"
#include "ip-helpers.h"

static void
check_addr(const struct ip_addr *a, const char *expected)
{
    char buf[IP_STRLEN];

    ip_format(a, buf);
    assert_string_equal(buf, expected);
}

/* ---- ip_parse / ip_format ---- */

static void
test_parse_format_canonical(void **state)
{
    static const struct {
        const char *in;
        int version;
        const char *canonical;
    } cases[] = {
        {"0.0.0.0", 4, "0.0.0.0"},
        {"10.0.0.1", 4, "10.0.0.1"},
        {"255.255.255.255", 4, "255.255.255.255"},
        {"192.168.1.100", 4, "192.168.1.100"},
        {"::", 6, "::"},
        {"::1", 6, "::1"},
        {"FD00::1", 6, "fd00::1"},
        {"fd00:0:0:0:0:0:0:1", 6, "fd00::1"},
        {"2001:DB8:0:0:1:0:0:1", 6, "2001:db8::1:0:0:1"},
        {"2001:0db8:0000:0000:0000:0000:0000:0001", 6, "2001:db8::1"},
        {"fe80::f816:3eff:fe4a:1e19", 6, "fe80::f816:3eff:fe4a:1e19"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6,
         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
        {"1:0:0:2:0:0:0:3", 6, "1:0:0:2::3"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_addr a;
        char buf[IP_STRLEN];

        assert_int_equal(ip_parse(cases[i].in, &a), 0);
        assert_int_equal(a.version, cases[i].version);
        ip_format(&a, buf);
        assert_string_equal(buf, cases[i].canonical);
        /* The canonical form parses back to the same address. */
        struct ip_addr b = addr(buf);
        assert_true(ip_equal(&a, &b));
    }
}

static void
test_parse_values(void **state)
{
    struct ip_addr a = addr("10.0.0.1");

    assert_true(a.v == 0x0a000001);
    a = addr("::1");
    assert_true(a.v == 1);
    a = addr("8000::");
    assert_true(a.v == (ip_u128) 1 << 127);
    a = addr("0.0.1.0");
    assert_true(a.v == 256);
}

static void
test_parse_bad(void **state)
{
    static const char *const bad[] = {
        "",          "1.2.3",        "1.2.3.4.5",         "256.0.0.1",
        "1.2.3.-1",  "10.0.0.0/8",   "a.b.c.d",           " 10.0.0.1",
        "10.0.0.1 ", ":::",          "1::2::3",           "fd00::g",
        "12345::",   "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "localhost",
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct ip_addr a = {.version = 42, .v = 7};

        if (ip_parse(bad[i], &a) != -EINVAL) {
            fail_msg("ip_parse accepted '%s'", bad[i]);
        }
        /* Left untouched on failure. */
        assert_int_equal(a.version, 42);
        assert_true(a.v == 7);
    }
}

static void
test_parse_version(void **state)
{
    struct ip_addr a = {.version = 0};

    assert_int_equal(ip_parse_version("10.0.0.1", 4, &a), 0);
    assert_int_equal(a.version, 4);
    assert_int_equal(ip_parse_version("fd00::1", 6, &a), 0);
    assert_int_equal(a.version, 6);
    assert_int_equal(ip_parse_version("10.0.0.1", 6, &a), -EINVAL);
    assert_int_equal(ip_parse_version("fd00::1", 4, &a), -EINVAL);
    assert_int_equal(ip_parse_version("10.0.0.1", 5, &a), -EINVAL);
    assert_int_equal(a.version, 6);
}

/* ---- ip_cmp / ip_equal ---- */

static void
test_cmp(void **state)
{
    static const struct {
        const char *a, *b;
        int sign;
    } cases[] = {
        {"10.0.0.1", "10.0.0.1", 0},   {"10.0.0.1", "10.0.0.2", -1},
        {"10.0.0.2", "10.0.0.1", 1},   {"9.255.255.255", "10.0.0.0", -1},
        {"255.255.255.255", "::", -1}, /* Version first. */
        {"::", "255.255.255.255", 1},  {"::1", "::1", 0},
        {"fd00::1", "fd00::2", -1},    {"fd00::1:0", "fd00::ffff", 1},
        {"ffff::", "::ffff", 1},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_addr a = addr(cases[i].a), b = addr(cases[i].b);
        int c = ip_cmp(&a, &b);
        int sign = (c > 0) - (c < 0);

        if (sign != cases[i].sign) {
            fail_msg("ip_cmp(%s, %s) = %d, expected sign %d", cases[i].a,
                     cases[i].b, c, cases[i].sign);
        }
        assert_int_equal(ip_equal(&a, &b), cases[i].sign == 0);
    }
}

/* ---- ip_add ---- */

static void
test_add(void **state)
{
    static const struct {
        const char *a;
        long long n; /* -1: add ~0 (subtract one). */
        const char *expected;
    } cases[] = {
        {"10.0.0.1", 1, "10.0.0.2"},
        {"10.0.0.255", 1, "10.0.1.0"},
        {"10.0.0.1", 0, "10.0.0.1"},
        {"10.0.0.0", 65536, "10.1.0.0"},
        {"255.255.255.255", 1, "0.0.0.0"},
        {"255.255.255.254", 3, "0.0.0.1"},
        {"10.0.0.1", -1, "10.0.0.0"},
        {"0.0.0.0", -1, "255.255.255.255"},
        {"fd00::", 1, "fd00::1"},
        {"fd00::ffff", 1, "fd00::1:0"},
        {"fd00::", -1, "fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "::"},
        {"::", -1, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
        {"::ffff:ffff:ffff:ffff", 1, "0:0:0:1::"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_addr a = addr(cases[i].a);
        ip_u128 n = cases[i].n < 0 ? ~(ip_u128) 0 : (ip_u128) cases[i].n;
        struct ip_addr r = ip_add(&a, n);

        assert_int_equal(r.version, a.version);
        check_addr(&r, cases[i].expected);
    }
}

/* ---- keys ---- */

static void
test_key_round_trip(void **state)
{
    static const struct {
        const char *a;
        const char *key;
    } cases[] = {
        {"10.0.0.1", "0000000000000000000000000a000001"},
        {"0.0.0.0", "00000000000000000000000000000000"},
        {"255.255.255.255", "000000000000000000000000ffffffff"},
        {"::1", "00000000000000000000000000000001"},
        {"fd00::abcd", "fd00000000000000000000000000abcd"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
         "ffffffffffffffffffffffffffffffff"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_addr a = addr(cases[i].a), b;
        char key[IP_KEYLEN];

        ip_to_key(&a, key);
        assert_string_equal(key, cases[i].key);
        assert_int_equal(strlen(key), IP_KEYLEN - 1);
        assert_int_equal(ip_from_key(key, a.version, &b), 0);
        assert_true(ip_equal(&a, &b));
    }
}

static void
test_key_order_matches_cmp(void **state)
{
    static const char *const sorted[] = {
        "0.0.0.0",  "0.0.0.9",    "0.0.0.10", "9.0.0.0",
        "10.0.0.0", "10.0.0.255", "10.0.1.0", "255.255.255.255",
    };

    for (size_t i = 1; i < ARRAY_SIZE(sorted); i++) {
        struct ip_addr a = addr(sorted[i - 1]), b = addr(sorted[i]);
        char ka[IP_KEYLEN], kb[IP_KEYLEN];

        ip_to_key(&a, ka);
        ip_to_key(&b, kb);
        assert_true(strcmp(ka, kb) < 0);
        assert_true(ip_cmp(&a, &b) < 0);
    }
}

static void
test_key_bad(void **state)
{
    static const struct {
        const char *key;
        int version;
    } cases[] = {
        {"", 4},
        {"0000000000000000000000000a00000", 4},   /* 31 digits. */
        {"0000000000000000000000000a0000011", 4}, /* 33 digits. */
        {"0000000000000000000000000a00000g", 4},
        {"0000000000000000000000000A000001", 4}, /* Upper case. */
        {"00000000000000000000000100000000", 4}, /* Beyond 32 bits. */
        {"fd00000000000000000000000000abc ", 6},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_addr a = {.version = 42};

        if (ip_from_key(cases[i].key, cases[i].version, &a) != -EINVAL) {
            fail_msg("ip_from_key accepted '%s'", cases[i].key);
        }
        assert_int_equal(a.version, 42);
    }
}

/* ---- ipnet_parse / ipnet_format ---- */

static void
test_ipnet_parse(void **state)
{
    static const struct {
        const char *in;
        int version;
        int prefixlen;
        const char *formatted;
    } cases[] = {
        {"10.0.0.0/24", 4, 24, "10.0.0.0/24"},
        {"10.0.0.5/24", 4, 24, "10.0.0.5/24"}, /* Host bits kept. */
        {"10.0.0.1", 4, 32, "10.0.0.1/32"},
        {"0.0.0.0/0", 4, 0, "0.0.0.0/0"},
        {"10.0.0.0/32", 4, 32, "10.0.0.0/32"},
        {"10.0.0.0/8", 4, 8, "10.0.0.0/8"},
        {"FD00::/64", 6, 64, "fd00::/64"},
        {"fd00::1", 6, 128, "fd00::1/128"},
        {"::/0", 6, 0, "::/0"},
        {"::/128", 6, 128, "::/128"},
        {"2001:db8::/32", 6, 32, "2001:db8::/32"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_net n;
        char buf[IPNET_STRLEN];

        if (ipnet_parse(cases[i].in, &n) != 0) {
            fail_msg("ipnet_parse rejected '%s'", cases[i].in);
        }
        assert_int_equal(n.addr.version, cases[i].version);
        assert_int_equal(n.prefixlen, cases[i].prefixlen);
        ipnet_format(&n, buf);
        assert_string_equal(buf, cases[i].formatted);
    }
}

static void
test_ipnet_parse_bad(void **state)
{
    static const char *const bad[] = {
        "10.0.0.0/33",
        "1.2.3",
        "1.2.3/24",
        "::/129",
        "",
        "10.0.0.0/",
        "/24",
        "10.0.0.0/-1",
        "10.0.0.0/a",
        "10.0.0.0/24/",
        "10.0.0.0/24/8",
        "10.0.0.0/ 24",
        "10.0.0.0/+8",
        "10.0.0.0/1000",
        "fd00::/1280",
        "fd00::/",
        "10.0.0.0//24",
        "256.0.0.0/8",
        "fd00:::/64",
        "10.0.0.0/8 ",
        " 10.0.0.0/8",
        /* Longer than any valid prefix. */
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128xxxxxxxxxxxxxxxxxxxxxxx",
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct ip_net n = {.prefixlen = 99};

        if (ipnet_parse(bad[i], &n) != -EINVAL) {
            fail_msg("ipnet_parse accepted '%s'", bad[i]);
        }
        assert_int_equal(n.prefixlen, 99);
    }
}

/* ---- first / last / size / netmask ---- */

static void
test_ipnet_first_last_size(void **state)
{
    static const struct {
        const char *net;
        const char *first, *last;
        unsigned long long size; /* 0: 2^64 or more, see below. */
        const char *netmask;     /* IPv4 only. */
    } cases[] = {
        {"10.0.0.0/24", "10.0.0.0", "10.0.0.255", 256, "255.255.255.0"},
        {"10.0.0.77/24", "10.0.0.0", "10.0.0.255", 256, "255.255.255.0"},
        {"10.1.2.3/12", "10.0.0.0", "10.15.255.255", 1ull << 20,
         "255.240.0.0"},
        {"10.0.0.4/30", "10.0.0.4", "10.0.0.7", 4, "255.255.255.252"},
        {"10.0.0.4/31", "10.0.0.4", "10.0.0.5", 2, "255.255.255.254"},
        {"10.0.0.4/32", "10.0.0.4", "10.0.0.4", 1, "255.255.255.255"},
        {"1.2.3.4/0", "0.0.0.0", "255.255.255.255", 1ull << 32, "0.0.0.0"},
        {"fd00::/64", "fd00::", "fd00::ffff:ffff:ffff:ffff", 0, NULL},
        {"fd00::1234/120", "fd00::1200", "fd00::12ff", 256, NULL},
        {"fd00::1/128", "fd00::1", "fd00::1", 1, NULL},
        {"fd00::/127", "fd00::", "fd00::1", 2, NULL},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_net n = net(cases[i].net);
        struct ip_addr first = ipnet_first(&n), last = ipnet_last(&n);

        check_addr(&first, cases[i].first);
        check_addr(&last, cases[i].last);
        if (cases[i].size) {
            assert_true(ipnet_size(&n) == cases[i].size);
        }
        if (cases[i].netmask) {
            struct ip_addr m = ipnet_netmask(&n);
            check_addr(&m, cases[i].netmask);
        }
    }
}

static void
test_ipnet_size_large(void **state)
{
    struct ip_net n64 = net("fd00::/64");
    struct ip_net n0 = net("::/0");
    struct ip_net n1 = net("::/1");

    assert_true(ipnet_size(&n64) == (ip_u128) 1 << 64);
    assert_true(ipnet_size(&n1) == (ip_u128) 1 << 127);
    /* 2^128 does not fit: saturates. */
    assert_true(ipnet_size(&n0) == ~(ip_u128) 0);

    struct ip_addr first = ipnet_first(&n0), last = ipnet_last(&n0);
    check_addr(&first, "::");
    check_addr(&last, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

/* ---- network / contains / overlaps ---- */

static void
test_ipnet_network(void **state)
{
    static const struct {
        const char *in, *network;
    } cases[] = {
        {"10.0.0.77/24", "10.0.0.0/24"},
        {"10.0.0.0/24", "10.0.0.0/24"},
        {"10.255.1.1/8", "10.0.0.0/8"},
        {"10.0.0.1/32", "10.0.0.1/32"},
        {"1.2.3.4/0", "0.0.0.0/0"},
        {"fd00::1/64", "fd00::/64"},
        {"fd00::/64", "fd00::/64"},
        {"fd00:1:2:3:4:5:6:7/48", "fd00:1:2::/48"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_net n = net(cases[i].in);
        struct ip_net m = ipnet_network(&n);
        char buf[IPNET_STRLEN];

        ipnet_format(&m, buf);
        assert_string_equal(buf, cases[i].network);
        assert_int_equal(m.prefixlen, n.prefixlen);
    }
}

static void
test_ipnet_contains(void **state)
{
    static const struct {
        const char *net, *addr;
        bool contains;
    } cases[] = {
        {"10.0.0.0/24", "10.0.0.0", true},
        {"10.0.0.0/24", "10.0.0.255", true},
        {"10.0.0.0/24", "10.0.0.100", true},
        {"10.0.0.0/24", "10.0.1.0", false},
        {"10.0.0.0/24", "9.255.255.255", false},
        {"10.0.0.9/24", "10.0.0.1", true},
        {"0.0.0.0/0", "255.255.255.255", true},
        {"10.0.0.1/32", "10.0.0.1", true},
        {"10.0.0.1/32", "10.0.0.2", false},
        {"fd00::/64", "fd00::ffff:ffff:ffff:ffff", true},
        {"fd00::/64", "fd00:0:0:1::", false},
        {"::/0", "10.0.0.1", false}, /* Other version. */
        {"0.0.0.0/0", "::a00:1", false},
        {"::/0", "::", true},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_net n = net(cases[i].net);
        struct ip_addr a = addr(cases[i].addr);

        if (ipnet_contains(&n, &a) != cases[i].contains) {
            fail_msg("ipnet_contains(%s, %s) != %d", cases[i].net,
                     cases[i].addr, cases[i].contains);
        }
    }
}

static void
test_ipnet_overlaps(void **state)
{
    static const struct {
        const char *a, *b;
        bool overlaps;
    } cases[] = {
        {"10.0.0.0/24", "10.0.0.0/24", true},
        {"10.0.0.0/24", "10.0.0.128/25", true},
        {"10.0.0.0/8", "10.200.0.0/16", true},
        {"10.0.0.0/24", "10.0.1.0/24", false},
        {"10.0.0.0/25", "10.0.0.128/25", false},
        {"10.0.0.0/23", "10.0.1.0/24", true},
        {"0.0.0.0/0", "192.168.0.0/16", true},
        {"10.0.0.5/32", "10.0.0.0/29", true},
        {"10.0.0.8/32", "10.0.0.0/29", false},
        {"fd00::/64", "fd00::/48", true},
        {"fd00::/64", "fd00:0:0:1::/64", false},
        {"::/0", "0.0.0.0/0", false},
        {"::/96", "0.0.0.0/0", false},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_net a = net(cases[i].a), b = net(cases[i].b);

        if (ipnet_overlaps(&a, &b) != cases[i].overlaps
            || ipnet_overlaps(&b, &a) != cases[i].overlaps) {
            fail_msg("ipnet_overlaps(%s, %s) != %d", cases[i].a, cases[i].b,
                     cases[i].overlaps);
        }
    }
}

/* ---- classification ---- */

static void
test_multicast_loopback(void **state)
{
    static const struct {
        const char *a;
        bool multicast, loopback;
    } cases[] = {
        {"224.0.0.1", true, false},
        {"239.255.255.255", true, false},
        {"223.255.255.255", false, false},
        {"240.0.0.0", false, false},
        {"127.0.0.1", false, true},
        {"127.255.255.254", false, true},
        {"128.0.0.1", false, false},
        {"10.0.0.1", false, false},
        {"ff02::1", true, false},
        {"ff00::", true, false},
        {"fe80::1", false, false},
        {"::1", false, true},
        {"::2", false, false},
        {"::", false, false},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_addr a = addr(cases[i].a);

        if (ip_is_multicast(&a) != cases[i].multicast) {
            fail_msg("ip_is_multicast(%s) != %d", cases[i].a,
                     cases[i].multicast);
        }
        if (ip_is_loopback(&a) != cases[i].loopback) {
            fail_msg("ip_is_loopback(%s) != %d", cases[i].a,
                     cases[i].loopback);
        }
    }
}

/* ---- EUI-64 ---- */

static void
test_eui64(void **state)
{
    static const struct {
        const char *prefix;
        uint8_t mac[6];
        const char *expected;
    } cases[] = {
        {"fe80::/64",
         {0xfa, 0x16, 0x3e, 0x4a, 0x1e, 0x19},
         "fe80::f816:3eff:fe4a:1e19"},
        {"2001:db8:1:2::/64",
         {0x00, 0x11, 0x22, 0x33, 0x44, 0x55},
         "2001:db8:1:2:211:22ff:fe33:4455"},
        /* The U/L bit is flipped, not set. */
        {"fd00::/64", {0x02, 0x00, 0x00, 0x00, 0x00, 0x01}, "fd00::ff:fe00:1"},
        /* Host bits of the prefix are ignored. */
        {"fd00::1234/64",
         {0xfa, 0x16, 0x3e, 0x00, 0x00, 0x01},
         "fd00::f816:3eff:fe00:1"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ip_net n = net(cases[i].prefix);
        struct ip_addr a = ip_eui64(&n, cases[i].mac);

        assert_int_equal(a.version, 6);
        check_addr(&a, cases[i].expected);
        assert_true(ipnet_contains(&n, &a));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format_canonical),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_parse_version),
        cmocka_unit_test(test_cmp),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_key_round_trip),
        cmocka_unit_test(test_key_order_matches_cmp),
        cmocka_unit_test(test_key_bad),
        cmocka_unit_test(test_ipnet_parse),
        cmocka_unit_test(test_ipnet_parse_bad),
        cmocka_unit_test(test_ipnet_first_last_size),
        cmocka_unit_test(test_ipnet_size_large),
        cmocka_unit_test(test_ipnet_network),
        cmocka_unit_test(test_ipnet_contains),
        cmocka_unit_test(test_ipnet_overlaps),
        cmocka_unit_test(test_multicast_loopback),
        cmocka_unit_test(test_eui64),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
