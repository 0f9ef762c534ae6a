/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash for tables whose keys
 * come from outside, so that a client cannot choose keys that collide.
 * Pure function; no state. */
#ifndef CORE_SIPHASH_H
#define CORE_SIPHASH_H 1

#include <stddef.h>
#include <stdint.h>

/* Returns the SipHash-2-4 of the 'n' bytes at 'data' under 'key'. */
uint64_t siphash24(const uint8_t key[16], const void *data, size_t n);

#endif /* core/siphash.h */
