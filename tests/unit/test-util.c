/* Unit tests for core/util.h (UTF-8, timestamps) and core/json-writer.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ds.h"
#include "core/ip.h"
#include "core/json-writer.h"
#include "core/util.h"

static void
test_utf8(void **state)
{
    static const struct {
        const char *s;
        bool valid;
        const char *sanitized;
    } cases[] = {
        {"", true, ""},
        {"plain ascii", true, "plain ascii"},
        {"caf\xc3\xa9", true, "caf\xc3\xa9"},
        {"\xe7\x92\xb0\xe5\xa2\x83", true, "\xe7\x92\xb0\xe5\xa2\x83"},
        {"\xf0\x9f\x98\x80", true, "\xf0\x9f\x98\x80"},
        {"\xff", false, "?"},
        {"a\xc3", false, "a?"},              /* Truncated sequence. */
        {"\xc0\xaf", false, "??"},           /* Overlong '/'. */
        {"\xe0\x80\xaf", false, "???"},      /* Overlong, 3 bytes. */
        {"\xed\xa0\x80", false, "???"},      /* Surrogate U+D800. */
        {"\xf4\x90\x80\x80", false, "????"}, /* Past U+10FFFF. */
        {"ok\x80ok", false, "ok?ok"},        /* Lone continuation. */
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *clean = utf8_sanitize(cases[i].s);

        assert_int_equal(utf8_is_valid(cases[i].s), cases[i].valid);
        assert_string_equal(clean, cases[i].sanitized);
        assert_true(utf8_is_valid(clean));
        free(clean);
    }
}

static void
test_timestamps(void **state)
{
    char now[TIMESTAMP_LEN];

    timestamp_now(now);
    assert_int_equal(strlen(now), 20);
    assert_int_equal(now[10], 'T');
    assert_int_equal(now[19], 'Z');
    assert_true(timestamp_is_valid(now));
    assert_true(timestamp_is_valid("2024-04-21T07:02:29"));
    assert_true(timestamp_is_valid("2024-04-21T07:02:29.123456"));
    assert_false(timestamp_is_valid("2024-04-21 07:02:29"));
    assert_false(timestamp_is_valid("2024-04-21T07:02:29Zjunk"));
    assert_false(timestamp_is_valid("yesterday"));
    assert_false(timestamp_is_valid(""));
}

static void
check_json_string(const char *in, size_t len, const char *want)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    json_put_string(&ds, in, len);
    assert_string_equal(ds_cstr(&ds), want);
    ds_destroy(&ds);
}

static void
test_json_put_string(void **state)
{
    check_json_string("", 0, "\"\"");
    check_json_string("abc", 3, "\"abc\"");
    check_json_string("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    check_json_string("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
    check_json_string("\x01\x1f", 2, "\"\\u0001\\u001f\"");
    check_json_string("caf\xc3\xa9/", 6, "\"caf\xc3\xa9/\"");
    /* Only 'len' bytes count. */
    check_json_string("abcdef", 2, "\"ab\"");
}

/* json_put_value() writes what json_dumps() does. */
static void
test_json_put_value(void **state)
{
    static const char *const texts[] = {
        "{}",
        "[]",
        "null",
        "true",
        "false",
        "0",
        "-9223372036854775807",
        "-9223372036854775808",
        "9223372036854775807",
        "-1",
        "42",
        "1.5",
        "1e100",
        "\"caf\u00e9 \\\" /\"",
        "{\"b\": [1, {\"c\": null}], \"a\": \"x\", \"\u00e9\": {}}",
        "[[], [[true, false]], {\"k\": [0.25]}]",
    };

    for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
        json_t *v = json_loads(texts[i], JSON_DECODE_ANY, NULL);
        char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        struct ds ds = DS_EMPTY_INITIALIZER;

        assert_non_null(v);
        json_put_value(&ds, v);
        assert_string_equal(ds_cstr(&ds), want);
        ds_destroy(&ds);
        free(want);
        json_decref(v);
    }
}

static void
test_json_put_value_escapes(void **state)
{
    json_t *v = json_pack("{s:s}", "a\x01", "\x1f\n");
    struct ds ds = DS_EMPTY_INITIALIZER;

    json_put_value(&ds, v);
    assert_string_equal(ds_cstr(&ds), "{\"a\\u0001\":\"\\u001f\\n\"}");
    ds_destroy(&ds);
    json_decref(v);
}

static void
test_u128_format(void **state)
{
    char buf[IP_U128_STRLEN];

    ip_u128_format(0, buf);
    assert_string_equal(buf, "0");
    ip_u128_format(253, buf);
    assert_string_equal(buf, "253");
    ip_u128_format(UINT64_MAX, buf);
    assert_string_equal(buf, "18446744073709551615");
    ip_u128_format((ip_u128) UINT64_MAX + 254, buf);
    assert_string_equal(buf, "18446744073709551869");
    ip_u128_format(~(ip_u128) 0, buf);
    assert_string_equal(buf, "340282366920938463463374607431768211455");
}

static void
test_str_equal_secret(void **state)
{
    assert_true(str_equal_secret("s3cret", "s3cret"));
    assert_true(str_equal_secret("", ""));
    assert_false(str_equal_secret("s3cret", "s3cre"));
    assert_false(str_equal_secret("s3cret", "s3cret!"));
    assert_false(str_equal_secret("s3cret", "S3cret"));
    assert_false(str_equal_secret("s3cret", ""));
    assert_false(str_equal_secret("", "x"));
    /* Wrapping around the secret must not make a longer input match. */
    assert_false(str_equal_secret("ab", "abab"));
}

static void
test_timestamp_parse_usec(void **state)
{
    int64_t t = 0;

    assert_int_equal(timestamp_parse_usec("1970-01-01T00:00:01Z", &t), 0);
    assert_int_equal(t, 1000000);
    assert_int_equal(timestamp_parse_usec("2026-11-29T03:48:38.250000Z", &t),
                     0);
    assert_int_equal(t, 1795924118250000LL);
    assert_int_equal(timestamp_parse_usec("2026-11-29T03:48:38+00:00", &t), 0);
    assert_int_equal(t, 1795924118000000LL);
    assert_int_equal(timestamp_parse_usec("2026-11-29T03:48:38", &t), 0);
    t = 42;
    assert_int_equal(timestamp_parse_usec("2026-11-29 03:48:38", &t), -EINVAL);
    assert_int_equal(timestamp_parse_usec("2026-11-29T03:48:38Zx", &t),
                     -EINVAL);
    assert_int_equal(timestamp_parse_usec("", &t), -EINVAL);
    assert_int_equal(t, 42);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_json_put_string),
        cmocka_unit_test(test_json_put_value),
        cmocka_unit_test(test_json_put_value_escapes),
        cmocka_unit_test(test_u128_format),
        cmocka_unit_test(test_str_equal_secret),
        cmocka_unit_test(test_timestamp_parse_usec),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
