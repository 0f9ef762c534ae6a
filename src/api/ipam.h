/* IP address management for one subnet at a time, as Neutron's internal
 * IPAM driver behaves: default gateway and pools, pool validation, and
 * allocation from free ranges kept in the database (store.h), so neither
 * allocation nor release ever scans a subnet's addresses.
 *
 * Allocation picks uniformly among the first 1000 free addresses of the
 * pools (Neutron's window) that lie in the first 8 free ranges, or the
 * lowest free address for DHCP ports.
 * All functions run inside the caller's write transaction. */
#ifndef API_IPAM_H
#define API_IPAM_H 1

#include <jansson.h>
#include <stdbool.h>

#include "api/store.h"
#include "core/ip.h"

/* The addresses of 'cidr' that pools may use: IPv4 /30 and larger exclude
 * the network and broadcast addresses, IPv6 excludes the subnet-router
 * anycast (first) address. */
void ipam_usable_range(const struct ip_net *cidr, struct ip_range *ret);

/* The default gateway: IPv4 first host, IPv6 the network address. */
struct ip_addr ipam_default_gateway(const struct ip_net *cidr);

/* Default pools: the usable range minus 'gateway' (NULL: none).  Returns
 * the number of ranges written to 'out' (at most 2). */
int ipam_default_pools(const struct ip_net *cidr,
                       const struct ip_addr *gateway, struct ip_range out[2]);

/* Size of a range (saturating). */
ip_u128 ip_range_size(const struct ip_range *);

/* Formats "start-end" as Neutron prints an allocation pool. */
void ip_range_format(const struct ip_range *, char *buf, size_t size);

/* Rebuilds the free ranges of 'subnet_id' from 'pools' (n ranges) minus
 * the addresses already allocated. */
int ipam_reset_ranges(struct store *, const char *subnet_id,
                      const struct ip_range *pools, size_t n) WARN_UNUSED;

/* Takes a free address of 'subnet_id': the lowest if 'lowest', else a
 * random one of the window.  -ENOSPC when the pools are exhausted. */
int ipam_allocate_any(struct store *, const char *subnet_id, int version,
                      bool lowest, struct ip_addr *ret) WARN_UNUSED;

/* Removes 'a' from the free ranges if it is in one (addresses outside the
 * pools may still be requested explicitly). */
int ipam_take(struct store *, const char *subnet_id,
              const struct ip_addr *a) WARN_UNUSED;

/* Returns 'a' to the free ranges if it lies in one of 'pools'. */
int ipam_release(struct store *, const char *subnet_id,
                 const struct ip_range *pools, size_t n,
                 const struct ip_addr *a) WARN_UNUSED;

/* Parses a subnet's stored allocation_pools JSON into ranges (malloc'd
 * array in '*ret'); returns the count or -EINVAL. */
int ipam_pools_from_json(json_t *pools, int version,
                         struct ip_range **ret) WARN_UNUSED;

#endif /* api/ipam.h */
