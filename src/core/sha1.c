#include "core/sha1.h"

#include <string.h>

static uint32_t
rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

/* Hashes one 64-byte block into 's'. */
static void
sha1_block(struct sha1 *s, const uint8_t *p)
{
    uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3],
                    e = s->h[4];

    for (int i = 0; i < 16; i++) {
        w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16
               | (uint32_t) p[4 * i + 2] << 8 | p[4 * i + 3];
    }
    for (int i = 16; i < 80; i++) {
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    }
    for (int i = 0; i < 80; i++) {
        uint32_t f, k, t;

        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
}

void
sha1_init(struct sha1 *s)
{
    *s = (struct sha1){
        .h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0},
    };
}

void
sha1_update(struct sha1 *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    size_t used = s->len % 64;

    s->len += n;
    while (n) {
        size_t take = 64 - used < n ? 64 - used : n;

        memcpy(s->buf + used, p, take);
        used += take;
        p += take;
        n -= take;
        if (used == 64) {
            sha1_block(s, s->buf);
            used = 0;
        }
    }
}

void
sha1_final(struct sha1 *s, uint8_t out[SHA1_LEN])
{
    uint64_t bits = s->len * 8;
    uint8_t pad[72] = {0x80};
    size_t n = 64 - (s->len + 8) % 64; /* 1..64 bytes of padding. */

    for (int i = 0; i < 8; i++) {
        pad[n + i] = bits >> (56 - 8 * i);
    }
    sha1_update(s, pad, n + 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = s->h[i] >> 24;
        out[4 * i + 1] = s->h[i] >> 16;
        out[4 * i + 2] = s->h[i] >> 8;
        out[4 * i + 3] = s->h[i];
    }
}

void
sha1_bytes(const void *data, size_t n, uint8_t out[SHA1_LEN])
{
    struct sha1 s;

    sha1_init(&s);
    sha1_update(&s, data, n);
    sha1_final(&s, out);
}
