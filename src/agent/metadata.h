/* The metadata listener of one network: 169.254.169.254:80 inside its
 * qdhcp namespace, served by the agent itself (libmicrohttpd on a socket
 * the DHCP role opened in the namespace, driven by the agent's poll loop)
 * rather than by a proxy process: the agent holds every port and subnet
 * already, so an answer needs no call to anything.
 *
 * The asking instance is the port of the network whose fixed IP is the
 * connection's source address; X-Forwarded-For and any other header are
 * never read, so an instance cannot pose as another.  An address that is
 * no port of the network gets 404.  Answers (metadata_answer(), pure): the
 * OpenStack version list and /openstack/VERSION/{meta_data.json,
 * network_data.json}, the EC2 version list and /VERSION/meta-data/ keys
 * (instance-id, local-ipv4, hostname, local-hostname, mac,
 * placement/availability-zone), or proxies to Nova's metadata API (see
 * metadata_server_create()). */
#ifndef AGENT_METADATA_H
#define AGENT_METADATA_H 1

#include <jansson.h>

struct replica;

struct metadata_server;

/* Serves network 'net_id' on the listening socket 'fd' (taken over, also
 * on failure) from 'replica' (must outlive the server).  With 'nova_url'
 * ("http://HOST:PORT") the requests of the network's ports are forwarded
 * there instead, with Neutron's headers: X-Forwarded-For (the source
 * address), X-Instance-ID (the port's device_id), X-Tenant-ID (its
 * project) and X-Instance-ID-Signature (hex HMAC-SHA256 of the instance id
 * keyed with 'secret'); Nova's 200/400/403/404/409 pass through, anything
 * else is 500.  Returns NULL if libmicrohttpd cannot start. */
struct metadata_server *metadata_server_create(int fd, const char *net_id,
                                               struct replica *replica,
                                               const char *nova_url,
                                               const char *secret);
void metadata_server_destroy(struct metadata_server *);

void metadata_server_run(struct metadata_server *);
void metadata_server_wait(struct metadata_server *);

/* The answer to GET 'path' from 'port' (NULL: the source is no port of
 * the network) of 'network', whose subnets are 'subnets' (an object keyed
 * by id): returns the HTTP status and stores the body (malloc'd) and its
 * content type in '*ret_body' and '*ret_type'. */
int metadata_answer(json_t *network, json_t *subnets, json_t *port,
                    const char *path, char **ret_body, const char **ret_type);

#endif /* agent/metadata.h */
