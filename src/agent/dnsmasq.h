/* What the DHCP role hands dnsmasq for one network: its command line and
 * the contents of its files (host, addn_hosts, opts, leases), exactly in
 * the forms Neutron's dnsmasq driver writes them (neutron-flat-reference
 * 5.3-5.5).  Pure: no I/O, so every format is unit-tested.
 *
 * Inputs are the /v2.0 API's JSON objects (borrowed): the network, its
 * DHCP-enabled subnets (as a JSON array, in the order they are served),
 * its ports (an object keyed by id, as the replica holds them) and the
 * network's DHCP port.  Only IPv4 subnets are served for now.
 *
 * Nothing from outside reaches dnsmasq unchecked: MACs and addresses are
 * parsed and written back in canonical form, host names are derived from
 * addresses, and an extra_dhcp_opt whose name or value could break a line
 * or a field (control characters; in names also ',' and spaces) is left
 * out (dnsmasq_opt_is_safe()).  Returned strings are malloc'd (free()). */
#ifndef AGENT_DNSMASQ_H
#define AGENT_DNSMASQ_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The DHCP agent options that shape dnsmasq's inputs. */
struct dnsmasq_config {
    const char *dir;        /* state_path/dhcp/<network id>. */
    const char *domain;     /* dhcp_domain ("openstacklocal"). */
    long lease_duration;    /* dhcp_lease_duration; -1: infinite. */
    long long lease_max;    /* dnsmasq_lease_max. */
    char **dns_servers;     /* dnsmasq_dns_servers. */
    size_t n_dns_servers;   /* Of 'dns_servers'. */
    bool isolated_metadata; /* enable_isolated_metadata. */
    bool force_metadata;    /* force_metadata. */
};

/* The network's subnets that dnsmasq serves: DHCP-enabled IPv4 subnets
 * of network 'net_id' among 'subnets' (an object keyed by id), sorted by
 * id as the server sends them.  A new array (json_decref()). */
json_t *dnsmasq_subnets(json_t *subnets, const char *net_id);

/* dnsmasq's arguments, argv[0] "dnsmasq" first, NULL-terminated; free with
 * dnsmasq_argv_free(). */
char **dnsmasq_argv(const struct dnsmasq_config *, json_t *network,
                    json_t *subnets);
void dnsmasq_argv_free(char **argv);

/* The --dhcp-hostsfile: one line per (port, IPv4 address on a served
 * subnet), newline-terminated. */
char *dnsmasq_hosts(const struct dnsmasq_config *, json_t *subnets,
                    json_t *ports);

/* The --addn-hosts file (/etc/hosts format). */
char *dnsmasq_addn_hosts(const struct dnsmasq_config *, json_t *subnets,
                         json_t *ports);

/* The --dhcp-optsfile (lines joined by '\n', no trailing newline).
 * 'dhcp_port' gives the metadata route's next hop; with several DHCP ports
 * on the network, a subnet without nameservers lists them all as its DNS
 * servers. */
char *dnsmasq_opts(const struct dnsmasq_config *, json_t *subnets,
                   json_t *ports, json_t *dhcp_port);

/* The leases file dnsmasq starts with: every host of dnsmasq_hosts() with
 * its lease running from 'now'. */
char *dnsmasq_leases(const struct dnsmasq_config *, json_t *subnets,
                     json_t *ports, time_t now);

/* True if 'port' appears in the files (every port but those of DHCP,
 * floating IPs, HA router interfaces and distributed ports). */
bool dnsmasq_port_is_served(json_t *port);

/* True if an extra_dhcp_opt name or value can be written as it is. */
bool dnsmasq_opt_is_safe(const char *text, bool is_name);

/* One address a host line hands out. */
struct dnsmasq_host {
    char mac[18];
    char ip[46];
};

/* Parses the host lines of 'text' (a hosts file as dnsmasq_hosts() writes
 * it) or, with 'leases', of a leases file ("EXPIRY MAC IP NAME ID"), into
 * a malloc'd array.  Lines it cannot read are skipped. */
size_t dnsmasq_parse_hosts(const char *text, bool leases,
                           struct dnsmasq_host **ret);

#endif /* agent/dnsmasq.h */
