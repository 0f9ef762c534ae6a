/* Local VLANs: on br-int every network present on this host gets its own
 * VLAN id (1..4094, 4095 being the dead VLAN), Neutron's "local VLAN
 * mapping".  The ids live only on this host; they are kept across agent
 * restarts through hints (the tag recorded in a port's other_config) and
 * freed when the host has no port of the network any more.
 *
 * Use: lvm_begin(), lvm_use() for each network a port needs now,
 * lvm_end() frees the rest.  Pure: no I/O. */
#ifndef AGENT_LVM_H
#define AGENT_LVM_H 1

#define LVM_DEAD_VLAN 4095

struct lvm;

struct lvm *lvm_create(void);
void lvm_destroy(struct lvm *);

void lvm_begin(struct lvm *);
/* Returns the local VLAN of 'net_id', allocating one if needed: 'hint'
 * (1..4094) if it is free, else the lowest free id.  -ENOSPC if none. */
int lvm_use(struct lvm *, const char *net_id, int hint);
void lvm_end(struct lvm *);

/* The local VLAN of 'net_id', or -1. */
int lvm_get(const struct lvm *, const char *net_id);

#endif /* agent/lvm.h */
