#!/usr/bin/python3
"""Writes seed inputs for the nlreply fuzzer into corpus/nlreply/: real
kernel replies (link, address and route dumps, an ack, errors with
extended-ack text), captured in a throw-away namespace set up like a
qdhcp namespace of seed 000.  Run as root; the namespace is removed
again whatever happens.

    tests/fuzz/make-nlreply-corpus.py

Each file is one byte (where the fuzzer splits the rest into two
datagrams; 255 = all in the first) followed by the reply's datagrams."""

import os
import secrets
import socket
import struct
import subprocess
import sys
from pathlib import Path

NETLINK_ROUTE = 0
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
RTM_NEWLINK, RTM_GETLINK = 16, 18
RTM_NEWADDR, RTM_GETADDR = 20, 22
RTM_NEWROUTE, RTM_GETROUTE = 24, 26
NLMSG_ERROR, NLMSG_DONE = 2, 3
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11


def request(sock, seq, msg_type, flags, payload):
    """Sends one request; returns the reply's datagrams."""
    header = struct.pack("=IHHII", 16 + len(payload), msg_type,
                         NLM_F_REQUEST | flags, seq, 0)
    sock.send(header + payload)
    datagrams = []
    while True:
        data = sock.recv(65536)
        datagrams.append(data)
        offset = 0
        while offset + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            if kind in (NLMSG_ERROR, NLMSG_DONE):
                return datagrams
            offset += (length + 3) & ~3


def attr(kind, data):
    return struct.pack("=HH", 4 + len(data), kind) + data + b"\0" * (
        -len(data) % 4)


def capture(out):
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sock.bind((0, 0))
    ifinfo = struct.pack("=BxHiII", 0, 0, 0, 0, 0)
    ifaddr = struct.pack("=BBBBI", 0, 0, 0, 0, 0)
    rtmsg = struct.pack("=BBBBBBBBI", 0, 0, 0, 0, 0, 0, 0, 0, 0)
    replies = {
        "links": request(sock, 1, RTM_GETLINK, NLM_F_DUMP, ifinfo),
        "addrs": request(sock, 1, RTM_GETADDR, NLM_F_DUMP, ifaddr),
        "routes": request(sock, 1, RTM_GETROUTE, NLM_F_DUMP, rtmsg),
        "link-by-name": request(sock, 1, RTM_GETLINK, NLM_F_ACK,
                                ifinfo + attr(3, b"tap43bf8dcc-08\0")),
        "no-such-link": request(sock, 1, RTM_GETLINK, NLM_F_ACK,
                                ifinfo + attr(3, b"nosuchdev\0")),
        # A route via an unreachable gateway: an error with a message.
        "route-unreachable": request(
            sock, 1, RTM_NEWROUTE, NLM_F_ACK | 0x600,
            struct.pack("=BBBBBBBBI", socket.AF_INET, 8, 0, 0, 254, 4, 0, 1,
                        0)
            + attr(1, socket.inet_aton("10.0.0.0"))
            + attr(5, socket.inet_aton("192.168.1.1"))),
        # Link up, acked.
        "ack": request(sock, 1, RTM_NEWLINK, NLM_F_ACK,
                       struct.pack("=BxHiII", 0, 0, 2, 1, 1)),
    }
    for name, datagrams in replies.items():
        body = b"".join(datagrams)
        split = 255 if len(datagrams) == 1 else int(
            len(datagrams[0]) * 255 / len(body))
        (out / f"kernel-{name}").write_bytes(bytes([split]) + body)


def main():
    out = Path(__file__).resolve().parent / "corpus" / "nlreply"
    out.mkdir(parents=True, exist_ok=True)
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        capture(out)
        return
    ns = "ntn-corpus-" + secrets.token_hex(3)
    ip = ["ip", "-n", ns]
    dev = "tap43bf8dcc-08"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for cmd in (
                ["link", "add", dev, "type", "veth", "peer", "name", "ntn-p"],
                ["link", "set", dev, "address", "fa:16:3e:4a:1e:19", "up"],
                ["link", "set", "ntn-p", "up"],
                ["link", "set", "lo", "up"],
                ["addr", "add", "172.17.0.0/12", "brd", "+", "dev", dev],
                ["addr", "add", "169.254.169.254/32", "dev", dev],
                ["addr", "add", "2001:db8::2/64", "dev", dev, "nodad"],
                ["route", "add", "default", "via", "172.16.0.1",
                 "proto", "static"],
                ["-6", "route", "add", "default", "via", "2001:db8::1"]):
            subprocess.run(ip + cmd, check=True)
        subprocess.run(["ip", "netns", "exec", ns, sys.executable,
                        __file__, "--inside"], check=True)
    finally:
        subprocess.run(["ip", "netns", "delete", ns])


if __name__ == "__main__":
    main()
