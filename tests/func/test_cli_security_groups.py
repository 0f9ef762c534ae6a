"""`neutrino security group ...`, `security group rule ...`, `address group ...` and the
port options for groups, side by side with the real openstack CLI (test_cli.py's method).

The same server is read through both CLIs, whose outputs must be identical byte for byte
(every column and value in every format, the error messages and exit statuses); objects
made through neutrino are read back through openstack; a rule made through both CLIs with
the same options must come out the same.
"""

import json

import pytest

from conftest import needs_process
from test_cli import clis, formats, same, same_usage_error  # noqa: F401 (clis is a fixture)

pytestmark = needs_process

SG = ["security", "group"]
RULE = ["security", "group", "rule"]
AG = ["address", "group"]


def setup_groups(clis):
    """Two groups (one stateless, tagged), an address group and rules of every kind,
    all made with neutrino."""
    neu, _ = clis
    web = json.loads(neu(*SG, "create", "--description", "web servers", "--tag", "b",
                         "--tag", "a", "web", "-f", "json").stdout)
    db = json.loads(neu(*SG, "create", "--stateless", "db", "-f", "json").stdout)
    ag = json.loads(neu(*AG, "create", "--address", "10.0.0.1", "--address", "10.1.0.0/16",
                        "--address", "2001:db8:0:0::1", "--description", "office", "office",
                        "-f", "json").stdout)
    rules = [
        ["--protocol", "tcp", "--dst-port", "22", "--remote-ip", "10.0.0.0/8",
         "--description", "ssh"],
        ["--protocol", "ICMP", "--icmp-type", "8", "--icmp-code", "0", "--egress"],
        ["--protocol", "udp", "--dst-port", "100:200", "--remote-group", "db"],
        ["--protocol", "ipv6-icmp"],
        ["--remote-address-group", "office", "--protocol", "any"],
        ["--ethertype", "ipv6", "--remote-ip", "2001:db8::/64", "--protocol", "6",
         "--dst-port", "443"],
    ]
    for r in rules:
        neu(*RULE, "create", "web", *r)
    return web, db, ag


def test_groups_created_as_asked(server, clis):
    neu, osc = clis
    web, db, ag = setup_groups(clis)
    assert web["description"] == "web servers" and web["tags"] == ["a", "b"]
    assert web["stateful"] is True and db["stateful"] is False
    assert db["description"] == "db"            # the name, by default
    assert ag["addresses"] == ["10.0.0.1/32", "10.1.0.0/16", "2001:db8::1/128"]
    rules = json.loads(osc(*RULE, "list", "web", "-f", "json").stdout)
    by_range = {(r["IP Protocol"], r["Port Range"], r["Direction"]): r for r in rules}
    assert by_range[("tcp", "22:22", "ingress")]["IP Range"] == "10.0.0.0/8"
    assert ("icmp", "type=8", "egress") in by_range      # code 0 is not shown
    assert by_range[("udp", "100:200", "ingress")]["Remote Security Group"] == db["id"]
    assert by_range[(None, "", "ingress")]["Remote Address Group"] == ag["id"]
    assert by_range[("6", "443:443", "ingress")]["Ethertype"] == "IPv6"
    assert len(rules) == 8                               # and the two default egress rules


@pytest.mark.parametrize("kind,args", [
    ("one", SG + ["show", "web"]),
    ("one", SG + ["show", "default"]),
    ("list", SG + ["list"]),
    ("list", RULE + ["list", "web"]),
    ("list", RULE + ["list"]),
    ("one", RULE + ["show", "RULE"]),
    ("one", AG + ["show", "office"]),
    ("list", AG + ["list"]),
])
def test_read_commands_identical(server, clis, kind, args):
    neu, _ = clis
    setup_groups(clis)
    rule = json.loads(neu(*RULE, "list", "web", "--protocol", "udp", "-f", "json").stdout)
    args = [rule[0]["ID"] if a == "RULE" else a for a in args]
    cols = ["id", "name"] if kind == "one" else ["Name", "ID"]
    if args[:3] == RULE:
        cols = ["id", "protocol"] if kind == "one" else ["Port Range", "ID"]
    for extra in formats(kind) + [["-c", cols[0], "-c", cols[1]],
                                  ["--max-width", "60"]]:
        same(clis, *(args + extra))


@pytest.mark.parametrize("args", [
    RULE + ["list", "--ingress"],
    RULE + ["list", "--egress", "--protocol", "ICMP"],
    RULE + ["list", "web", "--long"],
    RULE + ["list", "web", "--ethertype", "ipv6"],
    SG + ["list", "--tags", "a"],
    SG + ["list", "--not-tags", "a", "--sort-column", "Name"],
    AG + ["list", "--name", "office"],
])
def test_list_filters_identical(server, clis, args):
    setup_groups(clis)
    same(clis, *args)


# The same options through both CLIs, in two groups: the same rule.
RULE_OPTIONS = [
    ["--protocol", "tcp", "--dst-port", "22"],
    ["--protocol", "ICMP", "--icmp-type", "0", "--icmp-code", "5", "--egress"],
    ["--proto", "58", "--icmp-type", "8"],
    ["--protocol", "udp", "--dst-port", "100:200", "--remote-group", "db"],
    ["--ethertype", "IPV6", "--remote-ip", "2001:db8::/64", "--description", "v6 net"],
    ["--remote-address-group", "office"],
    ["--protocol", "icmp", "--dst-port", "80"],       # ignored for ICMP, as openstack does
    [],
]


def test_rule_create_as_openstack(server, clis):
    neu, osc = clis
    setup_groups(clis)
    neu(*SG, "create", "one")
    neu(*SG, "create", "two")
    for opts in RULE_OPTIONS:
        mine = json.loads(neu(*RULE, "create", "one", *opts, "-f", "json").stdout)
        theirs = json.loads(osc(*RULE, "create", "two", *opts, "-f", "json").stdout)
        for r in (mine, theirs):
            for k in ("id", "created_at", "updated_at", "security_group_id"):
                r.pop(k)
        assert mine == theirs, opts
    same(clis, *RULE, "list", "one", "-c", "IP Protocol", "-c", "Port Range",
         "-c", "IP Range", "-c", "Direction", "--sort-column", "Port Range")
    # The groups show their rules alike (without the ids, which differ).
    a = json.loads(neu(*SG, "show", "one", "-f", "json").stdout)["rules"]
    b = json.loads(osc(*SG, "show", "two", "-f", "json").stdout)["rules"]
    strip = ("id", "created_at", "updated_at", "security_group_id")
    assert (sorted(json.dumps({k: v for k, v in r.items() if k not in strip}, sort_keys=True)
                   for r in a)
            == sorted(json.dumps({k: v for k, v in r.items() if k not in strip},
                                 sort_keys=True) for r in b))


def test_write_commands_seen_by_openstack(server, clis):
    neu, osc = clis
    web, db, ag = setup_groups(clis)
    neu(*SG, "set", "web", "--name", "www", "--description", "d", "--stateless",
        "--tag", "c")
    got = json.loads(osc(*SG, "show", "www", "-f", "json").stdout)
    assert (got["id"], got["description"], got["stateful"], got["tags"]) == (
        web["id"], "d", False, ["a", "b", "c"])
    neu(*SG, "unset", "www", "--tag", "a")
    neu(*SG, "set", "www", "--stateful", "--no-tag", "--tag", "z")
    got = json.loads(osc(*SG, "show", "www", "-f", "json").stdout)
    assert got["stateful"] is True and got["tags"] == ["z"]
    neu(*SG, "unset", "www", "--all-tag")
    assert json.loads(osc(*SG, "show", "www", "-f", "json").stdout)["tags"] == []

    neu(*AG, "set", "office", "--name", "hq", "--description", "q", "--address",
        "10.5.0.0/16", "--address", "::1")
    got = json.loads(osc(*AG, "show", "hq", "-f", "json").stdout)
    assert got["addresses"] == ["10.0.0.1/32", "10.1.0.0/16", "2001:db8::1/128",
                                "10.5.0.0/16", "::1/128"]
    neu(*AG, "unset", "hq", "--address", "::1/128", "--address", "10.0.0.1")
    assert json.loads(osc(*AG, "show", "hq", "-f", "json").stdout)["addresses"] == [
        "10.1.0.0/16", "2001:db8::1/128", "10.5.0.0/16"]

    rules = json.loads(osc(*RULE, "list", "www", "-f", "json").stdout)
    neu(*RULE, "delete", *[r["ID"] for r in rules[:3]])
    assert len(json.loads(osc(*RULE, "list", "www", "-f", "json").stdout)) == len(rules) - 3
    # The address group is in use by a rule until that rule goes.
    p = same(clis, *AG, "delete", "hq", check=False)
    assert p.returncode == 1 and "in use" in p.stderr
    for r in rules[3:]:
        neu(*RULE, "delete", r["ID"])
    neu(*AG, "delete", "hq")
    neu(*SG, "delete", "www", "db")
    assert [g["Name"] for g in json.loads(osc(*SG, "list", "-f", "json").stdout)] == [
        "default"]
    same(clis, *AG, "list")


def test_port_security_options(server, clis):
    neu, osc = clis
    setup_groups(clis)
    neu("network", "create", "net")
    neu("subnet", "create", "--network", "net", "--subnet-range", "10.70.0.0/24", "sub")
    neu(*SG, "create", "app")
    groups = {g["Name"]: g["ID"] for g in json.loads(osc(*SG, "list", "-f", "json").stdout)}

    def port(name):
        return json.loads(osc("port", "show", name, "-f", "json").stdout)

    neu("port", "create", "--network", "net", "p0")
    assert port("p0")["security_group_ids"] == [groups["default"]]
    neu("port", "create", "--network", "net", "--security-group", "web",
        "--security-group", groups["app"], "p1")
    assert sorted(port("p1")["security_group_ids"]) == sorted([groups["web"], groups["app"]])
    neu("port", "set", "p1", "--security-group", "default")
    assert len(port("p1")["security_group_ids"]) == 3
    neu("port", "unset", "p1", "--security-group", "web", "--security-group", "app")
    assert port("p1")["security_group_ids"] == [groups["default"]]
    neu("port", "set", "p1", "--no-security-group", "--security-group", "app")
    assert port("p1")["security_group_ids"] == [groups["app"]]
    neu("port", "create", "--network", "net", "--no-security-group",
        "--disable-port-security", "p2")
    got = port("p2")
    assert got["security_group_ids"] == [] and got["port_security_enabled"] is False
    neu("port", "set", "p2", "--enable-port-security", "--allowed-address",
        "ip-address=10.70.0.200", "--allowed-address",
        "ip-address=10.70.1.0/24,mac-address=fa:16:3e:00:00:09")
    got = port("p2")
    assert got["port_security_enabled"] is True
    assert got["allowed_address_pairs"] == [
        {"ip_address": "10.70.0.200", "mac_address": got["mac_address"]},
        {"ip_address": "10.70.1.0/24", "mac_address": "fa:16:3e:00:00:09"}]
    for fmt in formats("one"):
        same(clis, "port", "show", "p1", *fmt)
    same(clis, "port", "list", "--long")
    # A group in use cannot go; port security cannot go while groups are set.
    p = same(clis, *SG, "delete", "app", check=False)
    assert p.returncode == 1 and "in use" in p.stderr
    p = same(clis, "port", "set", "p1", "--disable-port-security", check=False)
    assert p.returncode == 1 and p.stderr


@pytest.mark.parametrize("args", [
    SG + ["show", "nope"],
    SG + ["delete", "nope", "web"],
    SG + ["delete", "nope", "other"],
    SG + ["set", "nope", "--name", "x"],
    SG + ["unset", "nope", "--tag", "x"],
    RULE + ["show", "nope"],
    RULE + ["delete", "nope"],
    RULE + ["list", "nope"],
    RULE + ["create", "nope"],
    RULE + ["create", "web", "--protocol", "bogus"],
    RULE + ["create", "web", "--protocol", "tcp", "--dst-port", "22",
            "--remote-ip", "10.0.0.0/8"],                     # a duplicate
    RULE + ["create", "web", "--icmp-code", "3"],
    RULE + ["create", "web", "--protocol", "tcp", "--icmp-type", "3"],
    RULE + ["create", "web", "--dst-port", "22", "--icmp-type", "3"],
    RULE + ["create", "web", "--dst-port", "0:abc"],
    RULE + ["create", "web", "--ethertype", "ipv6", "--remote-ip", "10.0.0.0/8"],
    RULE + ["create", "web", "--protocol", "tcp", "--dst-port", "0:70000"],
    RULE + ["create", "web", "--remote-group", "nope"],
    RULE + ["create", "web", "--remote-address-group", "nope"],
    AG + ["show", "nope"],
    AG + ["delete", "nope"],
    AG + ["create", "bad", "--address", "bogus"],
    AG + ["create", "bad", "--address", "10.0.0.0/33"],
    AG + ["set", "office", "--address", "10.0.0.1"],           # already there
    AG + ["unset", "office", "--address", "10.9.9.9"],         # not there
    ["port", "create", "--network", "net", "--security-group", "nope", "bad"],
    ["port", "unset", "p1", "--security-group", "db"],         # not on the port
    ["port", "set", "p1", "--security-group", "db"],           # stateful and stateless
    ["port", "unset", "p1", "--security-group", "nope"],
])
def test_errors_identical(server, clis, args):
    neu, _ = clis
    setup_groups(clis)
    neu("network", "create", "net")
    neu("port", "create", "--network", "net", "--security-group", "web", "p1")
    def counts():
        return [len(server.ok(server.get("/v2.0/" + path), 200)[key]) for path, key in (
            ("security-groups", "security_groups"),
            ("security-group-rules", "security_group_rules"),
            ("address-groups", "address_groups"), ("ports", "ports"))]

    before = counts()
    p = same(clis, *args, check=False)
    assert p.returncode == 1 and p.stderr
    after = counts()
    if "delete" not in args:
        assert after == before


@pytest.mark.parametrize("args", [
    SG + ["create"],
    SG + ["create", "x", "--stateful", "--stateless"],
    RULE + ["create", "web", "--ingress", "--egress"],
    RULE + ["create", "web", "--remote-ip", "10.0.0.0/8", "--remote-group", "web"],
    RULE + ["create", "web", "--ethertype", "ipv5"],
    RULE + ["create", "web", "--dst-port", "30:20"],
    RULE + ["create", "web", "--dst-port", "1:2:3"],
    RULE + ["create", "web", "--icmp-type", "x"],
    RULE + ["list", "a", "b"],
    ["port", "create", "--network", "n", "--security-group", "a", "--no-security-group", "x"],
])
def test_usage_errors(server, clis, args):
    same_usage_error(clis, args)
