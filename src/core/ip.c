#include "core/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ip_u128
version_mask(int version)
{
    return version == 4 ? (ip_u128) 0xffffffffu : ~(ip_u128) 0;
}

static ip_u128
host_mask(int version, int prefixlen)
{
    int host_bits = ip_bits(version) - prefixlen;

    if (host_bits >= 128) {
        return ~(ip_u128) 0;
    }
    return ((ip_u128) 1 << host_bits) - 1;
}

int
ip_parse(const char *s, struct ip_addr *ret)
{
    return strchr(s, ':') ? ip_parse_version(s, 6, ret)
                          : ip_parse_version(s, 4, ret);
}

void
ip_from_bytes(int version, const uint8_t *bytes, struct ip_addr *ret)
{
    int n = version == 4 ? 4 : 16;
    ip_u128 v = 0;

    for (int i = 0; i < n; i++) {
        v = (v << 8) | bytes[i];
    }
    ret->version = version;
    ret->v = v;
}

size_t
ip_to_bytes(const struct ip_addr *a, uint8_t bytes[16])
{
    int n = a->version == 4 ? 4 : 16;
    ip_u128 v = a->v;

    for (int i = n - 1; i >= 0; i--) {
        bytes[i] = v & 0xff;
        v >>= 8;
    }
    return n;
}

int
ip_parse_version(const char *s, int version, struct ip_addr *ret)
{
    uint8_t buf[16];

    if ((version != 4 && version != 6)
        || inet_pton(version == 4 ? AF_INET : AF_INET6, s, buf) != 1) {
        return -EINVAL;
    }
    ip_from_bytes(version, buf, ret);
    return 0;
}

void
ip_format(const struct ip_addr *a, char buf[IP_STRLEN])
{
    uint8_t bytes[16];

    ip_to_bytes(a, bytes);
    inet_ntop(a->version == 4 ? AF_INET : AF_INET6, bytes, buf, IP_STRLEN);
}

int
ip_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
    if (a->version != b->version) {
        return a->version < b->version ? -1 : 1;
    }
    return a->v < b->v ? -1 : a->v > b->v;
}

bool
ip_equal(const struct ip_addr *a, const struct ip_addr *b)
{
    return !ip_cmp(a, b);
}

struct ip_addr
ip_add(const struct ip_addr *a, ip_u128 n)
{
    struct ip_addr r = *a;

    r.v = (r.v + n) & version_mask(a->version);
    return r;
}

void
ip_to_key(const struct ip_addr *a, char buf[IP_KEYLEN])
{
    static const char hex[] = "0123456789abcdef";
    ip_u128 v = a->v;

    for (int i = 31; i >= 0; i--) {
        buf[i] = hex[v & 0xf];
        v >>= 4;
    }
    buf[32] = '\0';
}

/* Parses 16 lower-case hex digits; stops (-EINVAL) at anything else,
 * a NUL included, so it never reads past the end of a short key. */
static int
hex64(const char *s, uint64_t *ret)
{
    uint64_t v = 0;

    for (int i = 0; i < 16; i++) {
        unsigned int c = (unsigned char) s[i];
        unsigned int d = c - '0';

        if (d > 9) {
            d = c - 'a';
            if (d > 5) {
                return -EINVAL;
            }
            d += 10;
        }
        v = (v << 4) | d;
    }
    *ret = v;
    return 0;
}

int
ip_from_key(const char *key, int version, struct ip_addr *ret)
{
    /* Two 64-bit halves: cheaper than shifting a 128-bit value per digit
     * (free ranges are read by the dozen per allocation). */
    uint64_t hi, lo;
    ip_u128 v;

    if (hex64(key, &hi) || hex64(key + 16, &lo) || key[32]) {
        return -EINVAL;
    }
    v = ((ip_u128) hi << 64) | lo;
    if (v & ~version_mask(version)) {
        return -EINVAL;
    }
    ret->version = version;
    ret->v = v;
    return 0;
}

static int
parse_prefixlen(const char *s, int max)
{
    int len = 0;

    if (!*s || strlen(s) > 3) {
        return -EINVAL;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return -EINVAL;
        }
        len = len * 10 + (*s - '0');
    }
    return len > max ? -EINVAL : len;
}

int
ipnet_parse(const char *s, struct ip_net *ret)
{
    char buf[IPNET_STRLEN];
    const char *slash = strchr(s, '/');
    struct ip_addr addr;
    int len;

    if (strlen(s) >= sizeof buf) {
        return -EINVAL;
    }
    strcpy(buf, s);
    if (slash) {
        buf[slash - s] = '\0';
    }
    if (ip_parse(buf, &addr) < 0) {
        return -EINVAL;
    }
    len = slash ? parse_prefixlen(slash + 1, ip_bits(addr.version))
                : ip_bits(addr.version);
    if (len < 0) {
        return -EINVAL;
    }
    ret->addr = addr;
    ret->prefixlen = len;
    return 0;
}

void
ipnet_format(const struct ip_net *n, char buf[IPNET_STRLEN])
{
    char addr[IP_STRLEN];

    ip_format(&n->addr, addr);
    snprintf(buf, IPNET_STRLEN, "%s/%d", addr, n->prefixlen);
}

struct ip_addr
ipnet_first(const struct ip_net *n)
{
    struct ip_addr a = n->addr;

    a.v &= ~host_mask(a.version, n->prefixlen);
    return a;
}

struct ip_addr
ipnet_last(const struct ip_net *n)
{
    struct ip_addr a = n->addr;

    a.v |= host_mask(a.version, n->prefixlen);
    a.v &= version_mask(a.version);
    return a;
}

struct ip_net
ipnet_network(const struct ip_net *n)
{
    struct ip_net r = *n;

    r.addr = ipnet_first(n);
    return r;
}

bool
ipnet_contains(const struct ip_net *n, const struct ip_addr *a)
{
    struct ip_addr first = ipnet_first(n);
    struct ip_addr last = ipnet_last(n);

    return a->version == n->addr.version && ip_cmp(a, &first) >= 0
           && ip_cmp(a, &last) <= 0;
}

bool
ipnet_overlaps(const struct ip_net *a, const struct ip_net *b)
{
    struct ip_addr a0 = ipnet_first(a), a1 = ipnet_last(a);
    struct ip_addr b0 = ipnet_first(b), b1 = ipnet_last(b);

    return a0.version == b0.version && ip_cmp(&a0, &b1) <= 0
           && ip_cmp(&b0, &a1) <= 0;
}

ip_u128
ipnet_size(const struct ip_net *n)
{
    ip_u128 m = host_mask(n->addr.version, n->prefixlen);

    return m == ~(ip_u128) 0 ? m : m + 1;
}

struct ip_addr
ipnet_netmask(const struct ip_net *n)
{
    struct ip_addr a = {.version = n->addr.version};

    a.v = ~host_mask(a.version, n->prefixlen) & version_mask(a.version);
    return a;
}

bool
ip_is_multicast(const struct ip_addr *a)
{
    if (a->version == 4) {
        return (a->v >> 28) == 0xe;
    }
    return (a->v >> 120) == 0xff;
}

bool
ip_is_loopback(const struct ip_addr *a)
{
    if (a->version == 4) {
        return (a->v >> 24) == 127;
    }
    return a->v == 1;
}

struct ip_addr
ip_eui64(const struct ip_net *prefix, const uint8_t mac[6])
{
    struct ip_addr a = ipnet_first(prefix);
    uint64_t iid = 0;
    uint8_t b[8] = {mac[0] ^ 0x02, mac[1], mac[2], 0xff,
                    0xfe,          mac[3], mac[4], mac[5]};

    for (int i = 0; i < 8; i++) {
        iid = (iid << 8) | b[i];
    }
    a.v |= iid;
    return a;
}

void
ip_u128_format(ip_u128 v, char buf[IP_U128_STRLEN])
{
    char tmp[IP_U128_STRLEN];
    int n = 0;

    do {
        tmp[n++] = '0' + (int) (v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++) {
        buf[i] = tmp[n - 1 - i];
    }
    buf[n] = '\0';
}
