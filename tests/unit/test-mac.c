/* Unit tests for core/mac.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/mac.h"
#include "core/util.h"

static void
test_parse_good(void **state)
{
    static const struct {
        const char *in;
        uint8_t mac[6];
        const char *formatted;
    } cases[] = {
        {"fa:16:3e:4a:1e:19",
         {0xfa, 0x16, 0x3e, 0x4a, 0x1e, 0x19},
         "fa:16:3e:4a:1e:19"},
        {"FA:16:3E:4A:1E:19",
         {0xfa, 0x16, 0x3e, 0x4a, 0x1e, 0x19},
         "fa:16:3e:4a:1e:19"},
        {"Fa:16:3e:4A:1e:19",
         {0xfa, 0x16, 0x3e, 0x4a, 0x1e, 0x19},
         "fa:16:3e:4a:1e:19"},
        {"fa-16-3e-4a-1e-19",
         {0xfa, 0x16, 0x3e, 0x4a, 0x1e, 0x19},
         "fa:16:3e:4a:1e:19"},
        {"00:00:00:00:00:00", {0, 0, 0, 0, 0, 0}, "00:00:00:00:00:00"},
        {"ff:ff:ff:ff:ff:ff",
         {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
         "ff:ff:ff:ff:ff:ff"},
        {"01:23:45:67:89:AB",
         {0x01, 0x23, 0x45, 0x67, 0x89, 0xab},
         "01:23:45:67:89:ab"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint8_t mac[6];
        char buf[MAC_STRLEN];

        if (mac_parse(cases[i].in, mac) != 0) {
            fail_msg("mac_parse rejected '%s'", cases[i].in);
        }
        assert_memory_equal(mac, cases[i].mac, 6);
        mac_format(mac, buf);
        assert_string_equal(buf, cases[i].formatted);
    }
}

static void
test_parse_bad(void **state)
{
    static const char *const bad[] = {
        "",
        "fa:16:3e:4a:1e",
        "fa:16:3e:4a:1e:19:00",
        "fa:16:3e:4a:1e:1",
        "fa:16:3e:4a:1e:190",
        "fa:16:3e:4a:1e:1g",
        "fa:16-3e:4a:1e:19", /* Mixed separators. */
        "fa-16-3e-4a-1e:19",
        "fa.16.3e.4a.1e.19",
        "fa163e4a1e19",
        " fa:16:3e:4a:1e:1",
        "fa:16:3e:4a:1e:19 ",
        "0xfa:16:3e:4a:1e",
        "gg:hh:ii:jj:kk:ll",
        "fa::16:3e:4a:1e:19",
        "fa:16:3e:4a:1e:-1",
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        uint8_t mac[6] = {1, 2, 3, 4, 5, 6};
        static const uint8_t untouched[6] = {1, 2, 3, 4, 5, 6};

        if (mac_parse(bad[i], mac) != -EINVAL) {
            fail_msg("mac_parse accepted '%s'", bad[i]);
        }
        assert_memory_equal(mac, untouched, 6);
    }
}

static void
test_zero_broadcast(void **state)
{
    static const struct {
        uint8_t mac[6];
        bool zero, broadcast;
    } cases[] = {
        {{0, 0, 0, 0, 0, 0}, true, false},
        {{0, 0, 0, 0, 0, 1}, false, false},
        {{0x80, 0, 0, 0, 0, 0}, false, false},
        {{0xfa, 0x16, 0x3e, 0, 0, 0}, false, false},
        {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, false, false},
        {{0x33, 0x33, 0, 0, 0, 1}, false, false},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false, true},
        {{0x02, 0, 0, 0, 0, 0}, false, false},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        assert_int_equal(mac_is_zero(cases[i].mac), cases[i].zero);
        assert_int_equal(mac_is_broadcast(cases[i].mac), cases[i].broadcast);
    }
}

static void
test_generate(void **state)
{
    static const uint8_t base[6] = {0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33};
    uint8_t first[6];
    bool all_same = true;

    /* 'fixed' octets are kept, the rest changes between calls. */
    for (int fixed = 0; fixed <= 6; fixed++) {
        uint8_t mac[6];

        mac_generate(base, fixed, mac);
        assert_memory_equal(mac, base, fixed);
    }

    mac_generate(base, 3, first);
    for (int i = 0; i < 20; i++) {
        uint8_t mac[6];
        char buf[MAC_STRLEN], again[6];

        mac_generate(base, 3, mac);
        assert_memory_equal(mac, base, 3);
        all_same &= !memcmp(mac, first, 6);
        /* The output formats and parses back. */
        mac_format(mac, buf);
        assert_int_equal(strlen(buf), MAC_STRLEN - 1);
        assert_int_equal(mac_parse(buf, (uint8_t *) again), 0);
        assert_memory_equal(again, mac, 6);
    }
    /* 21 draws of 24 random bits all equal: chance 2^-480. */
    assert_false(all_same);

    uint8_t whole[6];
    mac_generate(base, 6, whole);
    assert_memory_equal(whole, base, 6);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_zero_broadcast),
        cmocka_unit_test(test_generate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
