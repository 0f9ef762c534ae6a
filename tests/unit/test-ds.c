/* Unit tests for core/ds.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ds.h"
#include "core/util.h"

static void
test_empty(void **state)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    char *s;

    assert_null(ds.s);
    assert_int_equal(ds.len, 0);
    assert_string_equal(ds_cstr(&ds), "");
    ds_clear(&ds); /* No buffer yet: still fine. */
    assert_string_equal(ds_cstr(&ds), "");
    s = ds_steal(&ds);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    ds_destroy(&ds);
    assert_null(ds.s);

    struct ds other;
    ds_init(&other);
    assert_null(other.s);
    assert_int_equal(other.len, 0);
    assert_int_equal(other.cap, 0);
    ds_destroy(&other);
}

/* Each step appends in one way; the running contents are checked. */
static void
test_appends(void **state)
{
    enum kind { CSTR, BUF, CHAR, FMT_INT, FMT_STR };
    static const struct {
        enum kind kind;
        const char *s;
        size_t n;
        int i;
        const char *after;
    } steps[] = {
        {CSTR, "hello", 0, 0, "hello"},
        {CHAR, NULL, 0, ' ', "hello "},
        {BUF, "world!!!", 5, 0, "hello world"},
        {FMT_INT, NULL, 0, 42, "hello world 42"},
        {FMT_STR, "x", 0, 0, "hello world 42[x]"},
        {CSTR, "", 0, 0, "hello world 42[x]"},
        {BUF, "ignored", 0, 0, "hello world 42[x]"},
        {FMT_INT, NULL, 0, -7, "hello world 42[x] -7"},
    };
    struct ds ds;

    ds_init(&ds);
    for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
        switch (steps[i].kind) {
        case CSTR:
            ds_put_cstr(&ds, steps[i].s);
            break;
        case BUF:
            ds_put_buf(&ds, steps[i].s, steps[i].n);
            break;
        case CHAR:
            ds_put_char(&ds, (char) steps[i].i);
            break;
        case FMT_INT:
            ds_put_format(&ds, " %d", steps[i].i);
            break;
        case FMT_STR:
            ds_put_format(&ds, "[%s]", steps[i].s);
            break;
        }
        assert_string_equal(ds_cstr(&ds), steps[i].after);
        assert_int_equal(ds.len, strlen(steps[i].after));
        assert_true(ds.cap > ds.len);
        assert_int_equal(ds.s[ds.len], '\0');
    }
    ds_destroy(&ds);
    assert_null(ds.s);
    assert_int_equal(ds.len, 0);
}

static void
test_embedded_nul(void **state)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    ds_put_buf(&ds, "a\0b", 3);
    assert_int_equal(ds.len, 3);
    assert_memory_equal(ds.s, "a\0b", 4);
    ds_put_char(&ds, '\0');
    assert_int_equal(ds.len, 4);
    ds_destroy(&ds);
}

static void
test_growth(void **state)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    char *expected = xmalloc(100001);

    /* One character at a time, across many reallocations. */
    for (size_t i = 0; i < 100000; i++) {
        char c = 'a' + i % 26;
        ds_put_char(&ds, c);
        expected[i] = c;
    }
    expected[100000] = '\0';
    assert_int_equal(ds.len, 100000);
    assert_string_equal(ds_cstr(&ds), expected);
    ds_destroy(&ds);

    /* One format larger than the initial buffer. */
    memset(expected, 'z', 5000);
    expected[5000] = '\0';
    ds_put_cstr(&ds, "<");
    ds_put_format(&ds, "%s>%d", expected, 123);
    assert_int_equal(ds.len, 5000 + 5);
    assert_int_equal(ds_cstr(&ds)[0], '<');
    assert_int_equal(strncmp(ds_cstr(&ds) + 1, expected, 5000), 0);
    assert_string_equal(ds_cstr(&ds) + 5001, ">123");
    ds_destroy(&ds);
    free(expected);
}

static void
test_format_exact_fit(void **state)
{
    /* Formats whose results land right at the capacity boundary. */
    for (size_t prefix = 0; prefix < 140; prefix++) {
        struct ds ds = DS_EMPTY_INITIALIZER;
        char *p = xmalloc(prefix + 1);
        char *want;

        memset(p, 'p', prefix);
        p[prefix] = '\0';
        ds_put_cstr(&ds, p);
        ds_put_format(&ds, "%s%s", "0123456789", "abcdef");
        want = xasprintf("%s0123456789abcdef", p);
        assert_string_equal(ds_cstr(&ds), want);
        assert_int_equal(ds.len, strlen(want));
        free(want);
        free(p);
        ds_destroy(&ds);
    }
}

static void
test_clear_and_reuse(void **state)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    size_t cap;

    ds_put_cstr(&ds, "some text");
    cap = ds.cap;
    ds_clear(&ds);
    assert_int_equal(ds.len, 0);
    assert_string_equal(ds_cstr(&ds), "");
    assert_int_equal(ds.cap, cap); /* The buffer is kept. */
    ds_put_cstr(&ds, "new");
    assert_string_equal(ds_cstr(&ds), "new");
    ds_destroy(&ds);
}

static void
test_steal(void **state)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    char *s;

    ds_put_format(&ds, "%s-%03d", "id", 7);
    s = ds_steal(&ds);
    assert_string_equal(s, "id-007");
    assert_null(ds.s);
    assert_int_equal(ds.len, 0);
    assert_int_equal(ds.cap, 0);
    assert_string_equal(ds_cstr(&ds), "");
    /* The ds is usable again, independently of the stolen buffer. */
    ds_put_cstr(&ds, "again");
    assert_string_equal(ds_cstr(&ds), "again");
    assert_string_equal(s, "id-007");
    free(s);
    ds_destroy(&ds);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_format_exact_fit),
        cmocka_unit_test(test_clear_and_reuse),
        cmocka_unit_test(test_steal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
