/* The strongSwan peer driver: one charon per network namespace, configured
 * per case through a generated swanctl.conf and driven over a private
 * vici socket, as swanctl would drive it.
 *
 *   proposal.c   our transform numbers <-> strongSwan keywords and names
 *   conf.c       swanctl.conf and strongswan.conf generation (pure)
 *   vici.c       the vici protocol: packets, messages, --pretty text (pure)
 *   load.c       a swanctl.conf into the vici requests that load it
 *   view.c       `swanctl --list-sas --pretty` parsing, loop counting
 *   id.c         charon's printed IDs back into ike_id (the view's IDs)
 *   strongswan.c charon's lifecycle, the vici connection, the peer_ops */
#ifndef IKEC_PEERS_STRONGSWAN_H
#define IKEC_PEERS_STRONGSWAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "peers/peer.h"
#include "peers/strongswan/vici.h"

#define STRONGSWAN_CHARON "/usr/lib/ipsec/charon"
#define STRONGSWAN_SWANCTL "/usr/sbin/swanctl"

/* --- proposals (proposal.c) --- */

/* "aes128-sha256-modp2048" for one phase-1 transform into buf. False with
 * the reason in err when strongSwan cannot express it (EC2N groups, IDEA,
 * RC5, a key length the cipher does not have, ...). */
bool strongswan_ike_proposal(const struct ike_p1_xform *x, char *buf, size_t len,
			     char *err, size_t errlen);
/* "aes128-sha256", "aes256gcm16", "3des-md5-modp1024" (PFS group last) for
 * one ESP transform. Our IKE_EAUTH_SHA256 is HMAC-SHA-256-128 (RFC 4868),
 * which is strongSwan's "sha256" (not "sha256_96"). */
bool strongswan_esp_proposal(const struct ike_p2_xform *x, char *buf, size_t len,
			     char *err, size_t errlen);
/* A comma-separated list of every proposal of a case; false on the first
 * one strongSwan cannot express. */
bool strongswan_ike_proposals(const struct ike_p1_xform *x, size_t n, char *buf, size_t len,
			      char *err, size_t errlen);
bool strongswan_esp_proposals(const struct ike_p2_xform *x, size_t n, char *buf, size_t len,
			      char *err, size_t errlen);

/* strongSwan's list-sas names back into our numbers; 0 when unknown.
 * Phase-1 encryption (enum cipher_alg) from "AES_CBC", "3DES_CBC"...;
 * ESP transform (enum ike_esp_id) from "AES_CBC", "AES_GCM_16", "NULL"...;
 * the phase-1 hash (enum prf_alg) from "PRF_HMAC_SHA2_256" or from an
 * integrity name "HMAC_SHA2_256_128"; ESP auth (enum ike_esp_auth) from
 * "HMAC_SHA1_96"...; DH group number from "MODP_2048", "ECP_256"... */
uint16_t strongswan_ike_encr_id(const char *name);
uint16_t strongswan_esp_encr_id(const char *name);
uint16_t strongswan_hash_id(const char *name);
uint16_t strongswan_esp_auth_id(const char *name);
uint16_t strongswan_group_id(const char *name);

/* --- configuration files (conf.c) --- */

/* swanctl.conf for a case into buf: one `key = value` per line, sections
 * in braces. False with err on anything it cannot express or when buf is
 * too small. Signature cases name absolute certificate paths; the private
 * key, the CA bundle, the chain's intermediates and the CRL are not in the
 * file: configure puts them into private/, x509ca/ (one file per CA),
 * x509/ and x509crl/ beside it, where swanctl loads them from. IDs are
 * typed (DNs as "asn1dn:#" and their DER); PSKs by harness ID are secrets
 * ike-NAME-N owned by that ID alone; id_checks and send_cr ifasked are
 * refused (charon has no such settings). */
bool strongswan_swanctl_conf(const struct peer_case *c, char *buf, size_t len,
			     char *err, size_t errlen);
/* The over_time written for a phase-1 lifetime (see conf.c): what strongSwan
 * adds to the reauth time to get the hard IKE_SA lifetime. */
uint32_t strongswan_over_time(uint32_t life_sec);
/* strongswan.conf for a charon working in dir: plugins (kernel-libipsec
 * when the kernel has no ESP), log file dir/charon.log, vici socket
 * dir/vici for both charon and swanctl; NAT keepalives every keepalive_s
 * seconds (0: charon's default, 20 s). */
bool strongswan_charon_conf(const char *dir, bool libipsec, uint32_t keepalive_s, char *buf,
			    size_t len, char *err, size_t errlen);

/* --- loading over vici (load.c) --- */

/* One request of a load: its packet, what it loads (for its error), and
 * for a connection its name. */
struct strongswan_req {
	struct vici_msg msg;
	char command[32];        /* "load-conn", ... */
	char what[320];          /* "connection 'x'", "'/dir/private/k.pem'" */
	bool conn;               /* load-conn: its failure fails the load */
	char name[256];          /* load-conn: the connection */
};
struct strongswan_load {
	struct strongswan_req *req;
	size_t n;
};
/* The requests `swanctl --load-all --clear --noprompt --file file` sends
 * for text (file's contents), in its order: clear-creds; load-cert and
 * load-key for every regular file in the folders beside file (x509/,
 * x509ca/, ..., private/, rsa/, ecdsa/, pkcs8/); load-shared for each
 * shared secret of the secrets section; load-conn for each connection,
 * list-valued keys as lists, certs and cacerts as the files' contents.
 * Left to the caller: get-conns and unload-conn for the connections not in
 * the file. False with "file:line: ..." for what swanctl.conf may say but
 * this does not load (authorities, pools, templates, key passphrases). */
bool strongswan_load_build(const char *text, const char *file, struct strongswan_load *out,
			   char *err, size_t errlen);
void strongswan_load_free(struct strongswan_load *l);

/* --- views and logs (view.c) --- */

/* Parse `swanctl --list-sas --pretty` text: the first ESTABLISHED IKE SA of
 * connection name (any name when NULL) and its first INSTALLED child into
 * out (present false when there is none; that is not an error). life_sec
 * is established + reauth-time (or rekey-time): when strongSwan will
 * reauthenticate, counted from establishment; the driver adds its
 * over_time. The text is kept in out->raw (truncated to fit). False with
 * err only for text that is not list-sas output. */
bool strongswan_parse_sas(const char *text, const char *name, struct peer_sa_view *out,
			  char *err, size_t errlen);
/* The same, and the IKE SA's IDs (local-id, remote-id) into out's
 * local_id/remote_id, ids_known when both parse (strongswan_parse_id with
 * these hints: the types configured, 0 for none or %any). */
bool strongswan_parse_sas_hinted(const char *text, const char *name, uint8_t local_hint,
				 uint8_t remote_hint, struct peer_sa_view *out, char *err,
				 size_t errlen);
/* An ID as charon prints it (list-sas and its log, identification.c's
 * %Y: the text without its type) back into an ike_id: an address, the
 * FQDN or user FQDN text, a DN's "C=CH, O=..., CN=..." (re-encoded by
 * pki_dn_from_string: the string types of the RDNs are not in the text),
 * a key ID's colon hex ("0a:1b:...", printed when it is not printable
 * or 20 bytes long) or its text, "%any" as type 0. hint is the type
 * expected; taken when the text can be that type, else the form decides
 * as charon's parser would ('=': DN, an address, '@': user FQDN, colon
 * hex: key ID, anything else FQDN). False with err when it cannot be
 * read back (a DN with an attribute OpenSSL does not name, ...). */
bool strongswan_parse_id(const char *text, uint8_t hint, struct ike_id *out, char *err,
			 size_t errlen);
/* The unique IDs of every IKE SA in `swanctl --list-sas --pretty` text,
 * named or not (a responder's SA has no name before charon picks its
 * config from the ID in mm5), at most max into ids. Returns the count. */
size_t strongswan_parse_ike_ids(const char *text, uint32_t *ids, size_t max);
/* IKE_SA and CHILD_SA attempts (initiations, responses, establishments,
 * rekeys, reauthentications) in a charon log written with ike_name = yes,
 * for connection name (every connection when NULL). */
size_t strongswan_count_attempts(const char *log, size_t len, const char *name);

/* --- the driver (strongswan.c) --- */

/* charon and swanctl are installed. */
bool strongswan_available(void);
/* Whether the kernel accepts an ESP SA (probed once, in a throw-away
 * network namespace): kernel-netlink when it does, kernel-libipsec else. */
bool strongswan_kernel_esp(void);
/* A driver for namespace ns (which must exist) working in dir (created if
 * missing; strongswan.conf, charon.log and the vici socket live there).
 * charon is started and answering when this returns. ops->stop ends charon
 * (SIGTERM, then SIGKILL), reaps it and frees p; files stay. NULL with err. */
struct peer *strongswan_new(const char *ns, const char *dir, char *err, size_t errlen);
/* The driver's row (peers/drivers.c). */
extern const struct peer_driver strongswan_driver;
/* charon's pid (0 when not running). */
pid_t strongswan_pid(const struct peer *p);
/* Tear down the IKE SA (and children) of connection name, without waiting
 * for the other side; quiet when there is none. */
bool strongswan_terminate(struct peer *p, const char *name, char *err, size_t errlen);

/* Loop detection: remember where charon's log is now, then count the
 * attempts written since. */
struct strongswan_watch {
	long offset;          /* bytes of charon.log already seen */
	uint64_t start_ms;    /* CLOCK_MONOTONIC at the start */
};
void strongswan_watch_start(struct peer *p, struct strongswan_watch *w);
/* False with "peer loops: N attempts in M ms" when connection name (NULL:
 * any) made more than limit attempts since strongswan_watch_start; *count
 * (may be NULL) gets N either way. */
bool strongswan_watch_check(struct peer *p, const struct strongswan_watch *w, const char *name,
			    size_t limit, size_t *count, char *err, size_t errlen);

#endif
