/* Fuzz target: addresses, prefixes, keys and MACs.
 *
 * Runs ip_parse(), ipnet_parse(), ip_from_key() (versions 4 and 6) and
 * mac_parse() on the input as a NUL-terminated string and, for whatever
 * parses, checks the invariants the rest of the server relies on:
 *
 *   - formatting and parsing back gives the same value, and the canonical
 *     text is a fixed point;
 *   - ip_to_key() / ip_from_key() round trip, and keys sort like addresses;
 *   - ipnet_first() <= address <= ipnet_last(), the size matches, the
 *     network has no host bits, the EUI-64 address stays in a /64;
 *   - exactly one of ip_parse_version(4) and (6) accepts an address.
 *
 * If the input holds a newline, the two halves are also checked against
 * each other (ordering, containment, overlap), computed a second way.
 *
 * A violation abort()s with a message, so libFuzzer keeps the input. */
#include "fuzz.h"

#include <stdbool.h>

#include "core/ip.h"
#include "core/mac.h"

static unsigned long long
hi64(ip_u128 v)
{
    return (unsigned long long) (v >> 64);
}

static unsigned long long
lo64(ip_u128 v)
{
    return (unsigned long long) v;
}

#define U128_FMT     "%016llx%016llx"
#define U128_ARGS(v) hi64(v), lo64(v)

static ip_u128
width_mask(int version)
{
    return version == 4 ? (ip_u128) 0xffffffffu : ~(ip_u128) 0;
}

static void
check_addr(const char *s, const struct ip_addr *a)
{
    char buf[IP_STRLEN], buf2[IP_STRLEN], key[IP_KEYLEN];
    struct ip_addr b;
    int other;

    FUZZ_CHECK(a->version == 4 || a->version == 6, "'%s': version %d", s,
               a->version);
    FUZZ_CHECK(!(a->v & ~width_mask(a->version)),
               "'%s': bits beyond IPv%d: " U128_FMT, s, a->version,
               U128_ARGS(a->v));

    /* Exactly one version accepts the text. */
    FUZZ_CHECK(ip_parse_version(s, a->version, &b) == 0 && ip_equal(a, &b),
               "'%s': ip_parse_version(%d) disagrees with ip_parse", s,
               a->version);
    other = a->version == 4 ? 6 : 4;
    FUZZ_CHECK(ip_parse_version(s, other, &b) < 0,
               "'%s': parses as both IPv4 and IPv6", s);

    /* format -> parse round trip, canonical form is a fixed point. */
    memset(buf, 0, sizeof buf);
    ip_format(a, buf);
    FUZZ_CHECK(memchr(buf, '\0', sizeof buf), "'%s': format overflows", s);
    FUZZ_CHECK(ip_parse(buf, &b) == 0, "'%s': canonical '%s' does not parse",
               s, buf);
    FUZZ_CHECK(ip_equal(a, &b), "'%s': '%s' parses to another address", s,
               buf);
    ip_format(&b, buf2);
    FUZZ_CHECK(!strcmp(buf, buf2), "'%s': canonical '%s' formats as '%s'", s,
               buf, buf2);

    /* key round trip. */
    ip_to_key(a, key);
    FUZZ_CHECK(strlen(key) == 32 && strspn(key, "0123456789abcdef") == 32,
               "'%s': bad key '%s'", s, key);
    FUZZ_CHECK(ip_from_key(key, a->version, &b) == 0 && ip_equal(a, &b),
               "'%s': key '%s' does not round-trip", s, key);

    /* Adding wraps within the width; adding 0 is the identity. */
    b = ip_add(a, 0);
    FUZZ_CHECK(ip_equal(a, &b), "'%s': a + 0 != a", s);
    b = ip_add(a, 1);
    FUZZ_CHECK(b.v == ((a->v + 1) & width_mask(a->version)),
               "'%s': a + 1 wrong", s);

    (void) ip_is_multicast(a);
    (void) ip_is_loopback(a);
}

static void
check_net(const char *s, const struct ip_net *n)
{
    int bits = ip_bits(n->addr.version);
    struct ip_addr first, last, b;
    struct ip_net net, back;
    char buf[IPNET_STRLEN];
    const char *slash = strchr(s, '/');
    ip_u128 size, hostmask;

    FUZZ_CHECK(n->prefixlen >= 0 && n->prefixlen <= bits, "'%s': /%d", s,
               n->prefixlen);
    if (!slash) {
        FUZZ_CHECK(n->prefixlen == bits, "'%s': bare address is /%d", s,
                   n->prefixlen);
        FUZZ_CHECK(ip_parse(s, &b) == 0 && ip_equal(&b, &n->addr),
                   "'%s': bare address differs from ip_parse", s);
    }
    if (slash) {
        /* The address part alone must behave as a plain address. */
        char *addr = fuzz_strndup((const uint8_t *) s, (size_t) (slash - s));
        FUZZ_CHECK(ip_parse(addr, &b) == 0 && ip_equal(&b, &n->addr),
                   "'%s': address part differs from ip_parse", s);
        check_addr(addr, &n->addr);
        free(addr);
    } else {
        check_addr(s, &n->addr);
    }

    first = ipnet_first(n);
    last = ipnet_last(n);
    FUZZ_CHECK(first.version == n->addr.version
                   && last.version == n->addr.version,
               "'%s': first/last change version", s);
    FUZZ_CHECK(ip_cmp(&first, &n->addr) <= 0 && ip_cmp(&n->addr, &last) <= 0,
               "'%s': not first <= addr <= last", s);
    FUZZ_CHECK(ipnet_contains(n, &n->addr) && ipnet_contains(n, &first)
                   && ipnet_contains(n, &last),
               "'%s': does not contain its own addresses", s);

    hostmask = n->prefixlen >= 128 ? 0
               : n->prefixlen == 0 && bits == 128
                   ? ~(ip_u128) 0
                   : (((ip_u128) 1 << (bits - n->prefixlen)) - 1);
    FUZZ_CHECK(first.v == (n->addr.v & ~hostmask)
                   && last.v == (n->addr.v | hostmask),
               "'%s': first " U128_FMT " last " U128_FMT, s,
               U128_ARGS(first.v), U128_ARGS(last.v));

    size = ipnet_size(n);
    if (bits == 128 && n->prefixlen == 0) {
        FUZZ_CHECK(size == ~(ip_u128) 0, "'%s': ::/0 size", s);
    } else {
        FUZZ_CHECK(size == last.v - first.v + 1, "'%s': size " U128_FMT, s,
                   U128_ARGS(size));
        b = ip_add(&first, size - 1);
        FUZZ_CHECK(ip_equal(&b, &last), "'%s': first + size - 1 != last", s);
    }

    net = ipnet_network(n);
    FUZZ_CHECK(ip_equal(&net.addr, &first) && net.prefixlen == n->prefixlen,
               "'%s': ipnet_network has host bits", s);
    FUZZ_CHECK(ipnet_overlaps(n, &net) && ipnet_overlaps(&net, n),
               "'%s': does not overlap its network", s);

    if (n->addr.version == 4) {
        struct ip_addr mask = ipnet_netmask(n);
        FUZZ_CHECK(__builtin_popcountll(lo64(mask.v)) == n->prefixlen
                       && !(mask.v & ~width_mask(4)),
                   "'%s': netmask %08llx", s, lo64(mask.v));
    } else if (n->prefixlen <= 64) {
        static const uint8_t mac[6] = {0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56};
        struct ip_addr e = ip_eui64(n, mac);
        FUZZ_CHECK(ipnet_contains(n, &e), "'%s': EUI-64 address outside", s);
    }

    /* format -> parse round trip. */
    memset(buf, 0, sizeof buf);
    ipnet_format(n, buf);
    FUZZ_CHECK(memchr(buf, '\0', sizeof buf), "'%s': format overflows", s);
    FUZZ_CHECK(ipnet_parse(buf, &back) == 0, "'%s': '%s' does not parse", s,
               buf);
    FUZZ_CHECK(ip_equal(&back.addr, &n->addr)
                   && back.prefixlen == n->prefixlen,
               "'%s': '%s' parses to another prefix", s, buf);
}

static void
check_key(const char *s, int version, const struct ip_addr *a)
{
    char key[IP_KEYLEN], buf[IP_STRLEN];
    struct ip_addr b;

    FUZZ_CHECK(a->version == version, "key '%s': version %d", s, a->version);
    FUZZ_CHECK(!(a->v & ~width_mask(version)), "key '%s': too wide for v%d", s,
               version);
    ip_to_key(a, key);
    FUZZ_CHECK(!strcmp(key, s), "key '%s' comes back as '%s'", s, key);
    ip_format(a, buf);
    FUZZ_CHECK(ip_parse_version(buf, version, &b) == 0 && ip_equal(a, &b),
               "key '%s': '%s' does not round-trip", s, buf);
}

static void
check_mac(const char *s, const uint8_t mac[6])
{
    char buf[MAC_STRLEN];
    uint8_t back[6];

    memset(buf, 0x55, sizeof buf);
    mac_format(mac, buf);
    FUZZ_CHECK(strlen(buf) == 17, "'%s': formats as '%s'", s, buf);
    FUZZ_CHECK(mac_parse(buf, back) == 0 && !memcmp(mac, back, 6),
               "'%s': '%s' does not round-trip", s, buf);
    for (int i = 0; i < 17; i++) {
        char want = i % 3 == 2                   ? ':'
                    : s[i] >= 'A' && s[i] <= 'F' ? (char) (s[i] - 'A' + 'a')
                                                 : s[i];
        FUZZ_CHECK(buf[i] == want, "'%s': formats as '%s'", s, buf);
    }
    (void) mac_is_zero(mac);
    (void) mac_is_broadcast(mac);
}

/* Everything on one string; fills what parsed for the pairwise checks. */
static void
check_one(const char *s, struct ip_addr *a, bool *a_ok, struct ip_net *n,
          bool *n_ok)
{
    struct ip_addr k;
    uint8_t mac[6];

    *a_ok = ip_parse(s, a) == 0;
    if (*a_ok) {
        check_addr(s, a);
    }
    *n_ok = ipnet_parse(s, n) == 0;
    if (*n_ok) {
        check_net(s, n);
    }
    if (*a_ok) {
        FUZZ_CHECK(*n_ok, "'%s': an address but not a prefix", s);
    }
    for (int version = 4; version <= 6; version += 2) {
        if (ip_from_key(s, version, &k) == 0) {
            check_key(s, version, &k);
        }
    }
    if (mac_parse(s, mac) == 0) {
        check_mac(s, mac);
    }
}

static int
sign(int x)
{
    return (x > 0) - (x < 0);
}

/* An independent containment test: same version and equal network bits. */
static bool
contains2(const struct ip_net *n, const struct ip_addr *a)
{
    int host = ip_bits(n->addr.version) - n->prefixlen;

    if (a->version != n->addr.version) {
        return false;
    }
    return host >= 128 || !((a->v ^ n->addr.v) >> host);
}

static void
check_pair(const char *s1, const char *s2)
{
    struct ip_addr a1, a2;
    struct ip_net n1, n2;
    bool a1_ok, a2_ok, n1_ok, n2_ok;

    check_one(s1, &a1, &a1_ok, &n1, &n1_ok);
    check_one(s2, &a2, &a2_ok, &n2, &n2_ok);

    if (a1_ok && a2_ok) {
        char k1[IP_KEYLEN], k2[IP_KEYLEN];

        ip_to_key(&a1, k1);
        ip_to_key(&a2, k2);
        FUZZ_CHECK(sign(ip_cmp(&a1, &a2)) == -sign(ip_cmp(&a2, &a1)),
                   "'%s' '%s': ip_cmp not antisymmetric", s1, s2);
        if (a1.version == a2.version) {
            FUZZ_CHECK(sign(ip_cmp(&a1, &a2)) == sign(strcmp(k1, k2)),
                       "'%s' '%s': keys sort differently", s1, s2);
        }
    }
    if (n1_ok && a2_ok) {
        FUZZ_CHECK(ipnet_contains(&n1, &a2) == contains2(&n1, &a2),
                   "'%s' contains '%s': %d", s1, s2, ipnet_contains(&n1, &a2));
    }
    if (n1_ok && n2_ok) {
        struct ip_addr f1 = ipnet_first(&n1), f2 = ipnet_first(&n2);
        bool o = ipnet_overlaps(&n1, &n2);

        FUZZ_CHECK(o == ipnet_overlaps(&n2, &n1),
                   "'%s' '%s': overlap not symmetric", s1, s2);
        FUZZ_CHECK(o == (contains2(&n1, &f2) || contains2(&n2, &f1)),
                   "'%s' '%s': overlaps says %d", s1, s2, o);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size);
    char *nl = strchr(s, '\n');
    struct ip_addr a;
    struct ip_net n;
    bool a_ok, n_ok;

    check_one(s, &a, &a_ok, &n, &n_ok);
    if (nl) {
        char *s1 = fuzz_strndup((const uint8_t *) s, (size_t) (nl - s));
        char *s2 = fuzz_strndup((const uint8_t *) nl + 1, strlen(nl + 1));

        check_pair(s1, s2);
        free(s1);
        free(s2);
    }
    free(s);
    return 0;
}
