/* IPv4 and IPv6 addresses and prefixes: parsing, canonical formatting and
 * the arithmetic IPAM needs.
 *
 * An address is a value type: its version and its bits as one unsigned
 * 128-bit integer (IPv4 uses the low 32 bits), so ranges, sizes and steps
 * are plain integer operations.  Nothing here allocates. */
#ifndef CORE_IP_H
#define CORE_IP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 ip_u128;

struct ip_addr {
    int version; /* 4 or 6. */
    ip_u128 v;   /* Host-order bits. */
};

struct ip_net {
    struct ip_addr addr; /* As given; see ipnet_parse(). */
    int prefixlen;       /* 0..32 or 0..128. */
};

/* Longest canonical text form, with NUL. */
#define IP_STRLEN    46
#define IPNET_STRLEN (IP_STRLEN + 4)
/* Sortable fixed-width key: 32 lower-case hex digits and NUL. */
#define IP_KEYLEN 33

/* Parses a textual IPv4 (dotted quad, no leading zeros beyond what
 * inet_pton accepts) or IPv6 address.  Returns 0, or -EINVAL and leaves
 * 'ret' untouched. */
int ip_parse(const char *s, struct ip_addr *ret);

/* Parses like ip_parse() but accepts only 'version' (4 or 6). */
int ip_parse_version(const char *s, int version, struct ip_addr *ret);

/* The address of 'version' in network byte order 'bytes' (4 or 16 of
 * them), and back: ip_to_bytes() returns how many it wrote. */
void ip_from_bytes(int version, const uint8_t *bytes, struct ip_addr *ret);
size_t ip_to_bytes(const struct ip_addr *, uint8_t bytes[16]);

/* Writes the canonical form (lower-case, compressed IPv6) into 'buf'. */
void ip_format(const struct ip_addr *, char buf[IP_STRLEN]);

/* Orders addresses by version, then value. */
int ip_cmp(const struct ip_addr *, const struct ip_addr *);
bool ip_equal(const struct ip_addr *, const struct ip_addr *);

/* Number of bits in an address of 'version'. */
static inline int
ip_bits(int version)
{
    return version == 4 ? 32 : 128;
}

/* Returns 'a' + 'n' (wraps within the version's width). */
struct ip_addr ip_add(const struct ip_addr *a, ip_u128 n);

/* The sortable key of 'a' and back.  ip_from_key() returns -EINVAL for a
 * malformed key. */
void ip_to_key(const struct ip_addr *a, char buf[IP_KEYLEN]);
int ip_from_key(const char *key, int version, struct ip_addr *ret);

/* Parses "ADDR/LEN" or a bare "ADDR" (a host prefix).  The address keeps any
 * host bits; ipnet_network() clears them.  Returns 0 or -EINVAL. */
int ipnet_parse(const char *s, struct ip_net *ret);

/* Writes "ADDR/LEN" in canonical form. */
void ipnet_format(const struct ip_net *, char buf[IPNET_STRLEN]);

/* The prefix's first (network) and last (broadcast) address. */
struct ip_addr ipnet_first(const struct ip_net *);
struct ip_addr ipnet_last(const struct ip_net *);

/* Returns 'n' with its host bits cleared. */
struct ip_net ipnet_network(const struct ip_net *n);

bool ipnet_contains(const struct ip_net *, const struct ip_addr *);
bool ipnet_overlaps(const struct ip_net *, const struct ip_net *);

/* Number of addresses in the prefix (2^128 saturates to the maximum). */
ip_u128 ipnet_size(const struct ip_net *);

/* The netmask of an IPv4 prefix, e.g. 255.240.0.0. */
struct ip_addr ipnet_netmask(const struct ip_net *);

/* True for multicast, loopback, or (IPv4) 0.0.0.0/8 addresses. */
bool ip_is_multicast(const struct ip_addr *);
bool ip_is_loopback(const struct ip_addr *);

/* Writes 'v' in decimal (up to 39 digits and NUL). */
#define IP_U128_STRLEN 40
void ip_u128_format(ip_u128 v, char buf[IP_U128_STRLEN]);

/* The modified EUI-64 address of 'mac' (6 bytes) in the /64 'prefix'. */
struct ip_addr ip_eui64(const struct ip_net *prefix, const uint8_t mac[6]);

#endif /* core/ip.h */
