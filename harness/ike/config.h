/* What one engine does: role, exchange, proposals, keys, IDs, timers.
 * Plain data; a later issue fills it from YAML. Zero means "absent" for
 * every optional number, so a test can leave an attribute out entirely. */
#ifndef IKEC_IKE_CONFIG_H
#define IKEC_IKE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/addr.h"
#include "core/chunk.h"

#define IKE_MAX_PROPOSALS 16
#define IKE_MAX_ID 256

/* Phase-1 attribute values (RFC 2409 App. A). */
enum ike_auth_method {
	IKE_AUTH_PSK = 1, IKE_AUTH_DSS = 2, IKE_AUTH_RSA = 3,
	IKE_AUTH_ECDSA_256 = 9, IKE_AUTH_ECDSA_384 = 10, IKE_AUTH_ECDSA_521 = 11,
};

/* One phase-1 transform. 0: attribute not sent. */
struct ike_p1_xform {
	uint16_t encr;        /* class 1: enum cipher_alg */
	uint16_t keylen;      /* class 14, bits */
	uint16_t hash;        /* class 2: enum prf_alg */
	uint16_t auth;        /* class 3: enum ike_auth_method */
	uint16_t group;       /* class 4 */
	uint32_t life_sec;    /* class 11/12 */
	uint32_t life_kb;
};

/* ESP transform IDs and auth algorithms (RFC 2407 4.4.4, 4.5; RFC 4106). */
enum ike_esp_id {
	IKE_ESP_DES = 2, IKE_ESP_3DES = 3, IKE_ESP_NULL = 11, IKE_ESP_AES = 12,
	IKE_ESP_AES_GCM_8 = 18, IKE_ESP_AES_GCM_12 = 19, IKE_ESP_AES_GCM_16 = 20,
};
enum ike_esp_auth {
	IKE_EAUTH_NONE = 0, IKE_EAUTH_MD5 = 1, IKE_EAUTH_SHA1 = 2,
	IKE_EAUTH_SHA256 = 5, IKE_EAUTH_SHA384 = 6, IKE_EAUTH_SHA512 = 7,
};
enum ike_encap {
	IKE_ENCAP_TUNNEL = 1, IKE_ENCAP_TRANSPORT = 2,
	IKE_ENCAP_UDP_TUNNEL = 3, IKE_ENCAP_UDP_TRANSPORT = 4,
	/* draft-ietf-ipsec-nat-t-ike's numbers, still sent by some peers */
	IKE_ENCAP_UDP_TUNNEL_DRAFT = 61443, IKE_ENCAP_UDP_TRANSPORT_DRAFT = 61444,
};
/* ESP in UDP (RFC 3948): the UDP modes, RFC or draft numbers. */
bool ike_encap_is_udp(uint16_t encap);

/* A child SA whose transform carries no lifetime lives this long (RFC 2407
 * 4.5); Phase 1 has no such default in RFC 2409. */
#define IKE_P2_DEFAULT_LIFE_SEC 28800u

/* One phase-2 proposal (ESP, one transform). 0: attribute not sent. */
struct ike_p2_xform {
	uint16_t transform;   /* enum ike_esp_id */
	uint16_t keylen;      /* IPsec attr 6, bits */
	uint16_t auth;        /* IPsec attr 5 */
	uint16_t encap;       /* IPsec attr 4 */
	uint16_t group;       /* IPsec attr 3: PFS group; 0 no PFS */
	uint32_t life_sec;    /* IPsec attr 1/2 */
	uint32_t life_kb;
};

/* A phase-1 identity (RFC 2407 4.6.2). type 0: our IP address. */
struct ike_id {
	uint8_t type;
	uint8_t data[IKE_MAX_ID];
	size_t len;
};

/* A Quick Mode client ID (traffic selector). */
struct ike_ts {
	bool set;             /* false: no client IDs at all */
	uint8_t type;         /* ID_IPV4_ADDR, _SUBNET, _RANGE, IPv6 the same */
	uint8_t proto;
	uint16_t port;
	uint8_t data[32];
	size_t len;
};

enum ike_role { IKE_INITIATOR, IKE_RESPONDER };

/* How received IDs are judged beyond what RFC 2407 4.6.2 and RFC 4945
 * require (docs/identities.md has each check and its clause): lenient
 * refuses only what the RFCs forbid, strict also what they only show by
 * example (a USER_FQDN without '@' ...). */
enum ike_id_checks { IKE_ID_CHECKS_LENIENT, IKE_ID_CHECKS_STRICT };

#define IKE_MAX_PSKS 8

/* A pre-shared key for one peer ID (a responder holding several). */
struct ike_psk_entry {
	struct ike_id id;
	chunk_t psk;                      /* borrowed */
};

/* NAT-T versions (RFC 3947 and the drafts still seen in the field), best
 * last; struct ike_config.natt is a set of IKE_NATT_BIT(version). */
enum ike_natt_version {
	IKE_NATT_NONE, IKE_NATT_DRAFT_02, IKE_NATT_DRAFT_03, IKE_NATT_RFC3947,
};
#define IKE_NATT_BIT(v) (1u << (v))
#define IKE_NATT_ALL (IKE_NATT_BIT(IKE_NATT_DRAFT_02) | IKE_NATT_BIT(IKE_NATT_DRAFT_03) | \
		      IKE_NATT_BIT(IKE_NATT_RFC3947))
#define IKE_NATT_PORT 4500

/* Responder's handling of a proposed lifetime. */
enum ike_life_policy {
	IKE_LIFE_ACCEPT,      /* take the initiator's */
	IKE_LIFE_NOT_LONGER,  /* refuse a transform longer than ours */
	IKE_LIFE_NOTIFY,      /* accept, send RESPONDER-LIFETIME with ours
				 when shorter (Quick Mode) */
};

struct ike_config {
	enum ike_role role;
	uint8_t exchange;                 /* WIRE_X_MAIN or WIRE_X_AGGR */
	struct ike_p1_xform p1[IKE_MAX_PROPOSALS];
	size_t np1;
	chunk_t psk;                      /* borrowed */
	struct ike_id local_id, remote_id;/* remote type 0: accept any; an FQDN or
					     USER_FQDN remote_id may start with '*' */
	enum ike_id_checks id_checks;
	struct ike_psk_entry psks[IKE_MAX_PSKS];  /* by the peer's ID, before psk */
	size_t npsks;
	struct ike_p2_xform p2[IKE_MAX_PROPOSALS];
	size_t np2;
	struct ike_ts ts_local, ts_remote;
	enum ike_life_policy life_policy;
	uint32_t retrans_ms;              /* first timeout */
	uint32_t retrans_max_ms;          /* backoff cap */
	unsigned retrans_tries;           /* sends in all, first included */
	bool retrans_responder;           /* also our replies that the exchange's
					     next request acknowledges (mm2, mm4,
					     am2, qm2), as pluto and Cisco do */
	bool initial_contact;
	bool commit;                      /* Quick Mode commit bit (qm4) */
	bool am3_encrypted;               /* send Aggressive message 3 encrypted */
	bool notify_errors;               /* answer a refused message with a notify */
	size_t nonce_len;
	uint32_t dpd_idle_ms;             /* not used by scripts; for the peer */
	/* Automatic child rekey (engine.h): once the script is done, a child
	 * whose Quick Mode we initiated is replaced this long before its
	 * lifetime ends, then Deleted. 0: never rekey. */
	uint32_t rekey_margin_ms;
	uint8_t cookie_secret[32];        /* responder cookies (RFC 2408 2.5.3) */
	/* Signature authentication (RSA 3, ECDSA 9/10/11). Borrowed, unless
	 * ike_config_load_creds loaded them (then ike_config_clear frees). */
	EVP_PKEY *key;                    /* our private key */
	X509 *cert;                       /* our end-entity certificate */
	STACK_OF(X509) *chain;            /* intermediates sent after it */
	STACK_OF(X509) *trusted;          /* anchors for the peer's chain */
	X509 *peer_cert;                  /* used when the peer sends no CERT */
	STACK_OF(X509_CRL) *crls;         /* checked against the peer's chain (NULL:
					     no revocation check) */
	bool send_cert;                   /* CERT payloads (default on) */
	bool send_cert_ifasked;           /* ... only after a CR from the peer */
	bool send_chain;                  /* the intermediates too (default on) */
	bool send_cr;                     /* CR naming our trusted CAs (default on) */
	bool owns_creds;
	size_t max_sas;                   /* ike_server: SA table limit (0: 64) */
	/* NAT traversal: the versions we announce (0: none); natt_force
	 * claims a NAT (a NAT-D that cannot match) so that both sides float
	 * to the NAT-T port and encapsulate ESP, as strongSwan's encap=yes;
	 * natt_peer_port is where an initiator floats to (0: 4500). */
	uint8_t natt;
	bool natt_force;
	uint16_t natt_peer_port;
};

/* Defaults: initiator, Main Mode, no proposals, retransmission 500 ms
 * doubling up to 4 s, 5 tries, notify on errors, 32-byte nonces, a random
 * cookie secret. */
void ike_config_init(struct ike_config *c);
/* Free what ike_config_load_creds loaded (nothing else is owned). */
void ike_config_clear(struct ike_config *c);
/* Load our key, certificate, intermediates (a PEM file; a first
 * certificate equal to cert is skipped, so "<host>-chain.pem" works) and
 * trusted CA(s) from files; any path may be NULL. False with err. */
bool ike_config_load_creds(struct ike_config *c, const char *key_path, const char *cert_path,
			   const char *chain_path, const char *ca_path, char *err, size_t errlen);
/* Whether an auth method signs (RSA, ECDSA). */
bool ike_auth_is_sig(uint16_t method);
/* A method as configs and suites spell it ("psk", "rsa", "ecdsa256"...);
 * NULL for one without a name there. */
const char *ike_auth_name(uint16_t method);

/* Add a proposal; false when the table is full. */
bool ike_config_add_p1(struct ike_config *c, struct ike_p1_xform x);
bool ike_config_add_p2(struct ike_config *c, struct ike_p2_xform x);

/* "aes128-sha256-modp2048" / "3des-md5-1" / "aes256-sha512-ecp256-ecdsa256": encryption,
 * hash, group by name (cipher_by_name, prf_by_name, dh_group_by_name or the
 * number), optional auth (psk default, rsa, ecdsa256/384/521). False with err. */
bool ike_p1_parse(const char *s, struct ike_p1_xform *out, char *err, size_t errlen);
/* "aes128-sha1", "3des-md5", "aes256gcm16", "null-sha256" (+ "-modp2048"
 * for PFS); encapsulation tunnel. */
bool ike_p2_parse(const char *s, struct ike_p2_xform *out, char *err, size_t errlen);
/* "10.1.0.0/16", "10.1.0.1", "10.1.0.1-10.1.0.9", IPv6 the same; optional
 * "proto/port" after a space ("10.0.0.0/8 17/500"). */
bool ike_ts_parse(const char *s, struct ike_ts *out, char *err, size_t errlen);
/* "ipv4:192.0.2.1", "ipv6:2001:db8::1", "fqdn:vpn.example", "ufqdn:a@b.c",
 * "keyid:..", "dn:C=CH, O=ike-conform, CN=moon.example.org", or a bare
 * address. */
bool ike_id_parse(const char *s, struct ike_id *out, char *err, size_t errlen);
/* An ID in ike_id_parse's text, so that parsing it gives the same ID
 * ("fqdn:...", "ipv4:...", "dn:...", "keyid:#hex" ...); "%any" for type 0.
 * False when buf is too small. */
bool ike_id_format(const struct ike_id *id, char *buf, size_t len);
/* Whether a received ID (type and data as in the payload) is the one we
 * want: type 0 accepts any; FQDN/USER_FQDN compare without case, a
 * leading '*' matching any prefix; a DN by its RDNs (string encodings
 * aside; their order counts); others byte for byte. False with why. */
bool ike_id_match(const struct ike_id *want, uint8_t type, chunk_t data,
		  enum ike_id_checks checks, char *why, size_t len);

/* Key bits as used: the key-length attribute, or the cipher's default
 * (phase 1: the cipher table's; ESP: 128 for AES-CBC and AES-GCM). */
uint16_t ike_p1_keybits(const struct ike_p1_xform *x);
uint16_t ike_p2_keybits(const struct ike_p2_xform *x);
/* Bytes of ESP keys: encryption (with the 4-byte GCM salt) and integrity. */
size_t ike_esp_enc_len(const struct ike_p2_xform *x);
size_t ike_esp_int_len(const struct ike_p2_xform *x);
/* Short text of transforms for logs and results ("aes128-sha1-modp2048"). */
const char *ike_p1_str(const struct ike_p1_xform *x, char *buf, size_t len);
const char *ike_p2_str(const struct ike_p2_xform *x, char *buf, size_t len);

#endif
