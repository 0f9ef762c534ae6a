/* Ethernet MAC addresses in text form. */
#ifndef CORE_MAC_H
#define CORE_MAC_H 1

#include <stdbool.h>
#include <stdint.h>

#define MAC_STRLEN 18

/* Parses six hex octets separated by ':' or '-' (any case), as netaddr's
 * EUI parser accepts them for Neutron.  Returns 0 or -EINVAL. */
int mac_parse(const char *s, uint8_t mac[6]);

/* Writes lower-case "aa:bb:cc:dd:ee:ff". */
void mac_format(const uint8_t mac[6], char buf[MAC_STRLEN]);

/* Keeps the first 'fixed' octets of 'base' and fills the rest at random. */
void mac_generate(const uint8_t base[6], int fixed, uint8_t mac[6]);

bool mac_is_zero(const uint8_t mac[6]);
bool mac_is_broadcast(const uint8_t mac[6]);

#endif /* core/mac.h */
