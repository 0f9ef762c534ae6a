/* Unit tests for src/cli/cli-column.c and cli-format.c: values rendered as
 * openstackclient's column classes render them, and cliff's table, json,
 * value and shell output.  The expected texts were printed by
 * python-openstackclient 6.0 / cliff 4.0 / prettytable 3.6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>

#include "cli/cli-format.h"

static json_t *
parse(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);

    assert_non_null(v);
    return v;
}

/* The human (table) text of 'json' under 'fmt' is 'human'. */
static void
check_human(enum cli_fmt fmt, const char *json, const char *human)
{
    json_t *v = json ? parse(json) : NULL;
    struct cli_cell cell;

    cli_cell_init(&cell, fmt, v);
    assert_string_equal(cell.human, human);
    cli_cell_destroy(&cell);
    json_decref(v);
}

static void
check_pystr(const char *json, const char *text)
{
    json_t *v = parse(json);
    char *s = cli_pystr(v);

    assert_string_equal(s, text);
    free(s);
    json_decref(v);
}

static void
test_pystr(void **state)
{
    (void) state;
    check_pystr("null", "None");
    check_pystr("true", "True");
    check_pystr("false", "False");
    check_pystr("1500", "1500");
    check_pystr("0.1", "0.1");
    check_pystr("2.0", "2.0");
    check_pystr("\"plain\"", "plain");
    check_pystr("[]", "[]");
    check_pystr("{}", "{}");
    check_pystr("[{\"subnet_id\": \"s\", \"ip_address\": \"10.0.0.1\"}]",
                "[{'subnet_id': 's', 'ip_address': '10.0.0.1'}]");
    check_pystr("[\"it's\", \"say \\\"x\\\"\", \"both ' \\\"\"]",
                "[\"it's\", 'say \"x\"', 'both \\' \"']");
    check_pystr("[\"a\\nb\\\\c\\u0001\"]", "['a\\nb\\\\c\\x01']");
    check_pystr("{\"k\": [1, true, null]}", "{'k': [1, True, None]}");
}

static void
test_column_formats(void **state)
{
    (void) state;
    check_human(CLI_FMT_RAW, NULL, "None");
    check_human(CLI_FMT_RAW, "\"\"", "");
    check_human(CLI_FMT_RAW, "{\"a\": 1}", "{'a': 1}");
    check_human(CLI_FMT_ADMIN_STATE, "true", "UP");
    check_human(CLI_FMT_ADMIN_STATE, "false", "DOWN");
    check_human(CLI_FMT_ADMIN_STATE, NULL, "DOWN");
    check_human(CLI_FMT_EXTERNAL, "true", "External");
    check_human(CLI_FMT_EXTERNAL, "false", "Internal");
    check_human(CLI_FMT_ALIVE, "true", ":-)");
    check_human(CLI_FMT_ALIVE, "false", "XXX");
    check_human(CLI_FMT_LIST, "[]", "");
    check_human(CLI_FMT_LIST, "[\"b\", \"a\", \"c\"]", "a, b, c");
    check_human(CLI_FMT_LIST, NULL, "None");
    check_human(CLI_FMT_DICT, "{}", "");
    /* The seed's binding_vif_details. */
    check_human(CLI_FMT_DICT,
                "{\"port_filter\": true, \"connectivity\": \"l2\", "
                "\"bound_drivers\": {\"0\": \"openvswitch\"}, "
                "\"ovs_hybrid_plug\": false, \"datapath_type\": \"system\", "
                "\"bridge_name\": \"br-int\"}",
                "bound_drivers.0='openvswitch', bridge_name='br-int', "
                "connectivity='l2', datapath_type='system', "
                "ovs_hybrid_plug='False', port_filter='True'");
    check_human(CLI_FMT_DICT, "{\"b\": null, \"a\": 1}", "a='1', b=");
    check_human(CLI_FMT_LIST_DICT,
                "[{\"subnet_id\": \"s1\", \"ip_address\": \"172.17.0.0\"},"
                " {\"subnet_id\": \"s2\", \"ip_address\": \"10.0.0.5\"}]",
                "ip_address='172.17.0.0', subnet_id='s1'\n"
                "ip_address='10.0.0.5', subnet_id='s2'");
    check_human(CLI_FMT_LIST_DICT, "[]", "");
    check_human(CLI_FMT_POOLS,
                "[{\"start\": \"172.17.0.0\", \"end\": \"172.17.0.255\"},"
                " {\"start\": \"10.0.0.2\", \"end\": \"10.0.0.9\"}]",
                "172.17.0.0-172.17.0.255,10.0.0.2-10.0.0.9");
    check_human(CLI_FMT_ROUTES,
                "[{\"destination\": \"10.2.0.0/16\", "
                "\"nexthop\": \"10.1.0.254\"}]",
                "destination='10.2.0.0/16', gateway='10.1.0.254'");
    check_human(CLI_FMT_BLANK, "\"x\"", "");
    /* Tags without a formatter; absent is the SDK's default []. */
    check_human(CLI_FMT_TAGS, NULL, "[]");
    check_human(CLI_FMT_TAGS, "[\"b\", \"a\"]", "['b', 'a']");
    /* A group's rules: falsy values and the owner ids dropped, the rest
     * as DictColumn lines, in the API's order. */
    check_human(CLI_FMT_SG_RULES,
                "[{\"id\": \"r1\", \"direction\": \"egress\", "
                "\"protocol\": null, \"port_range_min\": 0, "
                "\"revision_number\": 0, \"description\": \"\", "
                "\"tags\": [], \"ethertype\": \"IPv4\", "
                "\"security_group_id\": \"g\", \"project_id\": \"p\", "
                "\"tenant_id\": \"p\"}, "
                "{\"id\": \"r0\", \"protocol\": \"tcp\", "
                "\"port_range_min\": 22, \"stateful\": false, "
                "\"x\": {}}]",
                "direction='egress', ethertype='IPv4', id='r1'\n"
                "id='r0', port_range_min='22', protocol='tcp'");
    check_human(CLI_FMT_SG_RULES, "[]", "");
}

static void
test_machine_values(void **state)
{
    struct cli_cell cell;
    json_t *v = parse("[\"x\"]");

    (void) state;
    /* DictColumn's machine form is dict(value or {}). */
    cli_cell_init(&cell, CLI_FMT_DICT, NULL);
    assert_true(json_is_object(cell.machine));
    assert_false(cell.numeric);
    cli_cell_destroy(&cell);
    /* Others keep the raw value; only unformatted numbers align right. */
    cli_cell_init(&cell, CLI_FMT_LIST, v);
    assert_true(json_equal(cell.machine, v));
    cli_cell_destroy(&cell);
    json_decref(v);
    v = parse("4");
    cli_cell_init(&cell, CLI_FMT_RAW, v);
    assert_true(cell.numeric);
    cli_cell_destroy(&cell);
    json_decref(v);
    v = parse("true");
    cli_cell_init(&cell, CLI_FMT_RAW, v);
    assert_false(cell.numeric);
    cli_cell_destroy(&cell);
    json_decref(v);
    /* The rules' machine form is the API's list, untrimmed. */
    v = parse("[{\"id\": \"r\", \"protocol\": null}]");
    cli_cell_init(&cell, CLI_FMT_SG_RULES, v);
    assert_true(json_equal(cell.machine, v));
    cli_cell_destroy(&cell);
    json_decref(v);
    cli_cell_init(&cell, CLI_FMT_TAGS, NULL);
    assert_true(json_is_array(cell.machine));
    assert_int_equal(json_array_size(cell.machine), 0);
    cli_cell_destroy(&cell);
}

static const char *const names[] = {"ID", "IP Version", "Fixed IP Addresses"};

/* A list result with two rows. */
static void
make_list(struct cli_result *res)
{
    static const char *const rows[][3] = {
        {"\"a\"", "4",
         "[{\"ip_address\": \"10.0.0.1\"}, "
         "{\"ip_address\": \"10.0.0.22\"}]"},
        {"\"bbbbbbbbbbbb\"", "6", "[]"},
    };

    cli_result_init(res, names, 3);
    for (size_t r = 0; r < 2; r++) {
        struct cli_cell *row = cli_result_add_row(res);
        const enum cli_fmt fmts[] = {CLI_FMT_RAW, CLI_FMT_RAW,
                                     CLI_FMT_LIST_DICT};

        for (size_t c = 0; c < 3; c++) {
            json_t *v = parse(rows[r][c]);

            cli_cell_init(&row[c], fmts[c], v);
            json_decref(v);
        }
    }
}

/* Formats 'res' as a list or one object with 'opts'; returns the text. */
static char *
render(const struct cli_result *res, const struct cli_format_opts *opts,
       bool one)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    char *error = NULL;
    int r = one ? cli_format_one(&out, opts, res, &error)
                : cli_format_list(&out, opts, res, &error);

    assert_int_equal(r, 0);
    assert_null(error);
    return ds_steal(&out);
}

static void
check_render(const struct cli_result *res, const struct cli_format_opts *opts,
             bool one, const char *want)
{
    char *got = render(res, opts, one);

    assert_string_equal(got, want);
    free(got);
}

static void
test_list_table(void **state)
{
    struct cli_format_opts opts = {.output = CLI_OUTPUT_TABLE};
    struct cli_result res;

    (void) state;
    make_list(&res);
    /* Numbers (first row's type) right-aligned, header too; a cell of two
     * lines makes a row of two lines. */
    check_render(&res, &opts, false,
                 "+--------------+------------+------------------------+\n"
                 "| ID           | IP Version | Fixed IP Addresses     |\n"
                 "+--------------+------------+------------------------+\n"
                 "| a            |          4 | ip_address='10.0.0.1'  |\n"
                 "|              |            | ip_address='10.0.0.22' |\n"
                 "| bbbbbbbbbbbb |          6 |                        |\n"
                 "+--------------+------------+------------------------+\n");
    cli_result_destroy(&res);

    /* An empty list prints an empty line, or the header with
     * --print-empty. */
    cli_result_init(&res, names, 2);
    check_render(&res, &opts, false, "\n");
    opts.print_empty = true;
    check_render(&res, &opts, false,
                 "+----+------------+\n"
                 "| ID | IP Version |\n"
                 "+----+------------+\n"
                 "+----+------------+\n");
    cli_result_destroy(&res);
}

static void
test_list_json_value(void **state)
{
    struct cli_format_opts opts = {.output = CLI_OUTPUT_JSON};
    const char *const cols[] = {"Fixed IP Addresses", "ID"};
    struct cli_result res;

    (void) state;
    make_list(&res);
    check_render(&res, &opts, false,
                 "[\n  {\n    \"ID\": \"a\",\n    \"IP Version\": 4,\n"
                 "    \"Fixed IP Addresses\": [\n      {\n"
                 "        \"ip_address\": \"10.0.0.1\"\n      },\n"
                 "      {\n        \"ip_address\": \"10.0.0.22\"\n      }\n"
                 "    ]\n  },\n  {\n    \"ID\": \"bbbbbbbbbbbb\",\n"
                 "    \"IP Version\": 6,\n    \"Fixed IP Addresses\": []\n"
                 "  }\n]\n");
    /* -c keeps the result's order, not the order asked. */
    opts.columns = cols;
    opts.n_columns = 2;
    opts.noindent = true;
    check_render(&res, &opts, false,
                 "[{\"ID\": \"a\", \"Fixed IP Addresses\": [{\"ip_address\": "
                 "\"10.0.0.1\"}, {\"ip_address\": \"10.0.0.22\"}]}, "
                 "{\"ID\": \"bbbbbbbbbbbb\", \"Fixed IP Addresses\": []}]\n");
    opts.output = CLI_OUTPUT_VALUE;
    check_render(&res, &opts, false,
                 "a [{'ip_address': '10.0.0.1'}, {'ip_address': "
                 "'10.0.0.22'}]\nbbbbbbbbbbbb []\n");
    cli_result_destroy(&res);
}

static void
test_list_csv(void **state)
{
    struct cli_format_opts opts = {.output = CLI_OUTPUT_CSV};
    struct cli_result res;

    (void) state;
    make_list(&res);
    /* Python's csv.writer: numbers bare, formatted values as strings. */
    check_render(&res, &opts, false,
                 "\"ID\",\"IP Version\",\"Fixed IP Addresses\"\n"
                 "\"a\",4,\"[{'ip_address': '10.0.0.1'}, "
                 "{'ip_address': '10.0.0.22'}]\"\n"
                 "\"bbbbbbbbbbbb\",6,\"[]\"\n");
    opts.quote = CLI_QUOTE_NONE;
    check_render(&res, &opts, false,
                 "ID,IP Version,Fixed IP Addresses\n"
                 "a,4,[{'ip_address': '10.0.0.1'}\\, "
                 "{'ip_address': '10.0.0.22'}]\n"
                 "bbbbbbbbbbbb,6,[]\n");
    opts.quote = CLI_QUOTE_MINIMAL;
    check_render(&res, &opts, false,
                 "ID,IP Version,Fixed IP Addresses\n"
                 "a,4,\"[{'ip_address': '10.0.0.1'}, "
                 "{'ip_address': '10.0.0.22'}]\"\n"
                 "bbbbbbbbbbbb,6,[]\n");
    cli_result_destroy(&res);
}

static void
test_sort(void **state)
{
    static const char *const sort_names[] = {"Name", "Size", "Pairs"};
    static const char *const rows[][3] = {
        {"\"b\"", "2", "[{\"a\": 1}]"},
        {"null", "1", "[{\"a\": 2}]"},
        {"\"a\"", "2", "[{\"a\": 3}]"},
        {"\"c\"", "null", "[{\"a\": 4}]"},
    };
    const enum cli_fmt fmts[] = {CLI_FMT_RAW, CLI_FMT_RAW, CLI_FMT_LIST_DICT};
    const char *const by_size_name[] = {"Size", "Name", "nope"};
    const char *const by_pairs[] = {"Pairs"};
    struct cli_format_opts opts = {
        .output = CLI_OUTPUT_VALUE, .columns = sort_names, .n_columns = 1};
    struct ds warnings = DS_EMPTY_INITIALIZER;
    struct cli_result res;

    (void) state;
    cli_result_init(&res, sort_names, 3);
    for (size_t r = 0; r < 4; r++) {
        struct cli_cell *row = cli_result_add_row(&res);

        for (size_t c = 0; c < 3; c++) {
            json_t *v = parse(rows[r][c]);

            cli_cell_init(&row[c], fmts[c], v);
            json_decref(v);
        }
    }
    /* By Size, then Name; None last; unknown names ignored. */
    cli_format_sort(&res, by_size_name, 3, false, &warnings);
    check_render(&res, &opts, false, "None\na\nb\nc\n");
    cli_format_sort(&res, by_size_name, 2, true, &warnings);
    check_render(&res, &opts, false, "c\nb\na\nNone\n");
    assert_int_equal(warnings.len, 0);
    /* Dicts do not compare in Python: the order stays, with a warning. */
    cli_format_sort(&res, by_pairs, 1, false, &warnings);
    check_render(&res, &opts, false, "c\nb\na\nNone\n");
    assert_string_equal(ds_cstr(&warnings),
                        "Could not sort on field 'Pairs'; unsortable types\n");
    ds_destroy(&warnings);
    cli_result_destroy(&res);
}

static void
test_unknown_column(void **state)
{
    struct cli_format_opts opts = {.output = CLI_OUTPUT_TABLE};
    const char *const cols[] = {"nope", "it's"};
    struct ds out = DS_EMPTY_INITIALIZER;
    struct cli_result res;
    char *error = NULL;

    (void) state;
    make_list(&res);
    opts.columns = cols;
    opts.n_columns = 2;
    assert_int_equal(cli_format_list(&out, &opts, &res, &error), -EINVAL);
    assert_string_equal(error,
                        "No recognized column names in ['nope', \"it's\"]. "
                        "Recognized columns are ('ID', 'IP Version', "
                        "'Fixed IP Addresses').");
    assert_int_equal(out.len, 0);
    free(error);
    cli_result_destroy(&res);
}

static void
make_one(struct cli_result *res)
{
    static const char *const one_names[] = {"admin_state_up", "name",
                                            "provider:network_type", "tags"};
    const char *values[] = {"true", "\"say \\\"hi\\\"\"", "\"flat\"",
                            "[\"b\", \"a\"]"};
    const enum cli_fmt fmts[] = {CLI_FMT_ADMIN_STATE, CLI_FMT_RAW, CLI_FMT_RAW,
                                 CLI_FMT_LIST};
    struct cli_cell *row;

    cli_result_init(res, one_names, 4);
    row = cli_result_add_row(res);
    for (size_t c = 0; c < 4; c++) {
        json_t *v = parse(values[c]);

        cli_cell_init(&row[c], fmts[c], v);
        json_decref(v);
    }
}

static void
test_one(void **state)
{
    struct cli_format_opts opts = {.output = CLI_OUTPUT_TABLE};
    struct cli_result res;

    (void) state;
    make_one(&res);
    check_render(&res, &opts, true,
                 "+-----------------------+----------+\n"
                 "| Field                 | Value    |\n"
                 "+-----------------------+----------+\n"
                 "| admin_state_up        | UP       |\n"
                 "| name                  | say \"hi\" |\n"
                 "| provider:network_type | flat     |\n"
                 "| tags                  | a, b     |\n"
                 "+-----------------------+----------+\n");
    opts.output = CLI_OUTPUT_SHELL;
    opts.prefix = "os_";
    check_render(&res, &opts, true,
                 "os_admin_state_up=\"True\"\n"
                 "os_name=\"say \\\"hi\\\"\"\n"
                 "os_provider_network_type=\"flat\"\n"
                 "os_tags=\"['b', 'a']\"\n");
    opts.output = CLI_OUTPUT_VALUE;
    check_render(&res, &opts, true, "True\nsay \"hi\"\nflat\n['b', 'a']\n");
    opts.output = CLI_OUTPUT_JSON;
    check_render(&res, &opts, true,
                 "{\n  \"admin_state_up\": true,\n"
                 "  \"name\": \"say \\\"hi\\\"\",\n"
                 "  \"provider:network_type\": \"flat\",\n"
                 "  \"tags\": [\n    \"b\",\n    \"a\"\n  ]\n}\n");
    cli_result_destroy(&res);
}

static void
test_json_escapes(void **state)
{
    static const char *const one_names[] = {"name"};
    struct cli_format_opts opts = {.output = CLI_OUTPUT_JSON,
                                   .noindent = true};
    json_t *v = json_string("r\xc3\xa9seau/\x01\xf0\x9f\x98\x80");
    struct cli_result res;

    (void) state;
    cli_result_init(&res, one_names, 1);
    cli_cell_init(cli_result_add_row(&res), CLI_FMT_RAW, v);
    /* Python's json.dumps(): ASCII only, lower-case hex, '/' as is. */
    check_render(&res, &opts, true,
                 "{\"name\": \"r\\u00e9seau/\\u0001\\ud83d\\ude00\"}\n");
    cli_result_destroy(&res);
    json_decref(v);
}

static void
test_display_width(void **state)
{
    const char *s = "\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac"; /* é日本 */

    (void) state;
    assert_int_equal(cli_display_width("abc", 3), 3);
    assert_int_equal(cli_display_width(s, strlen(s)), 5);
    assert_int_equal(cli_display_width("e\xcc\x81", 3), 1); /* e + U+0301 */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pystr),
        cmocka_unit_test(test_column_formats),
        cmocka_unit_test(test_machine_values),
        cmocka_unit_test(test_list_table),
        cmocka_unit_test(test_list_json_value),
        cmocka_unit_test(test_list_csv),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_unknown_column),
        cmocka_unit_test(test_one),
        cmocka_unit_test(test_json_escapes),
        cmocka_unit_test(test_display_width),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
