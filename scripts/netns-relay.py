#!/usr/bin/python3
"""TCP relay from a network namespace to the root namespace's loopback.

    netns-relay.py NETNS LISTEN_PORT TARGET_PORT PIDFILE

Listens on 127.0.0.1:LISTEN_PORT inside namespace NETNS (/run/netns/NETNS)
and joins every connection accepted there to 127.0.0.1:TARGET_PORT as seen
from the namespace this process was started in.  The all-in-one uses it so
that neutrino-agent, inside its namespace host, reaches neutrino-server,
which listens on the root namespace's loopback for the CLIs: no device and
no address is added to the root namespace.

The listening socket is made on a short-lived thread that has entered
NETNS (setns() moves only the calling thread; a socket keeps the namespace
it was created in).  Plain byte copying both ways, a thread per connection:
the agent holds a handful.  Writes its PID to PIDFILE once it listens (so
whoever stops it can check the PID is still this relay: the path is on its
command line), then runs in the foreground until SIGTERM.
"""

import ctypes
import os
import select
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def listen_in(netns, port):
    """A listening socket on 127.0.0.1:port inside netns."""
    result = {}

    def body():
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open("/run/netns/" + netns, os.O_RDONLY)
        try:
            setns(target)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen(64)
            result["sock"] = s
        except OSError as exc:
            result["error"] = exc
        finally:
            setns(own)
            os.close(own)
            os.close(target)

    t = threading.Thread(target=body)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result["sock"]


def serve(conn, target_port):
    try:
        up = socket.create_connection(("127.0.0.1", target_port), timeout=5)
    except OSError:
        conn.close()
        return
    up.settimeout(None)
    # Each direction ends on its own: an EOF is passed on as a half-close,
    # so a reply still flows back after the request side is done.
    dest = {conn: up, up: conn}
    try:
        while dest:
            ready, _, _ = select.select(list(dest), [], [])
            for s in ready:
                data = s.recv(65536)
                if data:
                    dest[s].sendall(data)
                    continue
                dest[s].shutdown(socket.SHUT_WR)
                del dest[s]
    except OSError:
        pass
    finally:
        conn.close()
        up.close()


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: netns-relay.py NETNS LISTEN_PORT TARGET_PORT "
                 "PIDFILE")
    netns, listen_port, target_port = (sys.argv[1], int(sys.argv[2]),
                                       int(sys.argv[3]))
    listener = listen_in(netns, listen_port)
    with open(sys.argv[4], "w") as f:
        f.write("%d\n" % os.getpid())
    print("netns-relay: %s 127.0.0.1:%d -> 127.0.0.1:%d" % (
        netns, listen_port, target_port), flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, target_port),
                         daemon=True).start()


if __name__ == "__main__":
    main()
