/* Unit tests for core/prefix-set.h: compaction, difference, subsets and
 * the subnet pool allocator's choice, against what netaddr's IPSet and
 * Neutron's SubnetAllocator give for the same inputs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/ds.h"
#include "core/prefix-set.h"
#include "core/util.h"
#include "ip-helpers.h"

/* A set of 'version' from a NULL-terminated list of CIDRs. */
static void
set_of(struct prefix_set *s, int version, const char *const *cidrs)
{
    prefix_set_init(s, version);
    for (size_t i = 0; cidrs[i]; i++) {
        struct ip_net n = net(cidrs[i]);
        prefix_set_add(s, &n);
    }
}

/* The set's compact CIDRs as "a b c". */
static char *
cidrs_text(const struct prefix_set *s)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ip_net *cidrs;
    size_t n = prefix_set_cidrs(s, &cidrs);

    for (size_t i = 0; i < n; i++) {
        char buf[IPNET_STRLEN];
        ipnet_format(&cidrs[i], buf);
        ds_put_format(&out, "%s%s", i ? " " : "", buf);
    }
    free(cidrs);
    return ds_steal(&out);
}

static void
test_compact(void **state)
{
    static const struct {
        int version;
        const char *in[5];
        const char *out;
    } cases[] = {
        {4, {"10.0.0.0/24", NULL}, "10.0.0.0/24"},
        /* Overlapping and contained prefixes merge. */
        {4, {"10.11.12.0/24", "10.11.0.0/16", NULL}, "10.11.0.0/16"},
        {4,
         {"10.10.10.0/24", "10.10.0.0/16", "192.168.1.0/24", NULL},
         "10.10.0.0/16 192.168.1.0/24"},
        /* Adjacent halves become their parent. */
        {4, {"10.0.0.128/25", "10.0.0.0/25", NULL}, "10.0.0.0/24"},
        /* Adjacent but unaligned: two blocks stay two. */
        {4, {"10.0.1.0/24", "10.0.2.0/24", NULL}, "10.0.1.0/24 10.0.2.0/24"},
        {4, {"0.0.0.0/1", "128.0.0.0/1", NULL}, "0.0.0.0/0"},
        /* Host bits are ignored, as the network is meant. */
        {4, {"10.0.0.7/24", NULL}, "10.0.0.0/24"},
        {6,
         {"2001:db8:1234::/48", "2001:db8:1234:1111::/64", NULL},
         "2001:db8:1234::/48"},
        {6, {"::/1", "8000::/1", NULL}, "::/0"},
        {6, {NULL}, ""},
    };

    (void) state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct prefix_set s;
        char *text;

        set_of(&s, cases[i].version, cases[i].in);
        text = cidrs_text(&s);
        assert_string_equal(text, cases[i].out);
        free(text);
        prefix_set_destroy(&s);
    }
}

static void
test_remove(void **state)
{
    static const struct {
        int version;
        const char *in[3];
        const char *cut;
        const char *out;
    } cases[] = {
        {4,
         {"10.0.0.0/24", NULL},
         "10.0.0.0/26",
         "10.0.0.64/26 10.0.0.128/25"},
        {4,
         {"10.0.0.0/24", NULL},
         "10.0.0.64/26",
         "10.0.0.0/26 10.0.0.128/25"},
        {4, {"10.0.0.0/24", NULL}, "10.0.0.0/16", ""},
        {4, {"10.0.0.0/24", NULL}, "10.0.1.0/24", "10.0.0.0/24"},
        {4,
         {"0.0.0.0/0", NULL},
         "255.255.255.255/32",
         "0.0.0.0/1 128.0.0.0/2 192.0.0.0/3 224.0.0.0/4 240.0.0.0/5 "
         "248.0.0.0/6 252.0.0.0/7 254.0.0.0/8 255.0.0.0/9 255.128.0.0/10 "
         "255.192.0.0/11 255.224.0.0/12 255.240.0.0/13 255.248.0.0/14 "
         "255.252.0.0/15 255.254.0.0/16 255.255.0.0/17 255.255.128.0/18 "
         "255.255.192.0/19 255.255.224.0/20 255.255.240.0/21 "
         "255.255.248.0/22 255.255.252.0/23 255.255.254.0/24 "
         "255.255.255.0/25 255.255.255.128/26 255.255.255.192/27 "
         "255.255.255.224/28 255.255.255.240/29 255.255.255.248/30 "
         "255.255.255.252/31 255.255.255.254/32"},
        {6,
         {"2001:db8:3::/48", NULL},
         "2001:db8:3::/64",
         "2001:db8:3:1::/64 2001:db8:3:2::/63 2001:db8:3:4::/62 "
         "2001:db8:3:8::/61 2001:db8:3:10::/60 2001:db8:3:20::/59 "
         "2001:db8:3:40::/58 2001:db8:3:80::/57 2001:db8:3:100::/56 "
         "2001:db8:3:200::/55 2001:db8:3:400::/54 2001:db8:3:800::/53 "
         "2001:db8:3:1000::/52 2001:db8:3:2000::/51 2001:db8:3:4000::/50 "
         "2001:db8:3:8000::/49"},
    };

    (void) state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct prefix_set s;
        struct ip_net cut = net(cases[i].cut);
        char *text;

        set_of(&s, cases[i].version, cases[i].in);
        prefix_set_remove(&s, &cut);
        text = cidrs_text(&s);
        assert_string_equal(text, cases[i].out);
        free(text);
        prefix_set_destroy(&s);
    }
}

static void
test_subset_covers_overlaps(void **state)
{
    static const char *const pool[] = {"10.11.12.0/24", "10.20.0.0/16", NULL};
    static const char *const bigger[] = {"10.11.0.0/16", "10.20.0.0/16", NULL};
    static const char *const smaller[] = {"10.11.12.0/26", NULL};
    struct prefix_set p, b, s;
    struct ip_net in = net("10.11.12.64/26"), across = net("10.11.12.0/23");

    (void) state;
    set_of(&p, 4, pool);
    set_of(&b, 4, bigger);
    set_of(&s, 4, smaller);
    assert_true(prefix_set_is_subset(&p, &b));
    assert_false(prefix_set_is_subset(&b, &p));
    assert_true(prefix_set_is_subset(&s, &p));
    assert_false(prefix_set_is_subset(&p, &s));
    assert_true(prefix_set_covers(&p, &in));
    assert_false(prefix_set_covers(&p, &across));
    assert_true(prefix_set_overlaps(&p, &across));
    assert_false(prefix_set_overlaps(&s, &in));
    prefix_set_destroy(&p);
    prefix_set_destroy(&b);
    prefix_set_destroy(&s);
}

/* Allocation as Neutron's SubnetAllocator: the smallest free block that
 * holds the request, the lowest among equals, its first prefix. */
static void
test_choose(void **state)
{
    static const struct {
        int version;
        const char *pool[3];
        const char *used[4];
        int prefixlen;
        const char *want; /* NULL: -ENOSPC. */
    } cases[] = {
        {4, {"10.11.12.0/24", NULL}, {NULL}, 29, "10.11.12.0/29"},
        {4,
         {"10.11.12.0/24", NULL},
         {"10.11.12.0/29", NULL},
         29,
         "10.11.12.8/29"},
        /* The hole left by a freed prefix is reused first (best fit). */
        {4,
         {"10.11.12.0/24", NULL},
         {"10.11.12.0/29", "10.11.12.16/28", NULL},
         29,
         "10.11.12.8/29"},
        /* A small second prefix is used before a big first one. */
        {4,
         {"10.0.0.0/16", "192.168.0.0/24", NULL},
         {NULL},
         26,
         "192.168.0.0/26"},
        {4, {"10.11.12.0/24", NULL}, {"10.11.12.0/25", NULL}, 24, NULL},
        {4, {"10.11.12.0/30", NULL}, {NULL}, 32, "10.11.12.0/32"},
        {4,
         {"10.11.12.0/30", NULL},
         {"10.11.12.0/31", "10.11.12.2/31", NULL},
         32,
         NULL},
        {6, {"2001:db8:3::/48", NULL}, {NULL}, 64, "2001:db8:3::/64"},
        {6,
         {"2001:db8:3::/48", NULL},
         {"2001:db8:3::/64", NULL},
         64,
         "2001:db8:3:1::/64"},
        {6, {"::/0", NULL}, {NULL}, 0, "::/0"},
    };

    (void) state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct prefix_set s;
        struct ip_net got;
        int r;

        set_of(&s, cases[i].version, cases[i].pool);
        for (size_t j = 0; cases[i].used[j]; j++) {
            struct ip_net u = net(cases[i].used[j]);
            prefix_set_remove(&s, &u);
        }
        r = prefix_set_choose(&s, cases[i].prefixlen, &got);
        if (!cases[i].want) {
            assert_int_equal(r, -ENOSPC);
        } else {
            char buf[IPNET_STRLEN];
            assert_int_equal(r, 0);
            ipnet_format(&got, buf);
            assert_string_equal(buf, cases[i].want);
        }
        prefix_set_destroy(&s);
    }
}

/* Allocating until full never hands out overlapping prefixes and ends
 * with the whole pool used. */
static void
test_choose_until_full(void **state)
{
    static const char *const pool[] = {"10.0.0.0/26", "10.0.1.0/27", NULL};
    struct prefix_set free_set, used;
    struct ip_net got;
    int n = 0;

    (void) state;
    set_of(&free_set, 4, pool);
    prefix_set_init(&used, 4);
    while (!prefix_set_choose(&free_set, 30, &got)) {
        assert_false(prefix_set_overlaps(&used, &got));
        prefix_set_add(&used, &got);
        prefix_set_remove(&free_set, &got);
        n++;
    }
    assert_int_equal(n, (64 + 32) / 4);
    assert_int_equal(free_set.n, 0);
    prefix_set_destroy(&free_set);
    prefix_set_destroy(&used);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_subset_covers_overlaps),
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_choose_until_full),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
