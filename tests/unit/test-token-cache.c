/* Unit tests for api/token-cache.h and api/token.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/token-cache.h"
#include "core/config.h"
#include "core/siphash.h"

#define SEC 1000000LL

static struct token_info *
info_new(const char *user, int64_t expires_at)
{
    struct token_info *info = xcalloc(1, sizeof *info);

    info->user_id = xstrdup(user);
    info->user_domain_id = xstrdup("default");
    info->project_id = xstrdup("p");
    info->project_domain_id = xstrdup("default");
    info->domain_id = xstrdup("");
    info->system_scope = xstrdup("");
    info->roles = strv_split_commas("member,reader");
    info->expires_at = expires_at;
    return info;
}

static enum token_lookup
lookup(struct token_cache *c, const char *token, int64_t now,
       const char **ret_user)
{
    const struct token_info *info = NULL;
    enum token_lookup r = token_cache_lookup(c, token, now, &info);

    *ret_user = info ? info->user_id : NULL;
    return r;
}

static void
test_valid_until_expiry(void **state)
{
    struct token_cache *c = token_cache_new(10, 300 * SEC, 10 * SEC);
    const char *user;

    assert_int_equal(lookup(c, "t1", 0, &user), TOKEN_MISS);
    token_cache_put_valid(c, "t1", info_new("u1", 100 * SEC), 0);
    assert_int_equal(lookup(c, "t1", 99 * SEC, &user), TOKEN_VALID);
    assert_string_equal(user, "u1");
    assert_int_equal(lookup(c, "t2", 1, &user), TOKEN_MISS);
    /* At its expires_at the token is gone, well before token_cache_time. */
    assert_int_equal(lookup(c, "t1", 100 * SEC, &user), TOKEN_MISS);
    assert_int_equal(token_cache_count(c), 0);
    token_cache_free(c);
}

static void
test_valid_at_most_cache_time(void **state)
{
    struct token_cache *c = token_cache_new(10, 300 * SEC, 10 * SEC);
    const char *user;

    /* A token valid for an hour is trusted for token_cache_time only: that
     * bounds how long a revoked token keeps working. */
    token_cache_put_valid(c, "t", info_new("u", 3600 * SEC), 5 * SEC);
    assert_int_equal(lookup(c, "t", 304 * SEC, &user), TOKEN_VALID);
    assert_int_equal(lookup(c, "t", 305 * SEC, &user), TOKEN_MISS);
    token_cache_free(c);
}

static void
test_invalid_entries(void **state)
{
    struct token_cache *c = token_cache_new(10, 300 * SEC, 10 * SEC);
    const char *user;

    token_cache_put_invalid(c, "bad", 0);
    assert_int_equal(lookup(c, "bad", 9 * SEC, &user), TOKEN_INVALID);
    assert_null(user);
    assert_int_equal(lookup(c, "bad", 10 * SEC, &user), TOKEN_MISS);
    /* A later validation replaces the negative entry. */
    token_cache_put_invalid(c, "x", 0);
    token_cache_put_valid(c, "x", info_new("ux", 100 * SEC), 1);
    assert_int_equal(lookup(c, "x", 2, &user), TOKEN_VALID);
    assert_int_equal(token_cache_count(c), 1);
    token_cache_free(c);
}

static void
test_bound_evicts_oldest(void **state)
{
    struct token_cache *c = token_cache_new(3, 300 * SEC, 300 * SEC);
    const char *user;
    char name[16];

    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "t%d", i);
        token_cache_put_valid(c, name, info_new(name, 100 * SEC), i);
    }
    token_cache_put_invalid(c, "t3", 3);
    assert_int_equal(token_cache_count(c), 3);
    assert_int_equal(lookup(c, "t0", 4, &user), TOKEN_MISS);
    assert_int_equal(lookup(c, "t1", 4, &user), TOKEN_VALID);
    assert_int_equal(lookup(c, "t3", 4, &user), TOKEN_INVALID);
    /* Re-adding moves an entry to the young end. */
    token_cache_put_valid(c, "t1", info_new("t1b", 100 * SEC), 5);
    token_cache_put_valid(c, "t4", info_new("t4", 100 * SEC), 6);
    assert_int_equal(lookup(c, "t2", 7, &user), TOKEN_MISS);
    assert_int_equal(lookup(c, "t1", 7, &user), TOKEN_VALID);
    assert_string_equal(user, "t1b");
    assert_int_equal(token_cache_count(c), 3);
    token_cache_free(c);
}

static void
test_many_tokens(void **state)
{
    struct token_cache *c = token_cache_new(1000, 300 * SEC, 10 * SEC);
    const char *user;
    char name[32];

    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "token-%d", i);
        token_cache_put_valid(c, name, info_new(name, 100 * SEC), 0);
    }
    assert_int_equal(token_cache_count(c), 1000);
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "token-%d", i);
        assert_int_equal(lookup(c, name, 1, &user),
                         i < 4000 ? TOKEN_MISS : TOKEN_VALID);
        if (i >= 4000) {
            assert_string_equal(user, name);
        }
    }
    token_cache_free(c);
}

static void
test_disabled(void **state)
{
    struct token_cache *c = token_cache_new(0, 300 * SEC, 10 * SEC);
    const char *user;

    token_cache_put_valid(c, "t", info_new("u", 100 * SEC), 0);
    token_cache_put_invalid(c, "b", 0);
    assert_int_equal(lookup(c, "t", 1, &user), TOKEN_MISS);
    assert_int_equal(lookup(c, "b", 1, &user), TOKEN_MISS);
    assert_int_equal(token_cache_count(c), 0);
    token_cache_free(c);
}

static void
test_parse_token(void **state)
{
    static const char body[] =
        "{\"token\": {\"methods\": [\"password\"], "
        "\"user\": {\"domain\": {\"id\": \"default\", \"name\": \"Default\"},"
        " \"id\": \"u1\", \"name\": \"member1\"}, "
        "\"roles\": [{\"id\": \"r1\", \"name\": \"member\"}, "
        "{\"id\": \"r2\", \"name\": \"Admin\"}], "
        "\"project\": {\"domain\": {\"id\": \"default\"}, \"id\": \"p1\", "
        "\"name\": \"demo1\"}, "
        "\"expires_at\": \"2026-11-29T03:48:38.500000Z\", "
        "\"issued_at\": \"2026-11-29T02:48:38.000000Z\"}}";
    json_t *json = json_loads(body, 0, NULL);
    struct token_info *info;

    assert_int_equal(token_info_from_json(json, &info), 0);
    assert_string_equal(info->user_id, "u1");
    assert_string_equal(info->user_domain_id, "default");
    assert_string_equal(info->project_id, "p1");
    assert_string_equal(info->project_domain_id, "default");
    assert_string_equal(info->system_scope, "");
    assert_int_equal(strv_length(info->roles), 2);
    assert_true(token_info_has_role(info, "admin"));
    assert_true(token_info_has_role(info, "member"));
    assert_false(token_info_has_role(info, "reader"));
    assert_int_equal(info->expires_at, 1795924118500000LL);
    token_info_free(info);
    json_decref(json);

    json = json_loads("{\"token\": {\"user\": {\"id\": \"a\"}, \"system\": "
                      "{\"all\": true}, \"expires_at\": "
                      "\"2026-11-29T03:48:38Z\"}}",
                      0, NULL);
    assert_int_equal(token_info_from_json(json, &info), 0);
    assert_string_equal(info->system_scope, "all");
    assert_string_equal(info->project_id, "");
    assert_null(info->roles[0]);
    token_info_free(info);
    json_decref(json);
}

static void
test_parse_rejects(void **state)
{
    static const char *const bodies[] = {
        "{}",
        "{\"token\": 1}",
        "{\"token\": {\"expires_at\": \"2026-11-29T03:48:38Z\"}}",
        "{\"token\": {\"user\": {\"id\": \"u\"}}}",
        "{\"token\": {\"user\": {\"id\": \"u\"}, \"expires_at\": \"soon\"}}",
        ("{\"token\": {\"user\": {\"id\": \"u\"}, "
         "\"expires_at\": \"2026-11-29T03:48:38Zjunk\"}}"),
    };

    for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
        json_t *json = json_loads(bodies[i], 0, NULL);
        struct token_info *info = NULL;

        assert_non_null(json);
        if (token_info_from_json(json, &info) != -EINVAL) {
            fail_msg("accepted '%s'", bodies[i]);
        }
        json_decref(json);
    }
}

static void
test_siphash_vector(void **state)
{
    uint8_t key[16], msg[64];

    for (int i = 0; i < 16; i++) {
        key[i] = i;
    }
    for (int i = 0; i < 64; i++) {
        msg[i] = i;
    }
    /* From the SipHash paper's reference test vectors. */
    assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
    assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
    assert_true(siphash24(key, msg, 63) == 0x958a324ceb064572ULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_until_expiry),
        cmocka_unit_test(test_valid_at_most_cache_time),
        cmocka_unit_test(test_invalid_entries),
        cmocka_unit_test(test_bound_evicts_oldest),
        cmocka_unit_test(test_many_tokens),
        cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_parse_token),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_siphash_vector),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
