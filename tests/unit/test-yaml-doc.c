/* core/yaml-doc: policy.yaml and policy.json as oslo.policy reads them,
 * clouds.yaml's shapes, and bad input refused with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "core/yaml-doc.h"

/* 'text' parsed and dumped compactly with sorted keys. */
static char *
parse_dump(const char *text)
{
    char *error = NULL;
    json_t *doc = yamldoc_parse(text, strlen(text), &error);
    char *dump;

    if (!doc) {
        fail_msg("%s: %s", text, error);
    }
    assert_null(error);
    dump = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(doc);
    return dump;
}

static void
expect(const char *text, const char *want)
{
    char *got = parse_dump(text);
    assert_string_equal(got, want);
    free(got);
}

/* 'text' refused, with "line N" in the reason. */
static void
refused(const char *text, const char *line)
{
    char *error = NULL;

    assert_null(yamldoc_parse(text, strlen(text), &error));
    assert_non_null(error);
    if (!strstr(error, line)) {
        fail_msg("'%s' refused with '%s', expected '%s'", text, error, line);
    }
    free(error);
}

static void
test_policy_files(void **state)
{
    (void) state;
    /* As oslo-policy-sample-generator writes it, comments and all. */
    expect("# Default rule\n"
           "#\"default\": \"rule:admin_or_owner\"\n"
           "\"create_network\": \"rule:admin_only or "
           "project_id:%(project_id)s\"\n"
           "add_addresses: rule:admin_only\n"
           "get_network: ''\n",
           "{\"add_addresses\":\"rule:admin_only\",\"create_network\":"
           "\"rule:admin_only or project_id:%(project_id)s\",\"get_network\":"
           "\"\"}");
    /* policy.json is YAML too. */
    expect("{\n  \"a\": \"role:x\",\n  \"b\": \"!\"\n}\n",
           "{\"a\":\"role:x\",\"b\":\"!\"}");
    /* The last of a repeated key wins, as with PyYAML. */
    expect("a: x\na: y\n", "{\"a\":\"y\"}");
}

static void
test_shapes(void **state)
{
    (void) state;
    expect("clouds:\n  lab:\n    regions: [a, b]\n    port: 5000\n"
           "    tls: true\n    none: ~\n",
           "{\"clouds\":{\"lab\":{\"none\":\"~\",\"port\":\"5000\","
           "\"regions\":[\"a\",\"b\"],\"tls\":\"true\"}}}");
    expect("- 1\n- [x, {k: v}]\n", "[\"1\",[\"x\",{\"k\":\"v\"}]]");
    expect("--- plain\n", "\"plain\"");
}

static void
test_refused(void **state)
{
    char deep[300];

    (void) state;
    refused("a: [", "line 2");
    refused("a: b\n c: d\n", "line 2");
    refused("a: &x 1\nb: *x\n", "line 2: aliases");
    refused("? [k]\n: v\n", "not a string");
    refused("", "no document");
    refused("a: \xff\n", "invalid");
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    refused(deep, "nested too deeply");
}

static void
test_load_file(void **state)
{
    char path[] = "/tmp/test-yaml-doc-XXXXXX";
    int fd = mkstemp(path);
    char *error = NULL;
    json_t *doc;

    (void) state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x: y\n", 5), 5);
    close(fd);
    doc = yamldoc_load_file(path, 100, &error);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "x")), "y");
    json_decref(doc);
    assert_null(yamldoc_load_file(path, 3, &error));
    assert_non_null(strstr(error, "too big"));
    free(error);
    unlink(path);
    assert_null(yamldoc_load_file(path, 100, &error));
    assert_non_null(strstr(error, "No such file"));
    free(error);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_files),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
