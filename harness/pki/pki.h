/* Certificates and signatures for IKEv1 RSA-signature and ECDSA
 * authentication: a run-time test PKI, loading, chain verification, IDs
 * against certificates, IKEv1 signatures and CERT/CR payload data.
 *
 * Keys and certificates are OpenSSL's EVP_PKEY and X509; every fallible
 * call takes a struct pki_err (or NULL) and fills it with a sentence. */
#ifndef IKEC_PKI_PKI_H
#define IKEC_PKI_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/chunk.h"

struct pki_err {
	char msg[512];
};

/* ---- Loading ---------------------------------------------------------- */

/* A private key from a PEM (any of PKCS#8, PKCS#1, SEC1) or DER file. */
EVP_PKEY *pki_load_key(const char *path, struct pki_err *err);
/* The first certificate of a PEM or DER file. */
X509 *pki_load_cert(const char *path, struct pki_err *err);
/* Every certificate of a PEM file (a chain or CA bundle), or the one of a
 * DER file; NULL when there is none. Free with pki_certs_free. */
STACK_OF(X509) *pki_load_certs(const char *path, struct pki_err *err);
void pki_certs_free(STACK_OF(X509) *certs);
/* Every CRL of a PEM file (one or more X509 CRL blocks), or the one of a
 * DER file; NULL with the file named when there is none. Free with
 * pki_crls_free. */
STACK_OF(X509_CRL) *pki_load_crls(const char *path, struct pki_err *err);
void pki_crls_free(STACK_OF(X509_CRL) *crls);
/* A certificate from DER bytes (the data of a CERT payload). */
X509 *pki_cert_from_der(chunk_t der, struct pki_err *err);
/* The DER encoding of a certificate into a new chunk. */
bool pki_cert_der(X509 *cert, chunk_t *out);
/* Write a key (traditional PEM: "RSA/EC PRIVATE KEY", which every strongSwan
 * loader reads) or a certificate (PEM or DER) to a file. */
bool pki_write_key_pem(const char *path, EVP_PKEY *key, struct pki_err *err);
bool pki_write_cert(const char *path, X509 *cert, bool der, struct pki_err *err);

/* ---- Names and IDs ----------------------------------------------------- */

/* ID types (RFC 2407 4.6.2.1) this module checks against certificates. */
enum pki_id_type {
	PKI_ID_IPV4_ADDR = 1,
	PKI_ID_FQDN = 2,
	PKI_ID_USER_FQDN = 3,
	PKI_ID_IPV6_ADDR = 5,
	PKI_ID_DER_ASN1_DN = 9,
};

/* "C=CH, O=ike-conform, CN=moon.example.org" (most significant RDN first)
 * into DER; attribute names as OpenSSL knows them (C, ST, L, O, OU, CN,
 * emailAddress ...). */
bool pki_dn_from_string(const char *s, chunk_t *der, struct pki_err *err);
/* DER of a distinguished name back into that form, into buf; returns buf
 * ("(invalid DN)" when the DER does not parse). */
const char *pki_dn_str(chunk_t der, char *buf, size_t len);
/* The subject of a certificate as a string, into buf; returns buf. */
const char *pki_cert_subject_str(X509 *cert, char *buf, size_t len);
/* The subject DN as DER: the data of an ID_DER_ASN1_DN for this cert. */
bool pki_cert_subject_der(X509 *cert, chunk_t *out);
/* The default ID of a certificate: ID_DER_ASN1_DN of its subject. */
bool pki_cert_default_id(X509 *cert, uint8_t *id_type, chunk_t *data);
/* Whether an ID payload's identity (type and data, as received) is vouched
 * for by the certificate: DN = subject (same name, any string encoding),
 * FQDN = a SAN dNSName (case-insensitive), USER_FQDN = a SAN rfc822Name,
 * IPV4/IPV6 = a SAN iPAddress. False with the reason in why. */
bool pki_id_matches_cert(X509 *cert, uint8_t id_type, chunk_t id_data,
			 struct pki_err *why);

/* ---- Chain verification ------------------------------------------------ */

struct pki_verify_opts {
	STACK_OF(X509) *trusted;     /* trust anchors (required) */
	STACK_OF(X509) *untrusted;   /* received intermediates (may be NULL) */
	time_t at;                   /* check time; 0 for now */
	/* CRLs (may be NULL: no revocation check). The end entity alone is
	 * checked (X509_V_FLAG_CRL_CHECK), and only against a CRL of its own
	 * issuer: without one it is not refused for that, as strongSwan
	 * without strictcrlpolicy. A CRL that is there must verify and be
	 * current. */
	STACK_OF(X509_CRL) *crls;
};

/* Verify ee up to a trust anchor (purpose any). On failure code gets the
 * X509_V_ERR_* value (when non-NULL) and err the text of
 * X509_verify_cert_error_string with the depth and subject concerned. */
bool pki_verify_chain(X509 *ee, const struct pki_verify_opts *opts, int *code,
		      struct pki_err *err);
/* Whether an end entity may sign IKE authentication data (RFC 4945
 * 5.1.3.2): no keyUsage, or one with digitalSignature or nonRepudiation.
 * False with a sentence naming the bits it has. */
bool pki_check_sign_usage(X509 *cert, struct pki_err *why);

/* ---- IKEv1 signatures --------------------------------------------------- */

/* Phase-1 authentication methods (attribute class 3) with signatures. */
enum pki_auth {
	PKI_AUTH_DSS = 2,            /* named for messages; not supported */
	PKI_AUTH_RSA_SIG = 3,
	PKI_AUTH_ECDSA_256 = 9,      /* RFC 4754: P-256 */
	PKI_AUTH_ECDSA_384 = 10,     /* P-384 */
	PKI_AUTH_ECDSA_521 = 11,     /* P-521 */
};

enum pki_sig_kind { PKI_SIG_NONE, PKI_SIG_RSA, PKI_SIG_ECDSA };

/* Which signature an auth method uses: RSA also for the XAUTH and hybrid
 * RSA-signature variants (64221/64222, 65005/65006). For
 * ECDSA, *curve gets the OpenSSL group name ("prime256v1" ...). */
enum pki_sig_kind pki_auth_sig_kind(uint16_t method, const char **curve);
/* Whether a (private or public) key can do method: RSA for RSA methods,
 * an EC key on the method's curve for ECDSA. False with the reason. */
bool pki_key_fits_auth(EVP_PKEY *key, uint16_t method, struct pki_err *err);

/* Options of pki_sign_ex/pki_verify_ex. */
enum {
	/* ECDSA over H(HASH_I) with the method's hash (SHA-256/384/512)
	 * instead of over HASH_I itself; a reading of RFC 4754 that some
	 * implementations may take. strongSwan does not: the default signs
	 * HASH_I as the digest. */
	PKI_SIG_ECDSA_PREHASH = 1 << 0,
};

/* Sign HASH_I/HASH_R (hash) as IKEv1 does (RFC 2409 5.1): RSA is PKCS#1
 * v1.5 type 1 over the raw hash without DigestInfo; ECDSA (RFC 4754) gives
 * r || s, each left-padded to the size of the curve order. */
bool pki_sign(EVP_PKEY *key, uint16_t method, chunk_t hash, chunk_t *sig,
	      struct pki_err *err);
bool pki_sign_ex(EVP_PKEY *key, uint16_t method, unsigned flags, chunk_t hash,
		 chunk_t *sig, struct pki_err *err);
/* Check a received SIG payload's data against hash with the peer's public
 * key (an EVP_PKEY with or without the private half). */
bool pki_verify(EVP_PKEY *pub, uint16_t method, chunk_t hash, chunk_t sig,
		struct pki_err *err);
bool pki_verify_ex(EVP_PKEY *pub, uint16_t method, unsigned flags, chunk_t hash,
		   chunk_t sig, struct pki_err *err);
/* The same with the key of a certificate. */
bool pki_verify_cert(X509 *cert, uint16_t method, chunk_t hash, chunk_t sig,
		     struct pki_err *err);

/* ---- CERT and CR payloads ----------------------------------------------- */

#define PKI_CERT_X509_SIG 4          /* certificate encoding 4 */

/* Notify types a CERT parse failure maps to (RFC 2408 5.9). */
enum {
	PKI_NOTIFY_INVALID_CERT_ENCODING = 19,
	PKI_NOTIFY_INVALID_CERTIFICATE = 20,
};

/* The Certificate Data of a CERT payload with encoding 4: the DER cert. */
bool pki_cert_payload_data(X509 *cert, chunk_t *out);
/* A received CERT payload: encoding 4 gives the certificate; any other
 * encoding INVALID-CERT-ENCODING (RFC 2408 5.9), DER that does not parse
 * INVALID-CERTIFICATE (*notify, when non-NULL), each with a reason. */
X509 *pki_cert_payload_parse(uint8_t encoding, chunk_t data, uint16_t *notify,
			     struct pki_err *err);
/* The Certificate Authority field of a CR payload for a CA: the DER of
 * its subject name. */
bool pki_cr_ca_name(X509 *ca, chunk_t *out);
/* A received CR's Certificate Authority for type 4: empty (any CA) or
 * the DER of a distinguished name, nothing after it (RFC 4945 3.2.1). */
bool pki_cr_ca_check(chunk_t data, struct pki_err *err);

/* ---- Run-time test PKI --------------------------------------------------- */

enum pki_key_type {
	PKI_KEY_RSA2048,
	PKI_KEY_RSA3072,
	PKI_KEY_P256,
	PKI_KEY_P384,
	PKI_KEY_P521,
	PKI_KEY_RSA4096,
};

/* "rsa2048", "p256" ... */
const char *pki_key_type_name(enum pki_key_type t);

/* An end entity to issue from the intermediate CA. */
struct pki_host_spec {
	const char *name;     /* file prefix; CN and SAN default to name.example.org */
	enum pki_key_type key;
	const char *cn;       /* NULL: "<name>.example.org" */
	/* subjectAltName in OpenSSL syntax ("DNS:a,email:b,IP:192.0.2.1");
	 * NULL: "DNS:<cn>,email:<name>@example.org". */
	const char *san;
};

struct pki_spec {
	enum pki_key_type ca_key;             /* root and intermediate */
	const struct pki_host_spec *hosts;
	size_t n_hosts;
};

/* One key with its certificate, in memory and as files in the PKI dir. */
struct pki_cred {
	char *name;
	EVP_PKEY *key;
	X509 *cert;
	char *key_path;       /* <dir>/<name>.key */
	char *cert_path;      /* <dir>/<name>.crt */
	char *chain_path;     /* <dir>/<name>-chain.pem: cert + intermediate
				 (NULL for the CAs and the rogue cert) */
};

/* Which CAs a trust bundle holds (pki_testpki_trust_path). */
enum pki_trust { PKI_TRUST_ALL, PKI_TRUST_ROOT, PKI_TRUST_ROGUE, PKI_TRUST_N };

struct pki_testpki {
	char *dir;
	bool own_dir;                 /* made here; removed by pki_testpki_free */
	/* The three CAs are fixed (keys, serials, signatures from the seed,
	 * valid 2020-01-01..2049-12-31), so that every PKI issues the same
	 * named credentials. */
	struct pki_cred root;         /* "root-ca": self-signed, CA:TRUE */
	struct pki_cred inter;        /* "inter-ca": issued by root, pathlen 0 */
	struct pki_cred *hosts;       /* issued by inter, in spec order */
	size_t n_hosts;
	struct pki_cred expired;      /* "expired": by inter, expired yesterday */
	struct pki_cred rogue_ca;     /* "rogue-ca": unrelated self-signed CA (P-256) */
	struct pki_cred rogue;        /* "rogue": issued by rogue-ca */
	STACK_OF(X509) *trusted;      /* { root } */
	STACK_OF(X509) *intermediates;/* { inter } */
	struct pki_cred **named;      /* pki_testpki_cred's, in the order made */
	size_t n_named;
	char *trust_path[PKI_TRUST_N];/* <dir>/trust-{all,root,rogue}.pem */
	char *crl_path;               /* <dir>/inter-ca.crl */
};

/* The default spec: CAs RSA-2048; moon (RSA-2048, 192.0.2.1, 2001:db8::1),
 * sun (RSA-2048, 192.0.2.2, 2001:db8::2), carol (P-256, 192.0.2.3),
 * dave (P-384, 192.0.2.4), venus (P-521, 192.0.2.5); subjects
 * "C=CH, O=ike-conform, CN=<name>.example.org". */
const struct pki_spec *pki_testpki_default_spec(void);

/* Build the PKI (spec NULL: the default) and write every key, certificate
 * and chain as PEM into dir; dir NULL makes a fresh directory under $TMPDIR
 * (or /tmp) that pki_testpki_free removes. Also the trust bundles and an
 * empty CRL. Every key comes from a fixed seed and its (type, role) and
 * is cached for the process; the hosts, "expired" and "rogue" are dated
 * from now with random serials, as before. The caller's seeded random
 * stream, if any, is gone afterwards (crypto_rand_unseed). */
struct pki_testpki *pki_testpki_create(const char *dir, const struct pki_spec *spec,
				       struct pki_err *err);
/* A host by name, or NULL. */
const struct pki_cred *pki_testpki_host(const struct pki_testpki *p, const char *name);
/* ---- Named credentials, made on demand from a fixed seed ----
 * "HOST[-KEY][-VARIANT]": HOST lowercase letters (moon, sun, ...; CN
 * HOST.example.org, SAN DNS:HOST.example.org, email:HOST@example.org and
 * the host's test addresses); KEY rsa2048 (default), rsa3072, rsa4096,
 * p256, p384, p521; VARIANT one of expired, notyet, revoked (listed in
 * the intermediate's CRL), unknownca (issued by the rogue root), badku
 * (keyUsage without digitalSignature), nosan (no subjectAltName), direct
 * (issued by the root itself, no intermediate). Keys, serials and
 * signatures come from a fixed seed and the name, and every date is
 * fixed (end entities 2021-01-01..2045-01-01, expired 2020-01-01..
 * 2021-01-01, notyet 2045-01-01..2049-01-01), so a name gives the same
 * bytes in every run and every PKI. The name is canonical with its KEY:
 * "moon" is "moon-rsa2048" (cred->name, the files <dir>/moon-rsa2048.*),
 * so it never collides with the default host "moon". SANs: moon also
 * IP:192.0.2.1, IP:198.51.100.2, IP:2001:db8::1; sun IP:192.0.2.2,
 * IP:2001:db8::2. HOST may not be a KEY or VARIANT word. */
/* Whether name is such a name; why not into why. */
bool pki_cred_name_check(const char *name, char *why, size_t len);
/* The key word of a valid name ("rsa2048" when it names none); NULL for
 * a name that is not one. */
const char *pki_cred_name_key(const char *name);
/* The key word an auth method signs with: "p256", "p384", "p521" for
 * ECDSA, NULL for RSA (any size). */
const char *pki_auth_key_word(uint16_t method);
/* The credential host signs with under method: "moon" (the default host)
 * for RSA, "moon-p256" for ECDSA-256 ...; into buf. */
const char *pki_cred_name_for(const char *host, uint16_t method, char *buf, size_t len);
/* The credential of that name, made (and written into the PKI's dir, with
 * <name>-chain.pem when an intermediate issued it) on first use; later
 * calls return the same one. Make them before forking workers: making one
 * reseeds OpenSSL's generator and leaves it unseeded (a caller's seeded
 * stream is lost). */
const struct pki_cred *pki_testpki_cred(struct pki_testpki *p, const char *name,
					struct pki_err *err);
/* Trust bundles written in the PKI's dir: PKI_TRUST_ROOT the root alone,
 * PKI_TRUST_ALL the root and the intermediate, PKI_TRUST_ROGUE the rogue
 * root alone (enum pki_trust is above struct pki_testpki). */
const char *pki_testpki_trust_path(const struct pki_testpki *p, enum pki_trust t);
/* The intermediate's CRL (PEM; thisUpdate 2025-01-01, nextUpdate
 * 2049-01-01), listing every "-revoked" credential made so far: empty
 * from creation, rewritten atomically (rename) when one is made. */
const char *pki_testpki_crl_path(const struct pki_testpki *p);

/* Free everything; remove the directory when it was made here. */
void pki_testpki_free(struct pki_testpki *p);
/* Drop the process-wide key cache (for leak checks at exit). */
void pki_testpki_cache_clear(void);

#endif
