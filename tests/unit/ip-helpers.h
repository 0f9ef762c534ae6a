/* Parsing helpers shared by the unit tests of IP math and IPAM: they fail
 * the running cmocka test on bad input. */
#ifndef TESTS_UNIT_IP_HELPERS_H
#define TESTS_UNIT_IP_HELPERS_H 1

#include "core/ip.h"

static inline struct ip_addr
addr(const char *s)
{
    struct ip_addr a;

    if (ip_parse(s, &a) != 0) {
        fail_msg("cannot parse address '%s'", s);
    }
    return a;
}

static inline struct ip_net
net(const char *s)
{
    struct ip_net n;

    if (ipnet_parse(s, &n) != 0) {
        fail_msg("cannot parse prefix '%s'", s);
    }
    return n;
}

#endif /* tests/unit/ip-helpers.h */
