/* SHA-1 (FIPS 180-4), for names derived from other names the way Neutron
 * derives them: version-5 UUIDs (RFC 4122) and shortened bridge names.  Not
 * for security.  Ours rather than OpenSSL's: the first EVP digest makes
 * OpenSSL 3 load its configuration and providers, ~2 MB of the agent's
 * RSS for twenty bytes of hash.  Pure; no global state. */
#ifndef CORE_SHA1_H
#define CORE_SHA1_H 1

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN 20

struct sha1 {
    uint32_t h[5];
    uint64_t len;    /* Bytes hashed so far. */
    uint8_t buf[64]; /* A partial block. */
};

void sha1_init(struct sha1 *);
void sha1_update(struct sha1 *, const void *data, size_t n);
/* Writes the digest of everything hashed to 'out'. */
void sha1_final(struct sha1 *, uint8_t out[SHA1_LEN]);

/* The SHA-1 of the 'n' bytes at 'data', into 'out'. */
void sha1_bytes(const void *data, size_t n, uint8_t out[SHA1_LEN]);

#endif /* core/sha1.h */
