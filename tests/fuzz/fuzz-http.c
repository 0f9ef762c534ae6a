/* Fuzz target: the agent's HTTP answer parser (agent/http-parse.h), which
 * reads whatever the server (or Nova, or anything at that address) sends.
 *
 * The first input byte picks a piece size (1..16) and the cap on the body;
 * the rest is the answer.  It is parsed twice, whole and in pieces, then
 * the end of the connection is signalled: both runs must agree on the
 * outcome, the status, the kept headers and the body (splitting must never
 * change what is parsed), used byte counts must stay within what was fed,
 * a done answer must have a final status (200..999), and the body must
 * respect its cap. */
#include "fuzz.h"

#include <errno.h>

#include "agent/http-parse.h"

struct outcome {
    int err; /* First error, or 0. */
    size_t used;
    bool done;
};

static struct outcome
parse(struct hparse *p, const char *data, size_t size, size_t step)
{
    struct outcome o = {0, 0, false};

    while (o.used < size && !hparse_done(p)) {
        size_t n = size - o.used < step ? size - o.used : step;
        int r = hparse_feed(p, data + o.used, n);

        if (r < 0) {
            o.err = r;
            return o;
        }
        if ((size_t) r > n || (r < (int) n && !hparse_done(p))) {
            abort(); /* Stopped early without an answer, or overran. */
        }
        o.used += r;
    }
    if (!hparse_done(p)) {
        int r = hparse_eof(p);
        o.err = r;
    }
    o.done = hparse_done(p);
    return o;
}

static bool
same_str(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hparse whole, pieces;
    struct outcome a, b;
    size_t step, max_body;

    if (!size) {
        return 0;
    }
    step = (data[0] & 15) + 1;
    max_body = data[0] & 16 ? 64 : 1 << 20;
    data++;
    size--;

    hparse_init(&whole, "X-Subject-Token", max_body);
    hparse_init(&pieces, "X-Subject-Token", max_body);
    a = parse(&whole, (const char *) data, size, size ? size : 1);
    b = parse(&pieces, (const char *) data, size, step);
    if (a.err != b.err || a.done != b.done || (!a.err && a.used != b.used)) {
        abort();
    }
    if (a.done && !a.err) {
        if (whole.status < 200 || whole.status > 999
            || whole.status != pieces.status
            || whole.body.len != pieces.body.len || whole.body.len > max_body
            || (whole.body.len
                && memcmp(whole.body.s, pieces.body.s, whole.body.len))
            || !same_str(whole.want_value, pieces.want_value)
            || !same_str(whole.content_type, pieces.content_type)
            || hparse_keep_alive(&whole) != hparse_keep_alive(&pieces)) {
            abort();
        }
    }
    if (a.err && a.err != -EPROTO && a.err != -EFBIG) {
        abort();
    }
    hparse_destroy(&whole);
    hparse_destroy(&pieces);
    return 0;
}
