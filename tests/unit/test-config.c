/* Unit tests for core/config.h: INI loading through an option table, list
 * splitting and boolean parsing. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/util.h"

struct test_cfg {
    char *bind_host;
    int bind_port;
    int api_workers;
    bool debug;
    char **service_plugins;
    char *connection;
};

static const struct config_int_range port_range = {1, 65535};

static const struct config_option options[] = {
    {"DEFAULT", "bind_host", config_parse_string,
     offsetof(struct test_cfg, bind_host), NULL},
    {"DEFAULT", "bind_port", config_parse_int,
     offsetof(struct test_cfg, bind_port), &port_range},
    {"DEFAULT", "api_workers", config_parse_int,
     offsetof(struct test_cfg, api_workers), NULL},
    {"DEFAULT", "debug", config_parse_bool, offsetof(struct test_cfg, debug),
     NULL},
    {"DEFAULT", "service_plugins", config_parse_strv,
     offsetof(struct test_cfg, service_plugins), NULL},
    {"database", "connection", config_parse_string,
     offsetof(struct test_cfg, connection), NULL},
};

/* A temporary directory per test, holding the INI files it writes. */
struct fixture {
    char dir[64];
    char *files[8];
    size_t n_files;
    struct test_cfg cfg;
};

static int
setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);

    strcpy(f->dir, "/tmp/neutrino-test-config-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    f->cfg.bind_port = 9696;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    for (size_t i = 0; i < f->n_files; i++) {
        unlink(f->files[i]);
        free(f->files[i]);
    }
    rmdir(f->dir);
    free(f->cfg.bind_host);
    free(f->cfg.connection);
    strv_free(f->cfg.service_plugins);
    free(f);
    return 0;
}

/* Writes 'text' to a new file in the fixture's directory; returns its
 * path (owned by the fixture). */
static char *
write_file(struct fixture *f, const char *text)
{
    char *path = xasprintf("%s/%zu.conf", f->dir, f->n_files);
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    assert_true(f->n_files < ARRAY_SIZE(f->files));
    f->files[f->n_files++] = path;
    return path;
}

static int
load(struct fixture *f, char **error)
{
    *error = NULL;
    return config_load(f->files, f->n_files, options, ARRAY_SIZE(options),
                       &f->cfg, error);
}

static void
test_load_one_file(void **state)
{
    struct fixture *f = *state;
    char *error;

    write_file(f, "# A comment\n"
                  "[DEFAULT]\n"
                  "bind_host = 127.0.0.1\n"
                  "bind_port=9697\n"
                  "debug = True\n"
                  "service_plugins = router, segments ,,qos\n"
                  "\n"
                  "[database]\n"
                  "connection = sqlite:////var/lib/neutron.db\n");
    assert_int_equal(load(f, &error), 0);
    assert_null(error);
    assert_string_equal(f->cfg.bind_host, "127.0.0.1");
    assert_int_equal(f->cfg.bind_port, 9697);
    assert_true(f->cfg.debug);
    assert_non_null(f->cfg.service_plugins);
    assert_int_equal(strv_length(f->cfg.service_plugins), 3);
    assert_string_equal(f->cfg.service_plugins[0], "router");
    assert_string_equal(f->cfg.service_plugins[1], "segments");
    assert_string_equal(f->cfg.service_plugins[2], "qos");
    assert_string_equal(f->cfg.connection, "sqlite:////var/lib/neutron.db");
}

static void
test_later_file_wins(void **state)
{
    struct fixture *f = *state;
    char *error;

    write_file(f, "[DEFAULT]\n"
                  "bind_host = 10.0.0.1\n"
                  "bind_port = 1000\n"
                  "service_plugins = a,b,c\n"
                  "[database]\n"
                  "connection = first\n");
    write_file(f, "[DEFAULT]\n"
                  "bind_host = 10.0.0.2\n"
                  "service_plugins = d\n");
    write_file(f, "[database]\n"
                  "connection = third\n");
    assert_int_equal(load(f, &error), 0);
    assert_string_equal(f->cfg.bind_host, "10.0.0.2");
    assert_int_equal(f->cfg.bind_port, 1000); /* Only in the first. */
    assert_int_equal(strv_length(f->cfg.service_plugins), 1);
    assert_string_equal(f->cfg.service_plugins[0], "d");
    assert_string_equal(f->cfg.connection, "third");
}

static void
test_later_line_wins(void **state)
{
    struct fixture *f = *state;
    char *error;

    write_file(f, "[DEFAULT]\n"
                  "bind_host = one\n"
                  "bind_host = two\n"
                  "[DEFAULT]\n"
                  "bind_host = three\n");
    assert_int_equal(load(f, &error), 0);
    assert_string_equal(f->cfg.bind_host, "three");
}

static void
test_unknown_keys_ignored(void **state)
{
    struct fixture *f = *state;
    char *error;

    write_file(f, "[DEFAULT]\n"
                  "no_such_option = whatever\n"
                  "core_plugin = ml2\n"
                  "[unknown_section]\n"
                  "bind_port = not-a-number\n" /* Other section. */
                  "[database]\n"
                  "bind_host = wrong-section\n"
                  "max_retries = -1\n"
                  "[DEFAULT]\n"
                  "bind_port = 1234\n");
    assert_int_equal(load(f, &error), 0);
    assert_null(error);
    assert_null(f->cfg.bind_host);
    assert_int_equal(f->cfg.bind_port, 1234);
}

/* Checks that 'error' is "PATH:LINE: ..." and mentions every 'needles'. */
static void
check_error(const char *error, const char *path, int line,
            const char *const *needles, size_t n)
{
    char *prefix = xasprintf("%s:%d: ", path, line);

    assert_non_null(error);
    if (!str_startswith(error, prefix)) {
        fail_msg("error '%s' does not start with '%s'", error, prefix);
    }
    for (size_t i = 0; i < n; i++) {
        if (!strstr(error, needles[i])) {
            fail_msg("error '%s' does not mention '%s'", error, needles[i]);
        }
    }
    free(prefix);
}

static void
test_bad_values(void **state)
{
    static const struct {
        const char *text;
        int line;
        const char *needles[3];
    } cases[] = {
        {"[DEFAULT]\nbind_port = abc\n",
         2,
         {"not an integer", "bind_port", "abc"}},
        {"[DEFAULT]\n\n# c\nbind_port = 70000\n",
         4,
         {"must be between 1 and 65535", "bind_port", "70000"}},
        {"[DEFAULT]\nbind_port = 0\n",
         2,
         {"must be between 1 and 65535", "bind_port", "0"}},
        {"[DEFAULT]\nbind_port = 12abc\n", 2, {"not an integer", "12abc"}},
        {"[DEFAULT]\napi_workers = 99999999999\n",
         2,
         {"not an integer", "api_workers"}},
        {"[DEFAULT]\napi_workers =\n", 2, {"not an integer", "api_workers"}},
        {"[DEFAULT]\ndebug = maybe\n", 2, {"not a boolean", "debug", "maybe"}},
        {"[DEFAULT]\nbind_host = x\ndebug = 2\nbind_port = abc\n",
         3,
         {"not a boolean", "debug"}},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fixture *f;
        char *path, *error;
        size_t n = 0;

        setup((void **) &f);
        path = write_file(f, cases[i].text);
        assert_int_equal(load(f, &error), -EINVAL);
        while (n < 3 && cases[i].needles[n]) {
            n++;
        }
        check_error(error, path, cases[i].line, cases[i].needles, n);
        free(error);
        teardown((void **) &f);
    }
}

static void
test_error_in_second_file(void **state)
{
    struct fixture *f = *state;
    char *error, *second;
    static const char *const needles[] = {"not a boolean"};

    write_file(f, "[DEFAULT]\ndebug = true\n");
    second = write_file(f, "[DEFAULT]\nbind_host = h\n\ndebug = nope\n");
    assert_int_equal(load(f, &error), -EINVAL);
    check_error(error, second, 4, needles, 1);
    free(error);
}

static void
test_syntax_error(void **state)
{
    struct fixture *f = *state;
    char *error, *path;
    static const char *const needles[] = {"syntax error"};

    path = write_file(f, "[DEFAULT]\nbind_host = h\nthis line has no "
                         "equals sign\n");
    assert_int_equal(load(f, &error), -EINVAL);
    check_error(error, path, 3, needles, 1);
    free(error);
}

/* The reported line and reason must describe the same problem: here the
 * first problem is the syntax error on line 2. */
static void
test_syntax_error_before_bad_value(void **state)
{
    struct fixture *f = *state;
    char *error, *path;
    static const char *const needles[] = {"syntax error"};

    path = write_file(f, "[DEFAULT]\n"
                         "garbage without equals\n"
                         "bind_port = abc\n");
    assert_int_equal(load(f, &error), -EINVAL);
    check_error(error, path, 2, needles, 1);
    free(error);
}

static void
test_missing_file(void **state)
{
    struct fixture *f = *state;
    char *missing = xasprintf("%s/does-not-exist.conf", f->dir);
    char *files[] = {missing};
    char *error = NULL;

    assert_int_equal(
        config_load(files, 1, options, ARRAY_SIZE(options), &f->cfg, &error),
        -ENOENT);
    assert_non_null(error);
    assert_true(str_startswith(error, missing));
    assert_non_null(strstr(error, "cannot open"));
    free(error);
    free(missing);
}

static void
test_no_files(void **state)
{
    struct fixture *f = *state;
    char *error = NULL;

    assert_int_equal(
        config_load(NULL, 0, options, ARRAY_SIZE(options), &f->cfg, &error),
        0);
    assert_null(error);
    assert_int_equal(f->cfg.bind_port, 9696);
}

/* ---- parsers called directly ---- */

static void
test_parse_int_direct(void **state)
{
    static const struct config_int_range r = {-5, 5};
    static const struct {
        const char *value;
        const struct config_int_range *range;
        int ret;
        int expected;
    } cases[] = {
        {"0", NULL, 0, 0},
        {"-17", NULL, 0, -17},
        {"2147483647", NULL, 0, INT_MAX},
        {"-2147483648", NULL, 0, INT_MIN},
        {"2147483648", NULL, -EINVAL, 0},
        {"", NULL, -EINVAL, 0},
        {"1.5", NULL, -EINVAL, 0},
        {"0x10", NULL, -EINVAL, 0},
        {"5", &r, 0, 5},
        {"-5", &r, 0, -5},
        {"6", &r, -ERANGE, 0},
        {"-6", &r, -ERANGE, 0},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int field = 12345;
        char *reason = NULL;
        int ret =
            config_parse_int(cases[i].value, &field, cases[i].range, &reason);

        if (ret != cases[i].ret) {
            fail_msg("config_parse_int('%s') = %d, expected %d",
                     cases[i].value, ret, cases[i].ret);
        }
        if (ret == 0) {
            assert_int_equal(field, cases[i].expected);
            assert_null(reason);
        } else {
            assert_int_equal(field, 12345);
            assert_non_null(reason);
            free(reason);
        }
    }
}

static void
test_parse_string_replaces(void **state)
{
    char *field = xstrdup("old");
    char *reason = NULL;

    assert_int_equal(config_parse_string("new value", &field, NULL, &reason),
                     0);
    assert_string_equal(field, "new value");
    assert_int_equal(config_parse_string("", &field, NULL, &reason), 0);
    assert_string_equal(field, "");
    free(field);
}

static void
test_parse_strv_replaces(void **state)
{
    char **field = strv_split_commas("x,y");
    char *reason = NULL;

    assert_int_equal(config_parse_strv(" p , q ", &field, NULL, &reason), 0);
    assert_int_equal(strv_length(field), 2);
    assert_string_equal(field[0], "p");
    assert_string_equal(field[1], "q");
    assert_int_equal(config_parse_strv("", &field, NULL, &reason), 0);
    assert_non_null(field);
    assert_int_equal(strv_length(field), 0);
    strv_free(field);
}

/* ---- strv ---- */

static void
test_strv_split(void **state)
{
    static const struct {
        const char *in;
        const char *out[5];
    } cases[] = {
        {"", {NULL}},
        {",", {NULL}},
        {" , ,\t,", {NULL}},
        {"a", {"a"}},
        {"a,b,c", {"a", "b", "c"}},
        {" a , b ,c ", {"a", "b", "c"}},
        {"a,,b", {"a", "b"}},
        {",a,", {"a"}},
        {"\ta\t,\tb c\t", {"a", "b c"}},
        {"one,two,three,four,five", {"one", "two", "three", "four", "five"}},
        {"x=1, y = 2", {"x=1", "y = 2"}},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char **v = strv_split_commas(cases[i].in);
        size_t n = 0;

        assert_non_null(v);
        while (n < 5 && cases[i].out[n]) {
            n++;
        }
        if (strv_length(v) != n) {
            fail_msg("strv_split_commas('%s') gave %zu items, expected %zu",
                     cases[i].in, strv_length(v), n);
        }
        for (size_t j = 0; j < n; j++) {
            assert_string_equal(v[j], cases[i].out[j]);
        }
        assert_null(v[n]);
        strv_free(v);
    }
}

static void
test_strv_many(void **state)
{
    char *s = xstrdup("");
    char **v;

    for (int i = 0; i < 100; i++) {
        char *t = xasprintf("%s%sitem%d", s, i ? "," : "", i);
        free(s);
        s = t;
    }
    v = strv_split_commas(s);
    assert_int_equal(strv_length(v), 100);
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "item%d", i);
        assert_string_equal(v[i], name);
    }
    strv_free(v);
    free(s);
    assert_int_equal(strv_length(NULL), 0);
    strv_free(NULL);
}

/* ---- parse_boolean ---- */

static void
test_parse_boolean(void **state)
{
    static const struct {
        const char *s;
        int expected;
    } cases[] = {
        {"true", 1},        {"True", 1},        {"TRUE", 1},
        {"yes", 1},         {"Yes", 1},         {"on", 1},
        {"ON", 1},          {"1", 1},           {"t", 1},
        {"T", 1},           {"y", 1},           {"false", 0},
        {"False", 0},       {"FALSE", 0},       {"no", 0},
        {"NO", 0},          {"off", 0},         {"Off", 0},
        {"0", 0},           {"f", 0},           {"F", 0},
        {"n", 0},           {"", -EINVAL},      {"2", -EINVAL},
        {"-1", -EINVAL},    {"truee", -EINVAL}, {"yes please", -EINVAL},
        {" true", -EINVAL}, {"true ", -EINVAL}, {"none", -EINVAL},
        {"01", -EINVAL},    {"nope", -EINVAL},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int r = parse_boolean(cases[i].s);

        if (r != cases[i].expected) {
            fail_msg("parse_boolean('%s') = %d, expected %d", cases[i].s, r,
                     cases[i].expected);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_one_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_later_file_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_later_line_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys_ignored, setup,
                                        teardown),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test_setup_teardown(test_error_in_second_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error_before_bad_value,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_files, setup, teardown),
        cmocka_unit_test(test_parse_int_direct),
        cmocka_unit_test(test_parse_string_replaces),
        cmocka_unit_test(test_parse_strv_replaces),
        cmocka_unit_test(test_strv_split),
        cmocka_unit_test(test_strv_many),
        cmocka_unit_test(test_parse_boolean),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
