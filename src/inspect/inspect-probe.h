/* inspect-probe: "neutrino inspect ... --probe" sends real packets into a
 * network's path and records what answered.  A temporary namespace
 * ("qprobe-<8 hex>") gets a veth whose other end is plugged into br-int
 * with the network's local VLAN (no iface-id, so the agent leaves it
 * alone); from there an ARP request asks for the subnet's gateway and,
 * when a port is traced, a DHCPDISCOVER naming that port's MAC (as the
 * client hardware address) asks its dnsmasq for an offer.  Every bridge's flow
 * counters are dumped before and after, so inspect-check can tell how far the
 * packets went.  The namespace, veth and OVS port are removed afterwards, also
 * on failure.
 *
 * The probe's frames come from a fresh random MAC: the port's MAC only
 * goes in the DHCP request's chaddr, which is what dnsmasq (serving only
 * known hosts) looks at, with the broadcast flag set so the offer comes
 * back whatever the switches learnt; the instance's traffic is untouched.
 *
 * Recorded in the observed document as
 *   "probe": {"error": TEXT} or
 *   "probe": {"arp": {"target", "mac" (if answered)},
 *             "dhcp": {"mac", "offer", "server"} (if a port is traced;
 *                      "offer" and "server" only if answered),
 *             "before": {BRIDGE: [FLOW...]}, "after": {...}}
 *
 * The frame builders and parsers are pure, for the unit tests. */
#ifndef INSPECT_INSPECT_PROBE_H
#define INSPECT_INSPECT_PROBE_H 1

#include <jansson.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "inspect/inspect-check.h"
#include "inspect/inspect-gather.h"

/* Room for every frame built here. */
#define INSPECT_PROBE_FRAME_MAX 600

/* Builds into 'buf' an Ethernet frame from 'src' carrying a broadcast
 * DHCPDISCOVER for client 'chaddr' with transaction id 'xid' (broadcast
 * flag set, so the offer comes back broadcast); returns its length. */
size_t inspect_probe_dhcp_discover(uint8_t *buf, const uint8_t src[6],
                                   const uint8_t chaddr[6], uint32_t xid);

/* If 'frame' is a DHCPOFFER for 'xid', returns 0 with the offered address
 * in '*ret_yiaddr' and the server's in '*ret_server'; else -EINVAL. */
int inspect_probe_parse_offer(const uint8_t *frame, size_t len, uint32_t xid,
                              struct in_addr *ret_yiaddr,
                              struct in_addr *ret_server);

/* Builds an ARP request "who has 'target'" from 'mac' (sender address
 * 0.0.0.0, an ARP probe, so no neighbour learns a false binding); returns
 * its length. */
size_t inspect_probe_arp_request(uint8_t *buf, const uint8_t mac[6],
                                 struct in_addr target);

/* If 'frame' is an ARP reply from 'target', returns 0 with its MAC in
 * 'ret_mac'; else -EINVAL. */
int inspect_probe_parse_arp_reply(const uint8_t *frame, size_t len,
                                  struct in_addr target, uint8_t ret_mac[6]);

/* Runs the probe for 'want' (its local VLAN and bridges as found in
 * 'observed') and records it in 'observed'.  Needs root. */
void inspect_probe(const struct inspect_want *want,
                   const struct inspect_where *where, json_t *observed);

#endif /* inspect/inspect-probe.h */
