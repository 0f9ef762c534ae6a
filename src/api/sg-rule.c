#include "api/sg-rule.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "api/api-error.h"
#include "api/schema.h"
#include "core/ds.h"
#include "core/ip.h"

/* neutron-lib's IP_PROTOCOL_MAP, in its order (error messages list the
 * names in this order). */
static const struct {
    const char *name;
    int num;
} protocols[] = {
    {"ah", 51},         {"dccp", 33},   {"egp", 8},         {"esp", 50},
    {"gre", 47},        {"hopopt", 0},  {"icmp", 1},        {"igmp", 2},
    {"ip", 0},          {"ipip", 4},    {"ipv6-encap", 41}, {"ipv6-frag", 44},
    {"ipv6-icmp", 58},  {"icmpv6", 58}, {"ipv6-nonxt", 59}, {"ipv6-opts", 60},
    {"ipv6-route", 43}, {"ospf", 89},   {"pgm", 113},       {"rsvp", 46},
    {"sctp", 132},      {"tcp", 6},     {"udp", 17},        {"udplite", 136},
    {"vrrp", 112},
};

/* Protocols whose rules may have port ranges. */
static bool
has_ports(int num)
{
    return num == 6 || num == 17 || num == 33 || num == 132 || num == 136;
}

/* Protocols (names and numbers) only IPv6 rules may use. */
static bool
is_ipv6_only(const char *p)
{
    static const char *const names[] = {
        "ipv6-encap", "ipv6-frag",  "ipv6-icmp", "icmpv6", "ipv6-nonxt",
        "ipv6-opts",  "ipv6-route", "41",        "44",     "58",
        "59",         "60",         "43",
    };

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(p, names[i])) {
            return true;
        }
    }
    return false;
}

static int
protocol_by_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(protocols); i++) {
        if (!strcmp(protocols[i].name, name)) {
            return protocols[i].num;
        }
    }
    return -1;
}

/* The name Neutron's number-to-name map gives 'num' (the last name with
 * that number, icmpv6 excepted), or NULL. */
static const char *
protocol_name(int num)
{
    const char *name = NULL;

    for (size_t i = 0; i < ARRAY_SIZE(protocols); i++) {
        if (protocols[i].num == num && strcmp(protocols[i].name, "icmpv6")) {
            name = protocols[i].name;
        }
    }
    return name;
}

/* 'text' as a decimal integer (Python's int(): surrounding blanks and a
 * sign allowed); false if it is not one. */
static bool
parse_int(const char *text, long long *ret)
{
    char *end;

    errno = 0;
    *ret = strtoll(text, &end, 10);
    while (end != text && isspace((unsigned char) *end)) {
        end++;
    }
    return !errno && end != text && !*end;
}

int
sgrule_protocol_number(const char *protocol)
{
    long long n;

    if (!protocol) {
        return -1;
    }
    if (parse_int(protocol, &n)) {
        return n;
    }
    return protocol_by_name(protocol);
}

static struct api_error *
invalid_protocol(json_t *value)
{
    char *repr = schema_repr(value);
    struct ds names = DS_EMPTY_INITIALIZER;
    struct api_error *e;

    ds_put_cstr(&names, "[None");
    for (size_t i = 0; i < ARRAY_SIZE(protocols); i++) {
        ds_put_format(&names, ", '%s'", protocols[i].name);
    }
    ds_put_char(&names, ']');
    e = api_error_new(400, "SecurityGroupRuleInvalidProtocol",
                      "Security group rule protocol %s not supported. Only "
                      "protocol values %s and integer representations [0 to "
                      "255] are supported.",
                      repr, ds_cstr(&names));
    ds_destroy(&names);
    free(repr);
    return e;
}

/* neutron's convert_protocol(). */
static struct api_error *
convert_protocol(json_t *rule)
{
    json_t *v = json_object_get(rule, "protocol");
    const char *s = json_string_value(v);
    long long n;
    char *lower;

    if (!v || json_is_null(v)) {
        return NULL;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0
        && json_integer_value(v) <= 255) {
        json_object_set_new(
            rule, "protocol",
            json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v)));
        return NULL;
    }
    if (!s) {
        return invalid_protocol(v);
    }
    if (parse_int(s, &n)) {
        return n >= 0 && n <= 255 ? NULL : invalid_protocol(v);
    }
    lower = xstrdup(s);
    for (char *p = lower; *p; p++) {
        *p = tolower((unsigned char) *p);
    }
    if (protocol_by_name(lower) < 0) {
        free(lower);
        return invalid_protocol(v);
    }
    json_object_set_new(rule, "protocol", json_string(lower));
    free(lower);
    return NULL;
}

/* neutron's convert_validate_port_value(). */
static struct api_error *
convert_port(json_t *rule, const char *name)
{
    json_t *v = json_object_get(rule, name);
    long long n = -1;
    char *repr;
    struct api_error *e;

    if (!v || json_is_null(v)) {
        return NULL;
    }
    if (json_is_integer(v)) {
        n = json_integer_value(v);
    } else if (json_is_string(v) && !parse_int(json_string_value(v), &n)) {
        n = -1;
    }
    if (n >= 0 && n <= 65535) {
        json_object_set_new(rule, name, json_integer(n));
        return NULL;
    }
    repr = schema_repr(v);
    e = api_error_new(400, "SecurityGroupInvalidPortValue",
                      "Invalid value for port %s", repr);
    free(repr);
    return e;
}

static struct api_error *
convert_ethertype(json_t *rule)
{
    json_t *v = json_object_get(rule, "ethertype");
    const char *s = json_string_value(v);
    char *repr;
    struct api_error *e;

    if (s && (!strcasecmp(s, "IPv4") || !strcasecmp(s, "IPv6"))) {
        json_object_set_new(rule, "ethertype",
                            json_string(s[3] == '4' ? "IPv4" : "IPv6"));
        return NULL;
    }
    repr = schema_repr(v);
    e = api_error_new(400, "SecurityGroupRuleInvalidEtherType",
                      "Security group rule for ethertype '%s' not "
                      "supported. Allowed values are ['IPv4', 'IPv6'].",
                      repr);
    free(repr);
    return e;
}

/* remote_ip_prefix with its prefix length (host bits kept, as netaddr
 * prints it), and normalized_cidr, its network. */
static struct api_error *
convert_prefix(json_t *rule)
{
    json_t *v = json_object_get(rule, "remote_ip_prefix");
    const char *s = json_string_value(v);
    struct ip_net net, network;
    char buf[IPNET_STRLEN];
    char *repr;
    struct api_error *e;

    json_object_set_new(rule, "normalized_cidr", json_null());
    if (!v || json_is_null(v) || (s && !*s)) {
        json_object_set_new(rule, "remote_ip_prefix", json_null());
        return NULL;
    }
    if (s && !ipnet_parse(s, &net)) {
        ipnet_format(&net, buf);
        json_object_set_new(rule, "remote_ip_prefix", json_string(buf));
        network = ipnet_network(&net);
        ipnet_format(&network, buf);
        json_object_set_new(rule, "normalized_cidr", json_string(buf));
        return NULL;
    }
    repr = schema_repr(v);
    e = api_error_new(400, "InvalidCIDR",
                      "Invalid CIDR %s given as IP prefix.", repr);
    free(repr);
    return e;
}

static const char *
get_str(json_t *rule, const char *key)
{
    return json_string_value(json_object_get(rule, key));
}

static json_int_t
get_port(json_t *rule, const char *key, bool *present)
{
    json_t *v = json_object_get(rule, key);

    *present = json_is_integer(v);
    return json_integer_value(v);
}

/* IPv6 rules name ICMP as IPv6's: "icmp"/"icmpv6" become "ipv6-icmp",
 * "1" becomes "58". */
static void
canonical_ipv6_icmp(json_t *rule)
{
    const char *p = get_str(rule, "protocol");

    if (!p || strcmp(get_str(rule, "ethertype"), "IPv6")) {
        return;
    }
    if (!strcmp(p, "icmp") || !strcmp(p, "icmpv6")) {
        json_object_set_new(rule, "protocol", json_string("ipv6-icmp"));
    } else if (!strcmp(p, "1")) {
        json_object_set_new(rule, "protocol", json_string("58"));
    }
}

static struct api_error *
check_icmp_range(json_t *rule)
{
    static const char *const attrs[2] = {"port_range_min", "port_range_max"};
    static const char *const fields[2] = {"type", "code"};
    bool has[2];
    json_int_t v[2];

    for (int i = 0; i < 2; i++) {
        v[i] = get_port(rule, attrs[i], &has[i]);
        if (has[i] && (v[i] < 0 || v[i] > 255)) {
            return api_error_new(400, "SecurityGroupInvalidIcmpValue",
                                 "Invalid value for ICMP %s (%s) %lld. It "
                                 "must be 0 to 255.",
                                 fields[i], attrs[i], (long long) v[i]);
        }
    }
    if (!has[0] && has[1]) {
        return api_error_new(400, "SecurityGroupMissingIcmpType",
                             "ICMP code (port-range-max) %lld is provided "
                             "but ICMP type (port-range-min) is missing.",
                             (long long) v[1]);
    }
    return NULL;
}

/* neutron's _make_canonical_port_range() and _validate_port_range(). */
static struct api_error *
check_port_range(json_t *rule)
{
    bool has_min, has_max;
    json_int_t min = get_port(rule, "port_range_min", &has_min);
    json_int_t max = get_port(rule, "port_range_max", &has_max);
    int num;

    if (has_min && has_max && min == 1 && max == 65535) {
        json_object_set_new(rule, "port_range_min", json_null());
        json_object_set_new(rule, "port_range_max", json_null());
        return NULL;
    }
    if (!has_min && !has_max) {
        return NULL;
    }
    if (!get_str(rule, "protocol")) {
        return api_error_new(400, "SecurityGroupProtocolRequiredWithPorts",
                             "Must also specify protocol if port range is "
                             "given.");
    }
    num = sgrule_protocol_number(get_str(rule, "protocol"));
    if (has_ports(num)) {
        if ((has_min && !min) || (has_max && !max)) {
            return api_error_new(400, "SecurityGroupInvalidPortValue",
                                 "Invalid value for port 0");
        }
        if (has_min && has_max && min <= max) {
            return NULL;
        }
        return api_error_new(400, "SecurityGroupInvalidPortRange",
                             "For TCP/UDP protocols, port_range_min must be "
                             "<= port_range_max");
    }
    if (num == 1 || num == 58) {
        return check_icmp_range(rule);
    }
    return api_error_new(400, "SecurityGroupInvalidProtocolForPort",
                         "Ports cannot be specified for protocol %d. Ports "
                         "are only supported for DCCP, SCTP, TCP, UDP, "
                         "UDPLITE.",
                         num);
}

static struct api_error *
check_families(json_t *rule)
{
    const char *ethertype = get_str(rule, "ethertype");
    const char *prefix = get_str(rule, "remote_ip_prefix");
    const char *protocol = get_str(rule, "protocol");
    struct ip_net net;

    if (prefix && !ipnet_parse(prefix, &net)
        && (net.addr.version == 4) != !strcmp(ethertype, "IPv4")) {
        return api_error_new(400, "SecurityGroupRuleParameterConflict",
                             "Conflicting value ethertype %s for CIDR %s",
                             ethertype, prefix);
    }
    if (protocol && is_ipv6_only(protocol) && !strcmp(ethertype, "IPv4")) {
        return api_error_new(400, "SecurityGroupEthertypeConflictWithProtocol",
                             "Invalid ethertype %s for protocol %s.",
                             ethertype, protocol);
    }
    return NULL;
}

static struct api_error *
check_remotes(json_t *rule)
{
    static const char *const keys[] = {
        "remote_ip_prefix",
        "remote_group_id",
        "remote_address_group_id",
    };
    int n = 0;

    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const char *s = get_str(rule, keys[i]);
        n += s && *s;
    }
    if (n > 1) {
        return api_error_new(400, "SecurityGroupMultipleRemoteEntites",
                             "Only one of remote_ip_prefix or remote_group_id "
                             "or remote_address_group_id may be provided.");
    }
    return NULL;
}

struct api_error *
sgrule_normalize(json_t *rule)
{
    struct api_error *e = convert_protocol(rule);

    e = e ? e : convert_port(rule, "port_range_min");
    e = e ? e : convert_port(rule, "port_range_max");
    e = e ? e : convert_ethertype(rule);
    e = e ? e : convert_prefix(rule);
    if (e) {
        return e;
    }
    canonical_ipv6_icmp(rule);
    e = check_port_range(rule);
    e = e ? e : check_families(rule);
    return e ? e : check_remotes(rule);
}

/* One component of a rule's key: its value as text, '+' for none. */
static void
put_key_value(struct ds *key, json_t *rule, const char *name)
{
    json_t *v = json_object_get(rule, name);

    if (!v || json_is_null(v)) {
        ds_put_char(key, '+');
    } else if (json_is_integer(v)) {
        ds_put_format(key, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else {
        ds_put_cstr(key, json_string_value(v));
    }
}

/* The protocol's [name, number] pair as Neutron compares it. */
static void
put_key_protocol(struct ds *key, json_t *rule)
{
    const char *p = get_str(rule, "protocol");
    long long n;
    int num;

    if (!p) {
        ds_put_char(key, '+');
        return;
    }
    num = protocol_by_name(p);
    if (num >= 0) {
        ds_put_format(key, "%s/%d", p, num);
    } else if (parse_int(p, &n) && protocol_name(n)) {
        ds_put_format(key, "%s/%lld", protocol_name(n), n);
    } else {
        ds_put_format(key, "%s/%s", p, p);
    }
}

char *
sgrule_key(json_t *rule)
{
    struct ds key = DS_EMPTY_INITIALIZER;
    const char *prefix = get_str(rule, "remote_ip_prefix");

    put_key_value(&key, rule, "direction");
    ds_put_char(&key, '_');
    put_key_value(&key, rule, "ethertype");
    ds_put_char(&key, '_');
    put_key_value(&key, rule, "port_range_max");
    ds_put_char(&key, '_');
    put_key_value(&key, rule, "port_range_min");
    ds_put_char(&key, '_');
    put_key_protocol(&key, rule);
    ds_put_char(&key, '_');
    put_key_value(&key, rule, "remote_group_id");
    ds_put_char(&key, '_');
    put_key_value(&key, rule, "remote_address_group_id");
    ds_put_char(&key, '_');
    /* "Anywhere" is the same rule however it is written. */
    if (prefix && strcmp(prefix, "0.0.0.0/0") && strcmp(prefix, "::/0")) {
        ds_put_cstr(&key, prefix);
    } else {
        ds_put_char(&key, '+');
    }
    ds_put_char(&key, '_');
    put_key_value(&key, rule, "security_group_id");
    return ds_steal(&key);
}
