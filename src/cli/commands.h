/* The command tables and resources of the network, subnet, port, agent,
 * security group and address group modules, for cli.c's dispatcher. */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H 1

#include "cli/cli.h"
#include "cli/cli-resource.h"

extern const struct cli_resource cli_network_resource;
extern const struct cli_resource cli_subnet_resource;
extern const struct cli_resource cli_port_resource;
extern const struct cli_resource cli_agent_resource;
extern const struct cli_resource cli_security_group_resource;
extern const struct cli_resource cli_address_group_resource;

extern const struct cli_command cli_network_commands[];
extern const size_t cli_network_n_commands;
extern const struct cli_command cli_subnet_commands[];
extern const size_t cli_subnet_n_commands;
extern const struct cli_command cli_port_commands[];
extern const size_t cli_port_n_commands;
extern const struct cli_command cli_agent_commands[];
extern const size_t cli_agent_n_commands;
extern const struct cli_command cli_security_group_commands[];
extern const size_t cli_security_group_n_commands;
extern const struct cli_command cli_address_group_commands[];
extern const size_t cli_address_group_n_commands;

#endif /* cli/commands.h */
