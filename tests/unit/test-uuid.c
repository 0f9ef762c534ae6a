/* Unit tests for core/uuid.h. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/util.h"
#include "core/uuid.h"

static void
test_is_valid(void **state)
{
    static const struct {
        const char *s;
        bool valid;
    } cases[] = {
        {"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b", true},
        {"8A6B5A8E-4D4C-4F5A-9B1E-0C1D2E3F4A5B", true},
        {"00000000-0000-0000-0000-000000000000", true},
        {"ffffffff-ffff-ffff-ffff-ffffffffffff", true},
        {"8a6b5a8e-4d4c-1f5a-0b1e-0c1d2e3f4a5b", true}, /* Any version. */
        {"", false},
        {"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5", false},
        {"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b0", false},
        {"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5g", false},
        {"8a6b5a8e4d4c-4f5a-9b1e-0c1d2e3f4a5b0", false},
        {"8a6b5a8e-4d4c4f5a-9b1e-0c1d-2e3f4a5b", false},
        {"8a6b5a8e_4d4c_4f5a_9b1e_0c1d2e3f4a5b", false},
        {"{8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5}", false},
        {" 8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5", false},
        {"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5 ", false},
        {"not-a-uuid", false},
        {"------------------------------------", false},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        if (uuid_is_valid(cases[i].s) != cases[i].valid) {
            fail_msg("uuid_is_valid('%s') != %d", cases[i].s, cases[i].valid);
        }
    }
}

static void
test_generate(void **state)
{
    char seen[64][UUID_STRLEN];

    for (int i = 0; i < 64; i++) {
        char *u = seen[i];

        memset(u, 'X', UUID_STRLEN);
        uuid_generate(u);
        assert_int_equal(strlen(u), UUID_STRLEN - 1);
        assert_true(uuid_is_valid(u));
        for (int j = 0; j < 36; j++) {
            /* Lower case only. */
            assert_false(isupper((unsigned char) u[j]));
        }
        /* Version 4, RFC 4122 variant. */
        assert_int_equal(u[14], '4');
        assert_non_null(strchr("89ab", u[19]));
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(u, seen[j]);
        }
    }
}

static void
test_dhcp_device_id_as_seed(void **state)
{
    char *id = uuid_dhcp_device_id("controller.home.local", "net");

    (void) state;
    /* Seed 000's DHCP port: dhcpd3377d3c-...-<network id>. */
    assert_string_equal(id, "dhcpd3377d3c-a0d1-5d71-9947-f17125c357bb-net");
    free(id);
    id = uuid_dhcp_device_id("controller", "x");
    assert_string_equal(id, "dhcpd3377d3c-a0d1-5d71-9947-f17125c357bb-x");
    free(id);
    id = uuid_dhcp_device_id("compute1", "x");
    assert_string_not_equal(id, "dhcpd3377d3c-a0d1-5d71-9947-f17125c357bb-x");
    free(id);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_valid),
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_dhcp_device_id_as_seed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
