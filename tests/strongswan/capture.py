#!/usr/bin/env python3
"""Re-make the vici fixtures of this folder from the strongSwan installed here.

Not run by the tests (it needs root, namespaces and charon); a maintainer
runs it when strongSwan's output changes, then reviews the diff:

    sudo python3 tests/strongswan/capture.py tests/strongswan

1. list-sa.vici / list-sa.pretty: two charons in throw-away namespaces
   (vicicap-a, vicicap-b) make a PSK Main Mode SA; `swanctl --list-sas
   --pretty` runs on b through a recording proxy on the vici socket:
   .vici holds every packet charon sent to swanctl (the EVENT_CONFIRM,
   the list-sa events, the reply), .pretty what swanctl printed for them.
2. load-*.vici: `swanctl --load-all --clear --noprompt --file` for the
   load-*/swanctl.conf folders, against a stand-in charon that records
   every request and answers success; .vici holds the requests as sent.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

SWANCTL = "/usr/sbin/swanctl"
CHARON = "/usr/lib/ipsec/charon"


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def recv_all(conn, n):
    data = b""
    while len(data) < n:
        more = conn.recv(n - len(data))
        if not more:
            return None
        data += more
    return data


def recv_packet(conn):
    head = recv_all(conn, 4)
    if head is None:
        return None
    return head + recv_all(conn, struct.unpack(">I", head)[0])


def packet(ptype, body=b""):
    return struct.pack(">I", 1 + len(body)) + bytes([ptype]) + body


def kv(key, value):
    return bytes([3, len(key)]) + key + struct.pack(">H", len(value)) + value


def charon_conf(d, ns):
    return f"""charon {{
\tload = random nonce openssl aes sha1 sha2 md5 hmac gcm gmp pem pkcs1 pkcs8 x509 pubkey revocation constraints kernel-libipsec kernel-netlink socket-default vici updown
\tport = 500
\tport_nat_t = 4500
\ti_dont_care_about_security_and_use_aggressive_mode_psk = yes
\tfilelog {{
\t\tikec {{
\t\t\tpath = {d}/charon.log
\t\t\tdefault = 1
\t\t}}
\t}}
\tplugins {{
\t\tvici {{
\t\t\tsocket = unix://{d}/vici
\t\t}}
\t}}
}}
swanctl {{
\tsocket = unix://{d}/vici
}}
"""


def swanctl_conf(name, me, peer, me_ts, peer_ts):
    return f"""connections {{
\t{name} {{
\t\tversion = 1
\t\tlocal_addrs = {me}
\t\tremote_addrs = {peer}
\t\tproposals = aes128-sha256-modp2048
\t\tencap = yes
\t\tlocal {{
\t\t\tauth = psk
\t\t\tid = "{me}"
\t\t}}
\t\tremote {{
\t\t\tauth = psk
\t\t\tid = "{peer}"
\t\t}}
\t\tchildren {{
\t\t\t{name} {{
\t\t\t\tlocal_ts = {me_ts}/32
\t\t\t\tremote_ts = {peer_ts}/32
\t\t\t\tesp_proposals = aes128-sha256
\t\t\t\tstart_action = none
\t\t\t}}
\t\t}}
\t}}
}}
secrets {{
\tike-{name} {{
\t\tsecret = "capture-psk"
\t\tid-1 = {me}
\t\tid-2 = {peer}
\t}}
}}
"""


def proxy_once(listen_path, target_path, record):
    """Forward one client to target; record what target sends back."""
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(listen_path)
    srv.listen(1)

    def run():
        client, _ = srv.accept()
        up = socket.socket(socket.AF_UNIX)
        up.connect(target_path)

        def pump(a, b, keep):
            while True:
                data = a.recv(65536)
                if not data:
                    b.shutdown(socket.SHUT_WR)
                    return
                if keep:
                    record.append(data)
                b.sendall(data)
        t = threading.Thread(target=pump, args=(up, client, True))
        t.start()
        pump(client, up, False)
        t.join(2)
        client.close()
        up.close()
        srv.close()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def capture_list_sas(out):
    tmp = tempfile.mkdtemp(prefix="vicicap-")
    procs = []
    try:
        sh("ip", "netns", "add", "vicicap-a")
        sh("ip", "netns", "add", "vicicap-b")
        sh("ip", "link", "add", "vicicap0", "netns", "vicicap-a", "type", "veth",
           "peer", "name", "vicicap1", "netns", "vicicap-b")
        # the inner addresses on lo, the other side's through the link:
        # charon's routes for the child need a way there
        for ns, dev, addr, inner, gw in (
                ("vicicap-a", "vicicap0", "192.0.2.1", "10.1.0.1", "192.0.2.2"),
                ("vicicap-b", "vicicap1", "192.0.2.2", "10.2.0.1", "192.0.2.1")):
            sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "addr", "add", inner + "/32", "dev", "lo")
            sh("ip", "-n", ns, "route", "add", "default", "via", gw)
        dirs = {}
        for ns, me, peer, me_ts, peer_ts in (
                ("vicicap-a", "192.0.2.1", "192.0.2.2", "10.1.0.1", "10.2.0.1"),
                ("vicicap-b", "192.0.2.2", "192.0.2.1", "10.2.0.1", "10.1.0.1")):
            d = os.path.join(tmp, ns)
            os.makedirs(d)
            dirs[ns] = d
            open(os.path.join(d, "strongswan.conf"), "w").write(charon_conf(d, ns))
            open(os.path.join(d, "swanctl.conf"), "w").write(swanctl_conf("cap", me, peer, me_ts, peer_ts))
            env = dict(os.environ, STRONGSWAN_CONF=os.path.join(d, "strongswan.conf"))
            procs.append(subprocess.Popen(
                ["ip", "netns", "exec", ns, "unshare", "-m", "sh", "-c",
                 "mount -t tmpfs tmpfs /run && exec " + CHARON],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for ns, d in dirs.items():
            env = dict(os.environ, STRONGSWAN_CONF=os.path.join(d, "strongswan.conf"))
            for _ in range(100):
                if subprocess.run([SWANCTL, "--stats"], env=env,
                                  capture_output=True).returncode == 0:
                    break
                time.sleep(0.1)
            subprocess.run([SWANCTL, "--load-all", "--noprompt", "--file",
                            os.path.join(d, "swanctl.conf")], env=env, check=True,
                           capture_output=True)
        env_a = dict(os.environ, STRONGSWAN_CONF=os.path.join(dirs["vicicap-a"],
                                                              "strongswan.conf"))
        res = subprocess.run([SWANCTL, "--initiate", "--child", "cap", "--timeout", "10"],
                             env=env_a, capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit("initiate failed: " + res.stdout + res.stderr)
        d = dirs["vicicap-b"]
        record = []
        proxy = os.path.join(d, "proxy")
        thread = proxy_once(proxy, os.path.join(d, "vici"), record)
        conf = os.path.join(d, "proxy.conf")
        open(conf, "w").write(f"swanctl {{\n\tsocket = unix://{proxy}\n}}\n")
        res = subprocess.run([SWANCTL, "--list-sas", "--noblock", "--pretty"],
                             env=dict(os.environ, STRONGSWAN_CONF=conf), check=True,
                             capture_output=True)
        thread.join(5)
        open(os.path.join(out, "list-sa.vici"), "wb").write(b"".join(record))
        open(os.path.join(out, "list-sa.pretty"), "wb").write(res.stdout)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(5)
        sh("ip", "netns", "del", "vicicap-a", check=False)
        sh("ip", "netns", "del", "vicicap-b", check=False)
        shutil.rmtree(tmp)


def stand_in(path, record, stop):
    """A charon that records requests and answers success (no SAs, no conns)."""
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        while True:
            pkt = recv_packet(conn)
            if pkt is None:
                break
            record.append(pkt)
            ptype = pkt[4]
            name = pkt[6:6 + pkt[5]]
            if ptype in (3, 4):
                conn.sendall(packet(5))
            elif name in (b"get-conns", b"get-keys", b"get-shared",
                          b"get-authorities", b"get-pools"):
                conn.sendall(packet(1))
            else:
                conn.sendall(packet(1, kv(b"success", b"yes")))
        conn.close()
    srv.close()


def capture_load(out, folder):
    tmp = tempfile.mkdtemp(prefix="vicicap-")
    try:
        sock = os.path.join(tmp, "vici")
        conf = os.path.join(tmp, "strongswan.conf")
        open(conf, "w").write(f"swanctl {{\n\tsocket = unix://{sock}\n}}\n")
        record, stop = [], threading.Event()
        thread = threading.Thread(target=stand_in, args=(sock, record, stop))
        thread.start()
        time.sleep(0.3)
        subprocess.run([SWANCTL, "--load-all", "--clear", "--noprompt", "--file",
                        os.path.abspath(os.path.join(out, folder, "swanctl.conf"))],
                       env=dict(os.environ, STRONGSWAN_CONF=conf), check=True,
                       capture_output=True)
        stop.set()
        thread.join(5)
        open(os.path.join(out, folder + ".vici"), "wb").write(b"".join(record))
    finally:
        shutil.rmtree(tmp)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    capture_list_sas(out)
    for folder in sorted(os.listdir(out)):
        if folder.startswith("load-") and os.path.isdir(os.path.join(out, folder)):
            capture_load(out, folder)


if __name__ == "__main__":
    main()
