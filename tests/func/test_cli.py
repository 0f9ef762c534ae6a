"""The neutrino CLI (src/cli) side by side with the real openstack CLI.

Seed 000's commands are run with `neutrino` in place of `openstack`; then the same objects are
shown, listed, changed and deleted through both CLIs, and their outputs must be identical byte
for byte: every column and value, in the table, json, value and shell formats, with -c, and the
error messages and exit statuses.

NEUTRINO_CLI picks the binary (default: <repo>/build/neutrino); run it with the ASan build as

    NEUTRINO_SERVER=build-asan/neutrino-server NEUTRINO_CLI=build-asan/neutrino \\
        /usr/bin/python3 -m pytest tests/func/test_cli.py
"""

import json
import os
import subprocess

import pytest

from conftest import (ADMIN_PROJECT, OSC_BIN, REPO, needs_process, osc_env, parse_table,
                      table_to_dict)
from test_agents import SEED_VIF_DETAILS, report
from test_seed_cli import (NET_CREATE, SEED_NET_ID, SEED_NETWORK, SEED_PORT_LIST,
                           SEED_PORT_SHOW, SEED_PROJECT, SEED_SUBNET, SEED_SUBNET_ID,
                           SUBNET_CREATE, compare_rows, is_mac, is_ts, is_uuid, seed_expect)

CLI_BIN = os.environ.get("NEUTRINO_CLI") or str(REPO / "build" / "neutrino")

pytestmark = needs_process


class Runner:
    """Runs one CLI (neutrino or openstack) against the test server."""

    def __init__(self, argv0, url, home, env_endpoint=False):
        self.argv0, self.url, self.home = list(argv0), url, home
        self.env_endpoint = env_endpoint

    def __call__(self, *args, check=True):
        env = osc_env(self.home)
        argv = self.argv0 + ["--os-auth-type", "none"]
        if self.env_endpoint:
            env["OS_ENDPOINT"] = self.url
        else:
            argv += ["--os-endpoint", self.url]
        p = subprocess.run(argv + list(args), env=env, capture_output=True, text=True,
                           timeout=120)
        if check:
            assert p.returncode == 0, "%s %s -> %d\n%s" % (
                self.argv0[0], " ".join(args), p.returncode, p.stderr)
        return p


@pytest.fixture
def clis(server, tmp_path):
    if not os.access(CLI_BIN, os.X_OK):
        pytest.fail("%s not built (ninja -C build, or set NEUTRINO_CLI)" % CLI_BIN)
    home = tmp_path / "cli-home"
    home.mkdir()
    return (Runner([CLI_BIN], server.url, home, env_endpoint=True),
            Runner([OSC_BIN], server.url, home))


def same(clis, *args, check=True):
    """Both CLIs print the same thing and exit the same way; returns neutrino's output."""
    neu, osc = clis
    a, b = neu(*args, check=check), osc(*args, check=check)
    assert a.returncode == b.returncode, "%s: exit %d vs openstack's %d\n%s\n%s" % (
        " ".join(args), a.returncode, b.returncode, a.stderr, b.stderr)
    assert a.stdout == b.stdout, "%s: stdout differs\n--- neutrino\n%s\n--- openstack\n%s" % (
        " ".join(args), a.stdout, b.stdout)
    assert a.stderr == b.stderr, "%s: stderr differs\n--- neutrino\n%s\n--- openstack\n%s" % (
        " ".join(args), a.stderr, b.stderr)
    return a


def formats(kind):
    one = [[], ["-f", "json"], ["-f", "json", "--noindent"], ["-f", "value"],
           ["-f", "yaml"], ["-f", "shell"], ["-f", "shell", "--prefix", "os_"]]
    return one if kind == "one" else one[:5] + [["--print-empty"], ["-f", "csv"],
                                                ["-f", "csv", "--quote", "none"],
                                                ["-f", "csv", "--quote", "minimal"]]


def seed_setup(server, clis):
    """Seed 000 with neutrino, its output checked against the seed's tables."""
    neu, _ = clis
    net = table_to_dict(neu(*NET_CREATE).stdout)
    replace = {SEED_NET_ID: net["id"], SEED_PROJECT: ADMIN_PROJECT}
    compare_rows(net, seed_expect(SEED_NETWORK, replace),
                 skip=("id", "created_at", "updated_at"),
                 fmt_checks={"id": is_uuid, "created_at": is_ts, "updated_at": is_ts})
    sub = table_to_dict(neu(*SUBNET_CREATE).stdout)
    replace[SEED_SUBNET_ID] = sub["id"]
    compare_rows(sub, seed_expect(SEED_SUBNET, replace),
                 skip=("id", "created_at", "updated_at"),
                 fmt_checks={"id": is_uuid, "created_at": is_ts, "updated_at": is_ts})
    return net, sub, replace


def test_seed_000_with_neutrino(server, clis):
    neu, _ = clis
    net, sub, replace = seed_setup(server, clis)
    # The DHCP port, wired as the seed's agents had it: bound to the controller, ACTIVE.
    report(server, host="controller.home.local")
    port = server.list("ports")[0]
    server.ok(server.post("/neutrino/v1/ports/%s/bind" % port["id"],
                          {"host": "controller.home.local"}), 200)
    server.ok(server.put("/neutrino/v1/ports/%s/status" % port["id"],
                         {"host": "controller.home.local", "status": "ACTIVE"}), 204)

    rows = parse_table(same(clis, "port", "list").stdout)
    seed_rows = parse_table(SEED_PORT_LIST)
    assert rows[0] == seed_rows[0]
    assert len(rows) == 2 and is_uuid(rows[1][0]) and is_mac(rows[1][2])
    assert rows[1][3] == seed_rows[1][3].replace(SEED_SUBNET_ID, sub["id"])
    assert rows[1][4] == "ACTIVE"

    shown = table_to_dict(same(clis, "port", "show", port["id"]).stdout)
    expect = seed_expect(SEED_PORT_SHOW, replace)
    # What the seed's Neutron had and ours does differently, on purpose (test_seed_cli.py).
    compare_rows(shown, expect,
                 skip=("id", "mac_address", "created_at", "updated_at", "device_id",
                       "revision_number", "port_security_enabled"),
                 fmt_checks={"id": is_uuid, "mac_address": is_mac})
    assert json.loads(neu("port", "show", port["id"], "-f", "json").stdout)[
        "binding_vif_details"] == SEED_VIF_DETAILS


@pytest.mark.parametrize("kind,args", [
    ("one", ["network", "show", "provider"]),
    ("one", ["subnet", "show", "provider"]),
    ("one", ["port", "show", "PORT"]),
    ("one", ["network", "agent", "show", "AGENT"]),
    ("list", ["network", "list"]),
    ("list", ["network", "list", "--long"]),
    ("list", ["subnet", "list"]),
    ("list", ["subnet", "list", "--long"]),
    ("list", ["port", "list"]),
    ("list", ["port", "list", "--long"]),
    ("list", ["port", "list", "--network", "provider"]),
    ("list", ["network", "agent", "list"]),
])
def test_read_commands_identical(server, clis, kind, args):
    seed_setup(server, clis)
    report(server, host="controller.home.local")
    port = server.list("ports")[0]["id"]
    agent = server.list("agents")[0]["id"]
    args = [{"PORT": port, "AGENT": agent}.get(a, a) for a in args]
    cols = ["id", "name"] if kind == "one" else ["Name", "ID"]
    if "agent" in args:
        cols = ["host", "id"] if kind == "one" else ["Host", "ID"]
    # -c: in the order of the command's columns whatever the order asked for.
    for extra in formats(kind) + [["-c", cols[0], "-c", cols[1]],
                                  ["-c", cols[1], "-f", "value"]]:
        # A fresh heartbeat, so the agent cannot turn dead (XXX) between the two CLIs.
        report(server, host="controller.home.local")
        same(clis, *(args + extra))


def test_write_commands_seen_by_openstack(server, clis):
    neu, osc = clis
    seed_setup(server, clis)
    # A VLAN network with a description, an MTU and tags, made by neutrino ...
    created = neu("network", "create", "--provider-network-type", "vlan",
                  "--provider-physical-network", "provider", "--provider-segment", "1042",
                  "--description", 'a "quoted" net', "--mtu", "1400", "--tag", "b",
                  "--tag", "a", "--no-share", "vnet", "-f", "json")
    net = json.loads(created.stdout)
    assert net["provider:segmentation_id"] == 1042 and net["mtu"] == 1400
    assert net["tags"] == ["a", "b"] and net["shared"] is False
    # ... shows the same through both.
    for fmt in formats("one"):
        same(clis, "network", "show", "vnet", *fmt)
    sub = json.loads(neu("subnet", "create", "--network", "vnet", "--subnet-range",
                         "10.1.0.0/24", "--dns-nameserver", "8.8.8.8", "--dns-nameserver",
                         "1.1.1.1", "--host-route", "destination=10.2.0.0/16,gateway=10.1.0.254",
                         "--allocation-pool", "start=10.1.0.10,end=10.1.0.20",
                         "--allocation-pool", "start=10.1.0.30,end=10.1.0.40", "--no-dhcp",
                         "vsub", "-f", "json").stdout)
    assert sub["enable_dhcp"] is False and sub["host_routes"] == [
        {"destination": "10.2.0.0/16", "nexthop": "10.1.0.254"}]
    shown = table_to_dict(same(clis, "subnet", "show", "vsub").stdout)
    assert shown["allocation_pools"] == "10.1.0.10-10.1.0.20,10.1.0.30-10.1.0.40"
    assert shown["dns_nameservers"] == "1.1.1.1, 8.8.8.8"
    assert shown["host_routes"] == "destination='10.2.0.0/16', gateway='10.1.0.254'"
    for fmt in formats("one"):
        same(clis, "subnet", "show", "vsub", *fmt)
    same(clis, "subnet", "list", "--long")

    # Ports with fixed IPs by subnet name, a MAC, a host, a profile, pairs, DHCP options.
    neu("port", "create", "--network", "vnet", "--fixed-ip",
        "subnet=vsub,ip-address=10.1.0.15", "--fixed-ip", "subnet=vsub",
        "--mac-address", "fa:16:3e:00:00:99", "--binding-profile", "a=b",
        "--allowed-address", "ip-address=10.9.9.9", "--extra-dhcp-option",
        "name=mtu,value=1400", "--tag", "x", "--disable", "p1")
    shown = table_to_dict(same(clis, "port", "show", "p1").stdout)
    assert shown["mac_address"] == "fa:16:3e:00:00:99" and shown["admin_state_up"] == "DOWN"
    assert "ip_address='10.1.0.15'" in same(clis, "port", "show", "p1", "-c",
                                            "fixed_ips").stdout
    for fmt in formats("one"):
        same(clis, "port", "show", "p1", *fmt)
    for fmt in formats("list"):
        same(clis, "port", "list", "--long", *fmt)

    # set and unset through neutrino, read back through openstack.
    neu("network", "set", "vnet", "--name", "vnet2", "--description", "d", "--tag", "c",
        "--enable-port-security", "--no-default")
    assert json.loads(osc("network", "show", "vnet2", "-f", "json").stdout)["tags"] == [
        "a", "b", "c"]
    neu("network", "unset", "vnet2", "--tag", "a")
    neu("network", "set", "vnet2", "--no-tag", "--tag", "z")
    assert json.loads(osc("network", "show", "vnet2", "-f", "json").stdout)["tags"] == ["z"]
    neu("subnet", "set", "vsub", "--dns-nameserver", "9.9.9.9", "--no-host-route",
        "--gateway", "none", "--name", "vsub2")
    got = json.loads(osc("subnet", "show", "vsub2", "-f", "json").stdout)
    assert got["dns_nameservers"] == ["9.9.9.9", "8.8.8.8", "1.1.1.1"]
    assert got["host_routes"] == [] and got["gateway_ip"] is None
    neu("subnet", "unset", "vsub2", "--dns-nameserver", "8.8.8.8",
        "--allocation-pool", "start=10.1.0.30,end=10.1.0.40")
    got = json.loads(osc("subnet", "show", "vsub2", "-f", "json").stdout)
    assert got["dns_nameservers"] == ["9.9.9.9", "1.1.1.1"]
    assert got["allocation_pools"] == [{"start": "10.1.0.10", "end": "10.1.0.20"}]
    neu("port", "set", "p1", "--name", "p2", "--enable", "--binding-profile", "c=d",
        "--no-allowed-address", "--host", "compute9")
    got = json.loads(osc("port", "show", "p2", "-f", "json").stdout)
    assert got["binding_profile"] == {"a": "b", "c": "d"}
    assert got["allowed_address_pairs"] == [] and got["admin_state_up"] is True
    assert got["binding_host_id"] == "compute9"
    neu("port", "unset", "p2", "--binding-profile", "a", "--fixed-ip",
        "subnet=vsub2,ip-address=10.1.0.15")
    # --host sends binding:host_id null, which this server refuses (400): the
    # same answer through both.
    same(clis, "port", "unset", "p2", "--host", check=False)
    got = json.loads(osc("port", "show", "p2", "-f", "json").stdout)
    assert got["binding_profile"] == {"c": "d"}
    assert "10.1.0.15" not in [ip["ip_address"] for ip in got["fixed_ips"]]
    same(clis, "port", "show", "p2")

    # The agent: set, show, delete.
    report(server, host="compute1")
    agent = server.list("agents", params={"host": "compute1"})[0]["id"]
    neu("network", "agent", "set", agent, "--disable", "--description", "off")
    shown = table_to_dict(same(clis, "network", "agent", "show", agent).stdout)
    assert shown["admin_state_up"] == "DOWN" and shown["description"] == "off"
    neu("network", "agent", "delete", agent)
    same(clis, "network", "agent", "list")

    # delete, several at once.
    neu("port", "delete", "p2")
    neu("subnet", "delete", "vsub2")
    neu("network", "delete", "vnet2")
    assert [n["name"] for n in server.list("networks")] == ["provider"]


@pytest.mark.parametrize("args", [
    ["network", "show", "nope"],
    ["subnet", "show", "nope"],
    ["port", "show", "nope"],
    ["network", "agent", "show", "nope"],
    ["network", "delete", "nope", "provider2"],
    ["port", "delete", "nope"],
    ["network", "agent", "delete", "nope"],
    ["network", "agent", "set", "nope", "--enable"],
    ["subnet", "create", "--network", "provider", "--subnet-range", "10.0.0.0/33", "bad"],
    ["subnet", "create", "--network", "nope", "--subnet-range", "10.0.0.0/24", "bad"],
    ["network", "create", "--provider-network-type", "flat",
     "--provider-physical-network", "provider", "again"],
    ["port", "create", "--network", "provider", "--fixed-ip", "ip-address=10.0.0.1", "bad"],
    ["port", "create", "--network", "provider", "--mac-address", "zz", "bad"],
    ["port", "unset", "PORT", "--binding-profile", "missing"],
    ["subnet", "unset", "provider", "--dns-nameserver", "1.2.3.4"],
    ["network", "show", "provider", "-c", "nope"],
    ["network", "list", "-c", "Nope"],
])
def test_errors_identical(server, clis, args):
    seed_setup(server, clis)
    port = server.list("ports")[0]["id"]
    args = [port if a == "PORT" else a for a in args]
    p = same(clis, *args, check=False)
    assert p.returncode == 1 and p.stderr
    # Nothing was made by the failed commands.
    assert len(server.list("networks")) == 1 and len(server.list("subnets")) == 1


@pytest.mark.parametrize("args", [
    ["network", "create"],
    ["subnet", "create", "x"],
    ["network", "list", "--bogus"],
    ["network", "list", "-f", "shell"],
    ["network", "set", "provider", "--enable", "--disable"],
    ["port", "show", "a", "b"],
])
def test_usage_errors(server, clis, args):
    same_usage_error(clis, args)


def same_usage_error(clis, args):
    """Both CLIs reject 'args' as argparse does: exit status 2, and the last line,
    "PROG: error: MESSAGE", names the same problem."""
    neu, osc = clis
    a, b = neu(*args, check=False), osc(*args, check=False)
    assert a.returncode == b.returncode == 2

    def message(p):
        return p.stderr.splitlines()[-1].split(": error: ")[1].split(" (choose from")[0]
    assert message(a) == message(b)


def test_duplicate_names_and_ids(server, clis):
    seed_setup(server, clis)
    server.create("network", name="twin")
    server.create("network", name="twin")
    p = same(clis, "network", "show", "twin", check=False)
    assert p.returncode == 1 and "More than one Network" in p.stderr
    net = server.list("networks", params={"name": "provider"})[0]
    same(clis, "network", "show", net["id"])
    same(clis, "network", "list", "--name", "twin")
    same(clis, "network", "list", "--external", "--long")
    same(clis, "network", "list", "--internal")
    for sort in (["--sort-column", "Name"], ["--sort-column", "Name", "--sort-descending"],
                 ["--long", "--sort-column", "Shared", "--sort-column", "ID"]):
        same(clis, "network", "list", *sort)


def test_unicode_names(server, clis):
    neu, _ = clis
    neu("network", "create", "r\u00e9seau \u65e5\u672c \U0001f600", "--description",
        "it's \"here\"")
    neu("network", "create", 'a,b "c" \\d')
    for fmt in formats("one"):
        same(clis, "network", "show", "r\u00e9seau \u65e5\u672c \U0001f600", *fmt)
    for fmt in formats("list"):
        same(clis, "network", "list", "--long", *fmt)


def test_no_endpoint(tmp_path):
    p = subprocess.run([CLI_BIN, "network", "list"], env=osc_env(tmp_path),
                       capture_output=True, text=True)
    assert p.returncode == 1 and "OS_ENDPOINT" in p.stderr


def test_max_width(server, clis):
    """--max-width: cliff's column shrinking and prettytable's textwrap
    wrapping (hyphens, long words, the Field/Value and list minimums)."""
    seed_setup(server, clis)
    neu, _ = clis
    neu("port", "create", "--network", "provider", "--description",
        "a well-known, self-referential description -- long enough to wrap "
        "twice over at sixty columns", "--device-owner", "compute:nova", "p1")
    port = server.list("ports", params={"name": "p1"})[0]
    for width in ("1", "40", "60", "77", "100", "300"):
        shown = same(clis, "port", "show", port["id"], "--max-width", width)
        same(clis, "port", "list", "--long", "--max-width", width)
        if width == "40":  # Field and Value near their minimum, 16 each
            assert max(map(len, shown.stdout.splitlines())) <= 40
    same(clis, "network", "list", "--long", "--max-width", "50")
    same(clis, "subnet", "show", "provider", "--max-width", "45", "-c", "id", "-c",
         "allocation_pools", "-c", "cidr")
