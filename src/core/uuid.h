/* UUIDs in their 36-character text form, as Neutron uses them for every
 * resource id. */
#ifndef CORE_UUID_H
#define CORE_UUID_H 1

#include <stdbool.h>

#define UUID_STRLEN 37

/* Writes a random (version 4) UUID in lower-case text form. */
void uuid_generate(char buf[UUID_STRLEN]);

/* True if 's' is 8-4-4-4-12 hex digits (either case), as neutron-lib's
 * uuid validator accepts. */
bool uuid_is_valid(const char *s);

/* The device_id Neutron's DHCP agent on 'host' gives its DHCP port on
 * network 'network_id': "dhcp" + uuid5(NAMESPACE_DNS, 'host' up to its
 * first dot) + "-" + 'network_id' (docs/agent-protocol.md).  The server
 * schedules with it, the agent finds its ports by it.  Malloc'd. */
char *uuid_dhcp_device_id(const char *host, const char *network_id);

#endif /* core/uuid.h */
