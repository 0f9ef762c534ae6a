/* Security group rules as Neutron 21 converts, checks and compares them:
 * pure functions over a rule's attributes (the JSON object schema.c made
 * from the request, defaults filled in), no storage.  security-group.c
 * adds the checks that read the database (groups and address groups
 * exist, duplicates among stored rules).
 *
 * Errors carry Neutron's exception names and messages
 * (SecurityGroupRuleInvalidProtocol, SecurityGroupInvalidPortRange, ...). */
#ifndef API_SG_RULE_H
#define API_SG_RULE_H 1

#include <jansson.h>

struct api_error;

/* Converts and checks 'rule' in place: protocol (names in lower case,
 * numbers as strings, IPv6 ICMP under its IPv6 name), port ranges
 * (integers; 1-65535 becomes no range), ethertype (canonical case),
 * remote_ip_prefix (always with a prefix length) and normalized_cidr (its
 * network).  Returns NULL or the error; 'rule' is then partly converted. */
struct api_error *sgrule_normalize(json_t *rule);

/* The text two rules of one group share exactly when Neutron sees them as
 * duplicates (SecurityGroupRuleExists).  Malloc'd. */
char *sgrule_key(json_t *rule);

/* The IP protocol number of a normalized rule's protocol, or -1 for
 * none. */
int sgrule_protocol_number(const char *protocol);

#endif /* api/sg-rule.h */
