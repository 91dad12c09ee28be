/* The libreswan peer driver: one pluto (libreswan 4.10, unpacked aside by
 * ci/libreswan.sh, never installed) per network namespace, configured per
 * case through a generated ipsec.conf and ipsec.secrets, driven with the
 * tree's own whack and addconn over pluto's control socket.
 *
 *   proposal.c   our transform numbers <-> libreswan's ike=/phase2alg=
 *                keywords and the names pluto logs
 *   conf.c       ipsec.conf (config setup and the case's conn) and
 *                ipsec.secrets (pure)
 *   view.c       whack --showstates / --trafficstatus and pluto's log
 *                into a view, IKE/IPsec attempts counted in the log (pure)
 *   libreswan.c  pluto's lifecycle, whack and addconn, NSS, the peer_ops */
#ifndef IKEC_PEERS_LIBRESWAN_H
#define IKEC_PEERS_LIBRESWAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "peers/peer.h"

/* Inside the unpacked tree. */
#define LIBRESWAN_PLUTO "usr/libexec/ipsec/pluto"
#define LIBRESWAN_WHACK "usr/libexec/ipsec/whack"
#define LIBRESWAN_ADDCONN "usr/libexec/ipsec/addconn"
#define LIBRESWAN_LIBDIR "usr/lib/x86_64-linux-gnu"
/* NSS's tools (libnss3-tools), from the system. */
#define LIBRESWAN_CERTUTIL "/usr/bin/certutil"
#define LIBRESWAN_PK12UTIL "/usr/bin/pk12util"
#define LIBRESWAN_CRLUTIL "/usr/bin/crlutil"

/* --- proposals (proposal.c) --- */

/* "aes128-sha2_256-modp2048" for one phase-1 transform (libreswan 4.10's
 * IKEv1 algorithms: 3DES, AES, Camellia; MD5, SHA-1, SHA-2; MODP 1536 to
 * 8192 and ECP 256/384/521). False with the reason for what it lacks
 * (DES, Blowfish, CAST, MODP 768/1024 in Debian's build, EC2N, ...). */
bool libreswan_ike_proposal(const struct ike_p1_xform *x, char *buf, size_t len, char *err,
			    size_t errlen);
/* "aes128-sha2_256", "aes_gcm16_256-null", "3des-md5-modp2048" (the PFS
 * group last) for one ESP transform. */
bool libreswan_esp_proposal(const struct ike_p2_xform *x, char *buf, size_t len, char *err,
			    size_t errlen);
/* Every proposal of a case, comma-separated; false on the first one
 * libreswan cannot express, or when the ESP proposals disagree on PFS
 * (pluto's pfs= is one per conn). */
bool libreswan_ike_proposals(const struct ike_p1_xform *x, size_t n, char *buf, size_t len,
			     char *err, size_t errlen);
bool libreswan_esp_proposals(const struct ike_p2_xform *x, size_t n, char *buf, size_t len,
			     char *err, size_t errlen);

/* The names pluto logs back into our numbers; 0 when unknown. Phase-1
 * "AES_CBC_128" into encr (enum cipher_alg) and *keylen (bits, 0 for a
 * fixed-key cipher); "HMAC_SHA2_256" into a hash (enum prf_alg);
 * "MODP2048", "DH19" into a group; ESP "AES_GCM_16_256" into a transform
 * (enum ike_esp_id) and *keylen; "HMAC_SHA1_96" into an ESP auth. */
uint16_t libreswan_ike_encr_id(const char *name, size_t len, uint16_t *keylen);
uint16_t libreswan_hash_id(const char *name, size_t len);
uint16_t libreswan_group_id(const char *name, size_t len);
uint16_t libreswan_esp_encr_id(const char *name, size_t len, uint16_t *keylen);
uint16_t libreswan_esp_auth_id(const char *name, size_t len);

/* --- configuration files (conf.c) --- */

/* The config setup section for a pluto working in dir: its log
 * (dir/pluto.log, appended), NSS database dir/nss, secrets dir/ipsec.secrets,
 * IKEv1 accepted, one SA per peer not enforced. */
bool libreswan_setup_conf(const char *dir, char *buf, size_t len, char *err, size_t errlen);
/* The case's conn (named c->name) into buf, after the setup section:
 * ikev2=no, authby=secret|rsasig, left (the peer) and right (the harness)
 * with their IDs, subnets and protocol/port, ike=, phase2alg=, pfs=,
 * aggressive, lifetimes, rekey margin, type, encapsulation,
 * nat-ikev1-method, and for signatures leftcert=nickname (NULL for PSK)
 * and leftsendcert. False with the reason for what pluto cannot be told
 * (ECDSA and DSS, lifetimes in kilobytes, a lifetime policy, id_checks,
 * CR modes, one of the two NAT-T drafts alone, address ranges, an ID its
 * syntax cannot hold) or when buf is too small. */
bool libreswan_conn_conf(const struct peer_case *c, const char *nickname, char *buf, size_t len,
			 char *err, size_t errlen);
/* An ID in ipsec.conf's syntax (leftid=...): an address bare, "@fqdn",
 * "user@fqdn", a DN as its text in quotes ("C=CH, O=..., CN=..."), a key
 * ID as "@#<hex>"; type 0: addr's address. False for what pluto would
 * read as another type. */
bool libreswan_id_str(const struct ike_id *id, const struct netaddr *addr, char *buf, size_t len,
		      char *err, size_t errlen);
/* ipsec.secrets: the case's PSK for any ID pair, and each PSK by harness
 * ID for that ID; keys in hex ("0x..."), so any byte is fine. Empty for
 * signature cases (pluto takes the key from NSS). */
bool libreswan_secrets(const struct peer_case *c, char *buf, size_t len, char *err,
		       size_t errlen);

/* --- views and logs (view.c) --- */

/* The peer's view of connection name from `whack --showstates` (states),
 * `whack --trafficstatus` (traffic, may be NULL) and pluto's log since the
 * case began (log, len bytes): the newest established ISAKMP SA of the
 * conn (STATE_MAIN_I4/R3, STATE_AGGR_I2/R2) with the algorithms its "IKE
 * SA established {...}" line names and the peer ID its "Peer ID is" line
 * names; the newest established IPsec SA (STATE_QUICK_I2/R2) with its
 * "IPsec SA established ... {ESP=>0x... <0x... xfrm=...}" line (SPIs,
 * transform, encapsulation) and the PFS group of its "pfsgroup=" (pfs_group
 * when pluto does not log one: the one configured), counters from
 * trafficstatus. Lifetimes are not shown by pluto: left 0 (unknown). The
 * text goes into out->raw. present false when there is none; false with
 * err only for text that is not whack's. */
bool libreswan_parse_view(const char *states, const char *traffic, const char *log, size_t len,
			  const char *name, uint16_t pfs_group, struct peer_sa_view *out,
			  char *err, size_t errlen);
/* ISAKMP and IPsec SA attempts (initiations, responses, replacements) in
 * pluto's log for connection name (NULL: every connection). */
size_t libreswan_count_attempts(const char *log, size_t len, const char *name);

/* --- the driver (libreswan.c) --- */

/* The unpacked tree: $IKEC_LIBRESWAN, else libreswan/ beside the running
 * binary; into buf. */
void libreswan_tree(char *buf, size_t len);
/* Whether pluto can run here (the tree unpacked, NSS's tools installed);
 * why not into why. */
bool libreswan_available(char *why, size_t len);
/* A driver for namespace ns (which must exist) working in dir (created if
 * missing): pluto started and answering on dir/run/pluto.ctl when this
 * returns. ops->stop ends pluto (whack --shutdown, then SIGKILL), reaps it,
 * removes its run directory and NSS database, and frees p. NULL with err. */
struct peer *libreswan_new(const char *ns, const char *dir, char *err, size_t errlen);
/* The driver's row (peers/drivers.c). */
extern const struct peer_driver libreswan_driver;
/* pluto's pid (0 when not running). */
pid_t libreswan_pid(const struct peer *p);

#endif
