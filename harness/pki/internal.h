/* Helpers shared by the pki sources; not part of the module's interface. */
#ifndef IKEC_PKI_INTERNAL_H
#define IKEC_PKI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pki/pki.h"

/* Fill err (when non-NULL) from fmt, appending the first OpenSSL error on
 * the queue if there is one; the queue is cleared. Returns false. */
bool pki_fail(struct pki_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Empty the error queue without reporting (after an expected failure). */
void pki_clear_openssl_errors(void);
/* i2d of an X509_NAME into a new chunk. */
bool pki_name_der(const X509_NAME *name, chunk_t *out);
/* DER that is one whole X509_NAME, nothing after it, into a new one; NULL
 * otherwise (the error queue cleared). */
X509_NAME *pki_name_from_der(chunk_t der);
/* "C=CH, O=x, CN=y" into a new X509_NAME. */
X509_NAME *pki_name_parse(const char *s, struct pki_err *err);
/* X509_NAME as "C=CH, O=x, CN=y" into buf. */
const char *pki_name_str(const X509_NAME *name, char *buf, size_t len);

/* ---- the test PKI (testpki.c, named.c) ---- */

#define PKI_DN_PREFIX "C=CH, O=ike-conform, "
#define PKI_DAY (24L * 3600L)
/* The seed every test-PKI key, and every fixed certificate, draws from. */
#define PKI_SEED UINT64_C(0x696b65632d706b69)   /* "ikec-pki" */
/* Fixed dates (seconds since 1970, UTC). */
#define PKI_T_2020 1577836800L
#define PKI_T_2021 1609459200L
#define PKI_T_2025 1735689600L
#define PKI_T_2045 2366841600L
#define PKI_T_2049 2493072000L
#define PKI_T_2050 2524608000L

/* A certificate to make: pki_make_cred fills key. */
struct pki_cert_req {
	const char *subject;      /* DN string */
	EVP_PKEY *key;            /* subject's key */
	X509 *issuer;             /* NULL: self-signed */
	EVP_PKEY *issuer_key;     /* NULL: self-signed */
	bool fixed;               /* dates below: absolute, not from now */
	long not_before;          /* seconds from now, or since 1970 */
	long not_after;
	int ca;                   /* 0 EE, 1 CA, 2 CA with pathlen 0 */
	const char *san;          /* NULL: none */
	const char *ku;           /* keyUsage; NULL: by role and key type */
	/* Serial and signature from the stream of this label (NULL: from
	 * OpenSSL's generator); unseeded afterwards. */
	const char *seed;
};

/* "<dir>/<name><suffix>", allocated. */
char *pki_path(const char *dir, const char *name, const char *suffix);
/* One credential: the key of (type, name) from the seed, the certificate
 * of req, its files; with chain, <name>-chain.pem (cert + intermediate). */
bool pki_make_cred(struct pki_testpki *p, struct pki_cred *c, const char *name,
		   enum pki_key_type type, struct pki_cert_req *req, bool chain,
		   struct pki_err *err);
void pki_cred_free(struct pki_cred *c);
/* The trust bundles and the (empty) CRL of a new PKI; freeing them and
 * the named credentials. */
bool pki_testpki_named_init(struct pki_testpki *p, struct pki_err *err);
void pki_testpki_named_free(struct pki_testpki *p);

#endif
