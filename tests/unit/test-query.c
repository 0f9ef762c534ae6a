/* Unit tests for api/query.h: list query strings on port_def (and a few on
 * network_def). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api-error.h"
#include "api/query.h"
#include "api/schema.h"
#include "core/config.h"
#include "core/util.h"

#define ARGS(...)   ((const struct http_arg[]){__VA_ARGS__})
#define N_ARGS(...) (sizeof ARGS(__VA_ARGS__) / sizeof(struct http_arg))

/* Parses and expects success. */
#define PARSE_OK(DEF, MAX, Q, ...)                                            \
    parse_ok(DEF, ARGS(__VA_ARGS__), N_ARGS(__VA_ARGS__), MAX, Q)
/* Parses and expects a 400 of 'TYPE' with exactly 'MSG'. */
#define PARSE_ERR(DEF, TYPE, MSG, ...)                                        \
    parse_err(DEF, ARGS(__VA_ARGS__), N_ARGS(__VA_ARGS__), TYPE, MSG)

static void
parse_ok(const struct resource_def *def, const struct http_arg *args, size_t n,
         long max_limit, struct list_query *q)
{
    struct api_error *e = list_query_parse(def, args, n, max_limit, q);

    if (e) {
        fail_msg("list_query_parse failed: %s: %s", e->type, e->message);
    }
}

static void
parse_err(const struct resource_def *def, const struct http_arg *args,
          size_t n, const char *type, const char *message)
{
    struct list_query q;
    struct api_error *e = list_query_parse(def, args, n, -1, &q);

    if (!e) {
        list_query_destroy(&q);
        fail_msg("list_query_parse accepted the query (expected \"%s\")",
                 message);
    }
    assert_int_equal(e->status, 400);
    assert_string_equal(e->type, type);
    if (strcmp(e->message, message)) {
        fail_msg("message \"%s\", expected \"%s\"", e->message, message);
    }
    api_error_free(e);
}

static const struct query_filter *
find_filter(const struct list_query *q, const char *column)
{
    for (size_t i = 0; i < q->n_filters; i++) {
        if (!strcmp(q->filters[i].attr->column, column)) {
            return &q->filters[i];
        }
    }
    fail_msg("no filter on column %s", column);
    return NULL;
}

static void
check_json(json_t *got, const char *expected)
{
    json_t *want = json_loads(expected, JSON_DECODE_ANY, NULL);

    assert_non_null(want);
    if (!json_equal(got, want)) {
        char *s = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
        fail_msg("got %s, expected %s", s ? s : "NULL", expected);
    }
    json_decref(want);
}

static void
check_strv(char **v, const char *const *expected, size_t n)
{
    assert_non_null(v);
    assert_int_equal(strv_length(v), n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(v[i], expected[i]);
    }
}

static void
test_empty(void **state)
{
    struct list_query q;
    struct api_error *e = list_query_parse(&port_def, NULL, 0, -1, &q);

    assert_null(e);
    assert_int_equal(q.n_filters, 0);
    assert_null(q.fields);
    assert_int_equal(q.n_sorts, 0);
    assert_int_equal(q.limit, 0);
    assert_null(q.marker);
    assert_false(q.page_reverse);
    assert_null(q.tags);
    assert_null(q.tags_any);
    assert_null(q.not_tags);
    assert_null(q.not_tags_any);
    assert_null(q.changed_since);
    assert_null(q.fixed_ip_addresses);
    assert_null(q.fixed_ip_subnets);
    assert_null(q.fixed_ip_substrs);
    assert_true(query_fields_want(q.fields, "id"));
    list_query_destroy(&q);
}

static void
test_filters(void **state)
{
    struct list_query q;

    PARSE_OK(&port_def, -1, &q, {"name", "a"},
             {"device_owner", "compute:nova"}, {"name", "b"},
             {"admin_state_up", "True"}, {"name", "a"});
    assert_int_equal(q.n_filters, 3);
    /* Repeated filters are ORed: one filter, every value. */
    check_json(find_filter(&q, "name")->values, "[\"a\", \"b\", \"a\"]");
    check_json(find_filter(&q, "device_owner")->values, "[\"compute:nova\"]");
    check_json(find_filter(&q, "admin_state_up")->values, "[true]");
    assert_string_equal(find_filter(&q, "name")->attr->name, "name");
    list_query_destroy(&q);
}

static void
test_filter_conversions(void **state)
{
    struct list_query q;

    PARSE_OK(&port_def, -1, &q, {"admin_state_up", "false"},
             {"admin_state_up", "1"}, {"revision_number", "7"},
             {"mac_address", "FA:16:3E:4A:1E:19"}, {"id", "x"},
             {"network_id", "not-checked-here"}, {"status", "ACTIVE"},
             {"binding:host_id", "host-1"}, {"description", ""});
    check_json(find_filter(&q, "admin_state_up")->values, "[false, true]");
    check_json(find_filter(&q, "revision_number")->values, "[7]");
    check_json(find_filter(&q, "mac_address")->values,
               "[\"fa:16:3e:4a:1e:19\"]");
    check_json(find_filter(&q, "binding_host_id")->values, "[\"host-1\"]");
    check_json(find_filter(&q, "description")->values, "[\"\"]");
    check_json(find_filter(&q, "network_id")->values,
               "[\"not-checked-here\"]");
    list_query_destroy(&q);

    /* project_id and its alias tenant_id filter the same column. */
    PARSE_OK(&network_def, -1, &q, {"tenant_id", "p1"}, {"project_id", "p2"});
    assert_int_equal(q.n_filters, 1);
    check_json(find_filter(&q, "project_id")->values, "[\"p1\", \"p2\"]");
    list_query_destroy(&q);
}

static void
test_bad_filters(void **state)
{
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "['foo'] is invalid attribute for filtering", {"foo", "1"});
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "['foo', 'bar'] is invalid attribute for filtering",
              {"name", "ok"}, {"foo", "1"}, {"bar", "2"});
    /* Attributes that exist but are not filters. */
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "['binding:profile'] is invalid attribute for filtering",
              {"binding:profile", "{}"});
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "['created_at'] is invalid attribute for filtering",
              {"created_at", "2024-01-01T00:00:00"});
    /* fixed_ips is a port filter only. */
    PARSE_ERR(&network_def, "HTTPBadRequest",
              "['fixed_ips'] is invalid attribute for filtering",
              {"fixed_ips", "ip_address=10.0.0.1"});
    PARSE_ERR(&network_def, "HTTPBadRequest",
              "['ip_address_substr'] is invalid attribute for filtering",
              {"ip_address_substr", "10."});
    /* Values that do not convert. */
    PARSE_ERR(&port_def, "InvalidInput",
              "Invalid input for operation: 'maybe' cannot be converted to "
              "boolean.",
              {"admin_state_up", "maybe"});
    PARSE_ERR(&port_def, "InvalidInput",
              "Invalid input for operation: 'x1' is not an integer.",
              {"name", "a"}, {"revision_number", "x1"});
}

/* Neutron reads the query as a dict of lists: a repeated unknown key is
 * named once. */
static void
test_bad_filter_repeated(void **state)
{
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "['foo', 'bar'] is invalid attribute for filtering",
              {"foo", "1"}, {"bar", "2"}, {"foo", "3"});
}

static void
test_fixed_ips(void **state)
{
    struct list_query q;

    PARSE_OK(&port_def, -1, &q, {"fixed_ips", "ip_address=10.0.0.1"},
             {"fixed_ips", "subnet_id=s1"},
             {"fixed_ips", "ip_address=fd00::5"},
             {"fixed_ips", "ip_address_substr=10.0"},
             {"ip_address_substr", "0.0.1"});
    assert_int_equal(q.n_filters, 0);
    check_json(q.fixed_ip_addresses, "[\"10.0.0.1\", \"fd00::5\"]");
    check_json(q.fixed_ip_subnets, "[\"s1\"]");
    check_json(q.fixed_ip_substrs, "[\"10.0\", \"0.0.1\"]");
    list_query_destroy(&q);

    PARSE_OK(&port_def, -1, &q, {"fixed_ips", "subnet_id=s1"});
    assert_null(q.fixed_ip_addresses);
    assert_null(q.fixed_ip_substrs);
    check_json(q.fixed_ip_subnets, "[\"s1\"]");
    list_query_destroy(&q);

    PARSE_ERR(&port_def, "InvalidInput",
              "Invalid input for operation: 'foo' is not a valid fixed_ips "
              "filter.",
              {"fixed_ips", "foo"});
    PARSE_ERR(&port_def, "InvalidInput",
              "Invalid input for operation: 'mac=1' is not a valid fixed_ips "
              "filter.",
              {"fixed_ips", "ip_address=10.0.0.1"}, {"fixed_ips", "mac=1"});
    PARSE_ERR(&port_def, "InvalidInput",
              "Invalid input for operation: 'ip_address' is not a valid "
              "fixed_ips filter.",
              {"fixed_ips", "ip_address"});
}

static void
test_sorts(void **state)
{
    struct list_query q;

    PARSE_OK(&port_def, -1, &q, {"sort_key", "name"}, {"sort_dir", "desc"},
             {"sort_key", "id"}, {"sort_dir", "asc"});
    assert_int_equal(q.n_sorts, 2);
    assert_string_equal(q.sorts[0].attr->name, "name");
    assert_true(q.sorts[0].desc);
    assert_string_equal(q.sorts[1].attr->name, "id");
    assert_false(q.sorts[1].desc);
    list_query_destroy(&q);

    /* Directions pair with keys in order, wherever they appear. */
    PARSE_OK(&port_def, -1, &q, {"sort_dir", "asc"}, {"sort_dir", "desc"},
             {"sort_key", "mac_address"}, {"name", "x"},
             {"sort_key", "device_id"});
    assert_int_equal(q.n_sorts, 2);
    assert_string_equal(q.sorts[0].attr->name, "mac_address");
    assert_false(q.sorts[0].desc);
    assert_string_equal(q.sorts[1].attr->name, "device_id");
    assert_true(q.sorts[1].desc);
    assert_int_equal(q.n_filters, 1);
    list_query_destroy(&q);

    /* An alias sorts by its column. */
    PARSE_OK(&port_def, -1, &q, {"sort_key", "status"},
             {"sort_key", "tenant_id"}, {"sort_dir", "asc"},
             {"sort_dir", "asc"});
    assert_int_equal(q.n_sorts, 2);
    assert_false(q.sorts[0].desc);
    assert_false(q.sorts[1].desc);
    assert_string_equal(q.sorts[1].attr->column, "project_id");
    list_query_destroy(&q);

    /* neutron-server 21 wants a direction for every key. */
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "The number of sort_keys and sort_dirs must be same",
              {"sort_key", "name"});

    PARSE_ERR(&port_def, "HTTPBadRequest",
              "The number of sort_keys and sort_dirs must be same",
              {"sort_key", "name"}, {"sort_dir", "asc"}, {"sort_key", "id"});
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "The number of sort_keys and sort_dirs must be same",
              {"sort_dir", "asc"});
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "The number of sort_keys and sort_dirs must be same",
              {"sort_key", "name"}, {"sort_dir", "asc"}, {"sort_dir", "desc"});
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "up is invalid value for sort_dirs, valid values are 'asc' and "
              "'desc'",
              {"sort_key", "name"}, {"sort_dir", "up"});
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "['foo'] is invalid attribute for sort_keys",
              {"sort_key", "foo"}, {"sort_dir", "asc"});
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "['port_security_enabled'] is invalid attribute for sort_keys",
              {"sort_key", "name"}, {"sort_key", "port_security_enabled"},
              {"sort_dir", "asc"}, {"sort_dir", "desc"});
}

static void
test_limit(void **state)
{
    static const struct {
        const char *value; /* NULL: no limit argument. */
        long max_limit;
        long expected; /* -1: error. */
    } cases[] = {
        {"10", -1, 10},   {"0", -1, 0},      {NULL, -1, 0},
        {"10", 100, 10},  {"100", 100, 100}, {"500", 100, 100},
        {"0", 100, 100},  {NULL, 100, 100},  {"-1", -1, -1},
        {"abc", -1, -1},  {"", -1, -1},      {"10x", -1, -1},
        {"1.5", 100, -1},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct http_arg arg = {"limit", cases[i].value};
        struct list_query q;
        struct api_error *e = list_query_parse(
            &port_def, &arg, cases[i].value ? 1 : 0, cases[i].max_limit, &q);

        if (cases[i].expected < 0) {
            char *msg = xasprintf("Bad limit request: Limit must be an "
                                  "integer 0 or greater and not '%s'.",
                                  cases[i].value);
            if (!e) {
                fail_msg("limit=%s accepted", cases[i].value);
            }
            assert_int_equal(e->status, 400);
            assert_string_equal(e->type, "BadRequest");
            assert_string_equal(e->message, msg);
            free(msg);
            api_error_free(e);
        } else {
            if (e) {
                fail_msg("limit=%s: %s",
                         cases[i].value ? cases[i].value : "(none)",
                         e->message);
            }
            if (q.limit != cases[i].expected) {
                fail_msg("limit=%s max %ld: got %ld, expected %ld",
                         cases[i].value ? cases[i].value : "(none)",
                         cases[i].max_limit, q.limit, cases[i].expected);
            }
            list_query_destroy(&q);
        }
    }
}

static void
test_fields(void **state)
{
    struct list_query q;
    static const char *const want[] = {"id", "name", "fixed_ips"};

    PARSE_OK(&port_def, -1, &q, {"fields", "id"}, {"fields", "name"},
             {"name", "x"}, {"fields", "fixed_ips"});
    check_strv(q.fields, want, 3);
    assert_true(query_fields_want(q.fields, "id"));
    assert_true(query_fields_want(q.fields, "fixed_ips"));
    assert_false(query_fields_want(q.fields, "mac_address"));
    assert_false(query_fields_want(q.fields, "Id"));
    assert_int_equal(q.n_filters, 1);
    list_query_destroy(&q);

    /* query_parse_fields() alone. */
    const struct http_arg args[] = {
        {"fields", "id"},
        {"other", "x"},
        {"fields", "status"},
    };
    char **f = query_parse_fields(args, ARRAY_SIZE(args));
    static const char *const want2[] = {"id", "status"};
    check_strv(f, want2, 2);
    strv_free(f);
    assert_null(query_parse_fields(args + 1, 1));
}

static void
test_tags(void **state)
{
    struct list_query q;
    static const char *const tags[] = {"red", "blue"};
    static const char *const any[] = {"a"};
    static const char *const not_tags[] = {"x", "y", "z"};
    static const char *const not_any[] = {"q w"};

    PARSE_OK(&port_def, -1, &q, {"tags", "red,blue"}, {"tags-any", "a"},
             {"not-tags", "x, y,,z"}, {"not-tags-any", "q w"});
    check_strv(q.tags, tags, 2);
    check_strv(q.tags_any, any, 1);
    check_strv(q.not_tags, not_tags, 3);
    check_strv(q.not_tags_any, not_any, 1);
    assert_int_equal(q.n_filters, 0);
    list_query_destroy(&q);

    PARSE_OK(&network_def, -1, &q, {"tags", ""});
    assert_non_null(q.tags);
    assert_int_equal(strv_length(q.tags), 0);
    list_query_destroy(&q);
}

/* Neutron joins repeated tag arguments (tags=a&tags=b is tags=a,b). */
static void
test_tags_repeated(void **state)
{
    struct list_query q;
    bool has_a = false, has_b = false;

    PARSE_OK(&port_def, -1, &q, {"tags", "a"}, {"tags", "b"});
    assert_non_null(q.tags);
    for (size_t i = 0; q.tags[i]; i++) {
        has_a |= !strcmp(q.tags[i], "a");
        has_b |= !strcmp(q.tags[i], "b");
    }
    list_query_destroy(&q);
    assert_true(has_a);
    assert_true(has_b);
}

static void
test_marker_page_reverse_changed_since(void **state)
{
    struct list_query q;

    PARSE_OK(&port_def, -1, &q, {"marker", "m1"}, {"marker", "m2"},
             {"limit", "10"}, {"page_reverse", "True"},
             {"changed_since", "2024-03-04T05:06:07Z"},
             {"changed_since", "2024-03-04T05:06:08.123456"});
    assert_string_equal(q.marker, "m2");
    assert_true(q.page_reverse);
    assert_string_equal(q.changed_since, "2024-03-04T05:06:08");
    assert_int_equal(q.n_filters, 0);
    list_query_destroy(&q);

    PARSE_OK(&port_def, -1, &q, {"page_reverse", "false"});
    assert_false(q.page_reverse);
    list_query_destroy(&q);

    /* A marker without a limit is ignored, as by neutron-server. */
    PARSE_OK(&port_def, -1, &q, {"marker", "m1"});
    assert_null(q.marker);
    list_query_destroy(&q);

    PARSE_ERR(&port_def, "InvalidInput",
              "Invalid input for operation: 'maybe' cannot be converted to "
              "boolean.",
              {"page_reverse", "maybe"});
    PARSE_ERR(&port_def, "InvalidInput",
              "Invalid input for operation: Invalid changed_since value "
              "'yesterday'.",
              {"changed_since", "yesterday"});
    PARSE_ERR(&port_def, "InvalidInput",
              "Invalid input for operation: Invalid changed_since value "
              "'2024-13-01T00:00:00'.",
              {"changed_since", "2024-13-01T00:00:00"});
}

/* An error after much was parsed frees everything (checked under ASan). */
static void
test_error_after_everything(void **state)
{
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "['nope'] is invalid attribute for filtering", {"name", "a"},
              {"fields", "id"}, {"tags", "t1,t2"}, {"tags-any", "t3"},
              {"not-tags", "t4"}, {"not-tags-any", "t5"}, {"marker", "m"},
              {"changed_since", "2024-01-01T00:00:00"},
              {"fixed_ips", "ip_address=10.0.0.1"},
              {"fixed_ips", "subnet_id=s"}, {"ip_address_substr", "10"},
              {"sort_key", "name"}, {"limit", "5"}, {"nope", "1"});
    PARSE_ERR(&port_def, "HTTPBadRequest",
              "['foo'] is invalid attribute for sort_keys", {"name", "a"},
              {"fields", "id"}, {"tags", "t1"}, {"sort_key", "name"},
              {"sort_key", "foo"}, {"sort_dir", "asc"}, {"sort_dir", "asc"});
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_filter_conversions),
        cmocka_unit_test(test_bad_filters),
        cmocka_unit_test(test_bad_filter_repeated),
        cmocka_unit_test(test_fixed_ips),
        cmocka_unit_test(test_sorts),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_tags_repeated),
        cmocka_unit_test(test_marker_page_reverse_changed_since),
        cmocka_unit_test(test_error_after_everything),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
