/* OVS's built-in SHA-1 for the island's own callers (uuid.c seeds its
 * generator with it).  With OpenSSL present, OVS's sha1_*() go through
 * OpenSSL's EVP interface, and the first EVP call makes OpenSSL 3 load its
 * configuration and providers: ~2 MB of the agent's RSS for one hash at
 * start-up.  scripts/ovs-island.sh links the island with --wrap=sha1_*,
 * which sends every call from outside sha1.o here, to the ovs_sha1_*()
 * implementation sha1.o carries as well. */
#include <config.h>

#include "sha1.h"

void __wrap_sha1_init(struct sha1_ctx *);
void __wrap_sha1_update(struct sha1_ctx *, const void *, uint32_t);
void __wrap_sha1_final(struct sha1_ctx *, uint8_t digest[SHA1_DIGEST_SIZE]);
void __wrap_sha1_bytes(const void *, uint32_t,
                       uint8_t digest[SHA1_DIGEST_SIZE]);

void
__wrap_sha1_init(struct sha1_ctx *ctx)
{
    ovs_sha1_init(ctx);
}

void
__wrap_sha1_update(struct sha1_ctx *ctx, const void *data, uint32_t n)
{
    ovs_sha1_update(ctx, data, n);
}

void
__wrap_sha1_final(struct sha1_ctx *ctx, uint8_t digest[SHA1_DIGEST_SIZE])
{
    ovs_sha1_final(ctx, digest);
}

void
__wrap_sha1_bytes(const void *data, uint32_t n,
                  uint8_t digest[SHA1_DIGEST_SIZE])
{
    ovs_sha1_bytes(data, n, digest);
}
