/* The config file of `ike-conform peer` (docs/peer-config.md): YAML in the
 * suites' vocabulary into a struct ike_config plus what the peer process
 * needs around the engine (sockets, log, how long to run, PKI file paths).
 *
 * The proposal, group and lifetime readers are public so the suite loader
 * reads the same spellings the same way. */
#ifndef IKEC_SUITE_PEERCFG_H
#define IKEC_SUITE_PEERCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/log.h"
#include "ike/config.h"
#include "suite/yaml.h"

#define PEERCFG_MAX_LISTEN 8

struct peercfg {
	struct ike_config ike;             /* ike.psk points into psk below */
	/* sockets: listen[i] with its IKE port; natt_port 0: no NAT-T socket */
	struct netaddr listen[PEERCFG_MAX_LISTEN];
	size_t nlisten;                    /* at least one after a load */
	uint16_t natt_port;
	/* NAT-T keepalives (RFC 3948 2.3) on a floated SA with a NAT on our
	   side (or natt_force), every natt_keepalive_ms; 0: none */
	uint32_t natt_keepalive_ms;
	/* initiator only: whom to start with (port 500 unless given) */
	bool has_remote;
	struct netaddr remote;
	/* exchanges (Phase 1 + Quick Mode) before exiting; 0: run forever */
	unsigned exchanges;
	char *log_file;                    /* NULL: stderr */
	enum log_level log_level;
	/* PKI paths as written, for ike_config_load_creds(&ike, key, cert,
	 * chain, ca, ...) in the peer process, and the CRL file for
	 * peercfg_load_crl; NULL when absent */
	char *cert, *key, *chain, *ca, *crl;
	chunk_t psk;                       /* owned; wiped by peercfg_free */
	chunk_t psk_keys[IKE_MAX_PSKS];    /* ike.psks[i].psk, owned the same way */
};

/* Load a file. On failure err has the first error with its position and
 * out is freed (peercfg_free on it is still safe). */
bool peercfg_load_file(const char *path, struct peercfg *out, struct yaml_error *err);
/* The same from a string; name appears in messages. */
bool peercfg_load_string(const char *name, const char *text, struct peercfg *out,
			 struct yaml_error *err);
/* From a mapping already loaded (a suite's peer_config); what names it in
 * messages ("config" for a whole file). */
bool peercfg_from_node(const struct yaml_node *map, const char *what, struct peercfg *out,
		       struct yaml_error *err);
/* Frees what the load made (the CRLs too), and ike_config_clear()s the
 * engine config (credentials the peer process loaded into it). */
void peercfg_free(struct peercfg *c);
/* The CRLs of c->crl (PEM, one or more) into c->ike.crls; true without
 * doing anything when there is no crl key. Call it after
 * ike_config_load_creds. False with err naming the file. */
bool peercfg_load_crl(struct peercfg *c, char *err, size_t errlen);

/* ---- IDs ----
 * An ID as one word of text without spaces or quotes, for the state
 * files (docs/peer-config.md) and the self peer's config: "%any" for type
 * 0, "ipv4:192.0.2.1", "ipv6:2001:db8::1", "fqdn:moon.example.org",
 * "ufqdn:moon@example.org", "keyid:text" as ike_id_parse writes them;
 * a DN, and text that has a space, a quote, a backslash, a byte outside
 * printable ASCII or a leading '#', as "<type>:#<hex of the bytes>"
 * ("dn:#3041310b...", "keyid:#0001ff"); a type without a name as
 * "id<N>:#<hex>". False when buf is too small. */
bool peercfg_id_text(const struct ike_id *id, char *buf, size_t len);
/* Its inverse, and everything ike_id_parse reads ("dn:C=CH, O=..."). */
bool peercfg_id_read(const char *s, struct ike_id *out, char *err, size_t errlen);
/* id_checks: strict | lenient. */
bool peercfg_id_checks(const struct yaml_node *n, const char *what, enum ike_id_checks *out,
		       struct yaml_error *err);
/* One item of psks: a mapping { id: <ID text>, psk: <text> }; the ID is
 * not %any (that is what 'psk' is for), the key a non-empty string. *psk points
 * into the document. */
bool peercfg_psk_item(const struct yaml_node *n, struct ike_id *id, const char **psk,
		      struct yaml_error *err);

/* A DH group: a number 1-30 the crypto module implements or a group name
 * ("modp2048", "ecp256"). */
/* A cipher with its key bits where they vary ("aes256", "3des",
 * "blowfish448") into x->encr and x->keylen; a hash name into out. */
bool peercfg_encr(const struct yaml_node *n, const char *what, struct ike_p1_xform *x,
		  struct yaml_error *err);
bool peercfg_hash(const struct yaml_node *n, const char *what, uint16_t *out,
		  struct yaml_error *err);
bool peercfg_group(const struct yaml_node *n, const char *what, uint16_t *out,
		   struct yaml_error *err);
/* pfs: none (or false) or a group, into *out (0: none). */
bool peercfg_pfs(const struct yaml_node *n, const char *what, uint16_t *out,
		 struct yaml_error *err);
/* mode: tunnel, transport, udp-tunnel or udp-transport, as an IKE_ENCAP_ value. */
bool peercfg_mode(const struct yaml_node *n, const char *what, uint16_t *out,
		  struct yaml_error *err);
/* A lifetime: "8h" / "3600" (seconds), "4608000kb", or a list of one of
 * each; what is absent stays 0. */
bool peercfg_lifetime(const struct yaml_node *n, const char *what, uint32_t *sec,
		      uint32_t *kb, struct yaml_error *err);
/* natt: all | none | rfc3947 | [rfc3947, draft-03, draft-02] into a set
 * of IKE_NATT_BIT()s. */
bool peercfg_natt(const struct yaml_node *v, const char *key, uint8_t *out,
		  struct yaml_error *err);
/* lifetime_policy: accept | not-longer | notify */
bool peercfg_life_policy(const struct yaml_node *v, const char *key, enum ike_life_policy *out,
			 struct yaml_error *err);
/* An auth method name (psk, rsa, ecdsa, ecdsa256, ecdsa384, ecdsa521, dss). */
bool peercfg_auth(const struct yaml_node *n, const char *what, uint16_t *out,
		  struct yaml_error *err);
/* A Phase 1 proposal: "aes128-sha256-modp2048" or a mapping {encryption,
 * hash, group, auth, lifetime}; fields the text or mapping leaves out come
 * from def (its auth and lifetimes). */
bool peercfg_p1(const struct yaml_node *n, const struct ike_p1_xform *def,
		struct ike_p1_xform *out, struct yaml_error *err);

#endif
