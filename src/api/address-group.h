/* Address groups (/v2.0/address-groups), Neutron 21's address-group
 * extension: named lists of CIDRs that security group rules name as
 * remote_address_group_id, with the add_addresses / remove_addresses
 * actions.  Every change is logged for the feed (resource
 * "address_group").  Errors are Neutron's (AddressGroupNotFound,
 * AddressGroupInUse, AddressesNotFound, AddressesAlreadyExist).  Internal
 * to the server core. */
#ifndef API_ADDRESS_GROUP_H
#define API_ADDRESS_GROUP_H 1

#include "api/call.h"

extern const struct resource_ops address_group_ops;

/* Serves PUT /v2.0/address-groups/ID/ACTION. */
void address_group_action(struct call *, const char *id, const char *action,
                          struct http_response *);

#endif /* api/address-group.h */
