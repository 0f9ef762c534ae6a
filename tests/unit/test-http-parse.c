/* agent/http-parse: answers split at every byte, chunked bodies, keep-alive
 * rules and malformed or oversized answers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/http-parse.h"

#define BIG (1u << 20)

/* Parses 'text' fed in pieces of 'step' bytes; returns the first error, or
 * the bytes used. */
static int
feed_steps(struct hparse *p, const char *text, size_t len, size_t step)
{
    size_t used = 0;

    while (used < len && !hparse_done(p)) {
        int r = hparse_feed(p, text + used, MIN(step, len - used));
        if (r < 0) {
            return r;
        }
        used += r;
    }
    return used;
}

/* 'text' parses to 'status' and 'body' whatever the piece sizes, leaving
 * 'rest' unparsed bytes; 'keep' says whether the connection is kept. */
static void
check_answer(const char *text, int status, const char *body, size_t rest,
             bool keep)
{
    size_t len = strlen(text);

    for (size_t step = 1; step <= len; step++) {
        struct hparse p;

        hparse_init(&p, "X-Subject-Token", BIG);
        assert_int_equal(feed_steps(&p, text, len, step), len - rest);
        assert_true(hparse_done(&p));
        assert_int_equal(p.status, status);
        assert_int_equal(p.body.len, strlen(body));
        assert_memory_equal(p.body.len ? p.body.s : "", body, strlen(body));
        assert_int_equal(hparse_keep_alive(&p), keep);
        hparse_destroy(&p);
    }
}

static void
test_content_length(void **state)
{
    check_answer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Content-Length: 7\r\n\r\n{\"a\":1}",
                 200, "{\"a\":1}", 0, true);
    /* Bytes after the answer belong to the next one. */
    check_answer("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nokHTTP",
                 201, "ok", 4, true);
    check_answer("HTTP/1.1 204 No Content\r\n\r\n", 204, "", 0, true);
    check_answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "", 0,
                 true);
    /* Bare LFs are tolerated, as most clients do. */
    check_answer("HTTP/1.1 200 OK\nContent-Length: 1\n\nx", 200, "x", 0, true);
}

static void
test_chunked(void **state)
{
    check_answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks."
                 "\r\n0\r\nTrailer: x\r\n\r\n",
                 200, "Wikipedia in\r\n\r\nchunks.", 0, true);
    check_answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "0\r\n\r\nnext",
                 200, "", 4, true);
}

static void
test_keep_alive_rules(void **state)
{
    check_answer("HTTP/1.1 200 OK\r\nConnection: close\r\n"
                 "Content-Length: 1\r\n\r\nx",
                 200, "x", 0, false);
    check_answer("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, "x", 0,
                 false);
    check_answer("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
                 "Content-Length: 1\r\n\r\nx",
                 200, "x", 0, true);
}

static void
test_body_until_eof(void **state)
{
    const char *text = "HTTP/1.1 200 OK\r\n\r\nall of it";
    struct hparse p;

    hparse_init(&p, NULL, BIG);
    assert_int_equal(hparse_feed(&p, text, strlen(text)), strlen(text));
    assert_false(hparse_done(&p));
    assert_int_equal(hparse_eof(&p), 0);
    assert_true(hparse_done(&p));
    assert_false(hparse_keep_alive(&p));
    assert_string_equal(ds_cstr(&p.body), "all of it");
    hparse_destroy(&p);

    /* A Content-Length body cut short is an error. */
    text = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort";
    hparse_init(&p, NULL, BIG);
    assert_int_equal(hparse_feed(&p, text, strlen(text)), strlen(text));
    assert_int_equal(hparse_eof(&p), -EPROTO);
    hparse_destroy(&p);
}

static void
test_headers_kept(void **state)
{
    const char *text =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 201 Created\r\nx-subject-token:  gAAAA-tok \r\n"
        "Content-Type: application/json\r\nContent-Length: 2"
        "\r\n\r\n{}";
    struct hparse p;

    hparse_init(&p, "X-Subject-Token", BIG);
    assert_int_equal(hparse_feed(&p, text, strlen(text)), strlen(text));
    assert_true(hparse_done(&p));
    assert_int_equal(p.status, 201);
    assert_string_equal(p.want_value, "gAAAA-tok");
    assert_string_equal(p.content_type, "application/json");
    hparse_destroy(&p);
}

/* Each of these is refused with 'err', however it is split. */
static void
check_refused(const char *text, size_t max_body, int err)
{
    size_t len = strlen(text);

    for (size_t step = 1; step <= len; step++) {
        struct hparse p;

        hparse_init(&p, NULL, max_body);
        assert_int_equal(feed_steps(&p, text, len, step), err);
        hparse_destroy(&p);
    }
}

static void
test_malformed(void **state)
{
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 099 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",
        "SSH-2.0-OpenSSH_9.2\r\n",
        "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: no name\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        check_refused(bad[i], BIG, -EPROTO);
    }
    {
        static const char nul[] = "HTTP/1.1 200 OK\r\nA: \0\r\n\r\n";
        struct hparse p;

        hparse_init(&p, NULL, BIG);
        assert_int_equal(hparse_feed(&p, nul, sizeof nul - 1), -EPROTO);
        hparse_destroy(&p);
    }
}

static void
test_limits(void **state)
{
    char *line = xmalloc(HPARSE_MAX_LINE + 64);
    struct hparse p;

    check_refused("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", 10, -EFBIG);
    check_refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "8\r\n12345678\r\n4\r\n",
                  10, -EFBIG);
    check_refused("HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n"
                  "\r\n",
                  BIG, -EPROTO);
    /* A header line longer than the cap. */
    memset(line, 'a', HPARSE_MAX_LINE + 63);
    memcpy(line, "HTTP/1.1 200 OK\r\nX: ", 20);
    line[HPARSE_MAX_LINE + 63] = '\0';
    hparse_init(&p, NULL, BIG);
    assert_int_equal(hparse_feed(&p, line, strlen(line)), -EFBIG);
    hparse_destroy(&p);
    /* Too many header lines. */
    hparse_init(&p, NULL, BIG);
    assert_int_equal(hparse_feed(&p, "HTTP/1.1 200 OK\r\n", 17), 17);
    for (int i = 0; i < HPARSE_MAX_HEADERS; i++) {
        assert_int_equal(hparse_feed(&p, "A: b\r\n", 6), 6);
    }
    assert_int_equal(hparse_feed(&p, "A: b\r\n", 6), -EFBIG);
    hparse_destroy(&p);
    /* A body until EOF over the cap. */
    hparse_init(&p, NULL, 3);
    assert_int_equal(hparse_feed(&p, "HTTP/1.1 200 OK\r\n\r\nabcd", 23),
                     -EFBIG);
    hparse_destroy(&p);
    free(line);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_keep_alive_rules),
        cmocka_unit_test(test_body_until_eof),
        cmocka_unit_test(test_headers_kept),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
