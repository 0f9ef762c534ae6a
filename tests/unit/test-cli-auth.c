/* The CLI's Keystone side: the token request body as keystoneauth builds
 * it, the network endpoint found in a catalog, which settings mean
 * Keystone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-auth.h"
#include "core/yaml-doc.h"

static void
assert_json(json_t *j, const char *want)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

    assert_string_equal(text, want);
    free(text);
    json_decref(j);
}

static void
test_token_request(void **state)
{
    struct cli_auth a = {.username = "member1",
                         .password = "secret",
                         .project_name = "demo1",
                         .user_domain_name = "Default",
                         .project_domain_name = "Default"};

    (void) state;
    assert_json(cli_auth_token_request(&a),
                "{\"auth\":{\"identity\":{\"methods\":[\"password\"],"
                "\"password\":{\"user\":{\"domain\":{\"name\":\"Default\"},"
                "\"name\":\"member1\",\"password\":\"secret\"}}},"
                "\"scope\":{\"project\":{\"domain\":{\"name\":\"Default\"},"
                "\"name\":\"demo1\"}}}}");
    /* No domains: the default domain's id; a project id scopes alone. */
    a.user_domain_name = a.project_domain_name = NULL;
    a.project_id = "p1";
    assert_json(cli_auth_token_request(&a),
                "{\"auth\":{\"identity\":{\"methods\":[\"password\"],"
                "\"password\":{\"user\":{\"domain\":{\"id\":\"default\"},"
                "\"name\":\"member1\",\"password\":\"secret\"}}},"
                "\"scope\":{\"project\":{\"id\":\"p1\"}}}}");
    /* Unscoped. */
    a.project_id = a.project_name = NULL;
    assert_json(cli_auth_token_request(&a),
                "{\"auth\":{\"identity\":{\"methods\":[\"password\"],"
                "\"password\":{\"user\":{\"domain\":{\"id\":\"default\"},"
                "\"name\":\"member1\",\"password\":\"secret\"}}}}}");
}

static void
test_find_endpoint(void **state)
{
    json_t *token = json_loads(
        "{\"token\": {\"catalog\": ["
        " {\"type\": \"identity\", \"endpoints\": [{\"interface\": "
        "  \"public\", \"region\": \"RegionOne\", \"url\": \"http://ks\"}]},"
        " {\"type\": \"network\", \"endpoints\": ["
        "  {\"interface\": \"internal\", \"region\": \"RegionOne\","
        "   \"url\": \"http://int:9696\"},"
        "  {\"interface\": \"public\", \"region\": \"RegionTwo\","
        "   \"url\": \"http://two:9696\"},"
        "  {\"interface\": \"public\", \"region\": \"RegionOne\","
        "   \"url\": \"http://one:9696\"}]}]}}",
        0, NULL);
    char *url;

    (void) state;
    url = cli_auth_find_endpoint(token, NULL, NULL);
    assert_string_equal(url, "http://two:9696");
    free(url);
    url = cli_auth_find_endpoint(token, "public", "RegionOne");
    assert_string_equal(url, "http://one:9696");
    free(url);
    url = cli_auth_find_endpoint(token, "internal", NULL);
    assert_string_equal(url, "http://int:9696");
    free(url);
    assert_null(cli_auth_find_endpoint(token, "admin", NULL));
    assert_null(cli_auth_find_endpoint(token, "public", "RegionThree"));
    json_decref(token);
}

static void
test_uses_keystone(void **state)
{
    struct cli_auth a = {.endpoint = "http://x"};
    struct cli_api *api = NULL;
    char *error = NULL;

    (void) state;
    assert_false(cli_auth_uses_keystone(&a));
    a.auth_url = "http://ks/v3";
    assert_true(cli_auth_uses_keystone(&a));
    a.auth_type = "password";
    assert_true(cli_auth_uses_keystone(&a));
    a.auth_type = "none";
    assert_false(cli_auth_uses_keystone(&a));
    assert_int_equal(cli_auth_connect(&a, &api, &error), 0);
    cli_api_destroy(api);
    a.endpoint = NULL;
    assert_int_equal(cli_auth_connect(&a, &api, &error), -EINVAL);
    assert_string_equal(error, "Missing endpoint: set --os-endpoint or "
                               "OS_ENDPOINT");
    free(error);
}

static void
test_clouds_yaml(void **state)
{
    static const char text[] =
        "# openstacksdk's file\n"
        "clouds:\n"
        "  lab:\n"
        "    auth:\n"
        "      auth_url: http://ks:5000/v3\n"
        "      username: member1\n"
        "      password: 'se:cret'\n"
        "      project_name: demo1\n"
        "      user_domain_name: Default\n"
        "      project_domain_name: Default\n"
        "    region_name: RegionOne\n"
        "    interface: internal\n"
        "    identity_api_version: 3\n"
        "  local:\n"
        "    auth_type: none\n"
        "    auth: {endpoint: \"http://127.0.0.1:9696\"}\n"
        "    regions: [a, b]\n";
    json_t *clouds = yamldoc_parse(text, strlen(text), NULL);
    struct cli_auth a = {.username = "from-option"};
    char *dump;

    (void) state;
    assert_non_null(clouds);
    dump =
        json_dumps(json_object_get(json_object_get(clouds, "clouds"), "local"),
                   JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(dump, "{\"auth\":{\"endpoint\":\"http://127.0.0.1:9696"
                              "\"},\"auth_type\":\"none\",\"regions\":[\"a\","
                              "\"b\"]}");
    free(dump);
    /* Options win over the cloud; the rest comes from it. */
    assert_int_equal(cli_auth_from_cloud(&a, clouds, "lab"), 0);
    assert_string_equal(a.username, "from-option");
    assert_string_equal(a.password, "se:cret");
    assert_string_equal(a.auth_url, "http://ks:5000/v3");
    assert_string_equal(a.project_domain_name, "Default");
    assert_string_equal(a.interface, "internal");
    assert_true(cli_auth_uses_keystone(&a));
    memset(&a, 0, sizeof a);
    assert_int_equal(cli_auth_from_cloud(&a, clouds, "local"), 0);
    assert_false(cli_auth_uses_keystone(&a));
    assert_string_equal(a.endpoint, "http://127.0.0.1:9696");
    assert_int_equal(cli_auth_from_cloud(&a, clouds, "nope"), -ENOENT);
    json_decref(clouds);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_request),
        cmocka_unit_test(test_find_endpoint),
        cmocka_unit_test(test_uses_keystone),
        cmocka_unit_test(test_clouds_yaml),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
