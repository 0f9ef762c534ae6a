/* core/sha1: FIPS 180 test vectors, split updates, and every padding
 * length around a block boundary (against one-shot hashing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/sha1.h"

static void
hex(const uint8_t md[SHA1_LEN], char out[2 * SHA1_LEN + 1])
{
    for (int i = 0; i < SHA1_LEN; i++) {
        sprintf(out + 2 * i, "%02x", md[i]);
    }
}

static void
check(const char *data, size_t n, const char *want)
{
    uint8_t md[SHA1_LEN];
    char got[2 * SHA1_LEN + 1];

    sha1_bytes(data, n, md);
    hex(md, got);
    assert_string_equal(got, want);
}

static void
test_vectors(void **state)
{
    static char million[1000000];

    check("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    check("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    memset(million, 'a', sizeof million);
    check(million, sizeof million, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void
test_split_updates(void **state)
{
    char data[200];
    uint8_t whole[SHA1_LEN], parts[SHA1_LEN];

    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (char) (i * 7 + 3);
    }
    for (size_t len = 0; len <= sizeof data; len++) {
        sha1_bytes(data, len, whole);
        for (size_t cut = 0; cut <= len; cut += 13) {
            struct sha1 s;

            sha1_init(&s);
            sha1_update(&s, data, cut);
            sha1_update(&s, data + cut, len - cut);
            sha1_final(&s, parts);
            assert_memory_equal(whole, parts, SHA1_LEN);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_split_updates),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
