/* The run-time test PKI: root and intermediate CA, end entities, an expired
 * certificate and an unrelated CA, made with OpenSSL and written as PEM.
 * No private key is ever committed; each process makes its own. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "pki/internal.h"

#define PKI_DN_PREFIX "C=CH, O=ike-conform, "
#define PKI_DAY (24L * 3600L)

static const struct pki_host_spec pki_default_hosts[] = {
	{ "moon", PKI_KEY_RSA2048, NULL,
	  "DNS:moon.example.org,email:moon@example.org,IP:192.0.2.1,IP:2001:db8::1" },
	{ "sun", PKI_KEY_RSA2048, NULL,
	  "DNS:sun.example.org,email:sun@example.org,IP:192.0.2.2,IP:2001:db8::2" },
	{ "carol", PKI_KEY_P256, NULL,
	  "DNS:carol.example.org,email:carol@example.org,IP:192.0.2.3" },
	{ "dave", PKI_KEY_P384, NULL,
	  "DNS:dave.example.org,email:dave@example.org,IP:192.0.2.4" },
	{ "venus", PKI_KEY_P521, NULL,
	  "DNS:venus.example.org,email:venus@example.org,IP:192.0.2.5" },
};

static const struct pki_spec pki_default = {
	PKI_KEY_RSA2048, pki_default_hosts,
	sizeof(pki_default_hosts) / sizeof(pki_default_hosts[0]),
};

const struct pki_spec *pki_testpki_default_spec(void)
{
	return &pki_default;
}

const char *pki_key_type_name(enum pki_key_type t)
{
	switch (t) {
	case PKI_KEY_RSA2048: return "rsa2048";
	case PKI_KEY_RSA3072: return "rsa3072";
	case PKI_KEY_P256: return "p256";
	case PKI_KEY_P384: return "p384";
	case PKI_KEY_P521: return "p521";
	}
	return "?";
}

/* ---- key cache ----------------------------------------------------------
 * RSA generation costs 50-200 ms a key, so keys live for the process, per
 * (type, role): two hosts never share a key (wrong-key tests need that),
 * but a second PKI in the same process reuses the first one's. Forked test
 * children inherit the cache. Not thread-safe; the harness forks. */

struct pki_cached_key {
	enum pki_key_type type;
	char *role;
	EVP_PKEY *key;
};

static struct pki_cached_key *pki_cache;
static size_t pki_cache_len;

static EVP_PKEY *pki_generate(enum pki_key_type type)
{
	switch (type) {
	case PKI_KEY_RSA2048: return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	case PKI_KEY_RSA3072: return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	case PKI_KEY_P256: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case PKI_KEY_P384: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	case PKI_KEY_P521: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	}
	return NULL;
}

/* A key for role, with a reference for the caller. */
static EVP_PKEY *pki_key_for(enum pki_key_type type, const char *role,
			     struct pki_err *err)
{
	for (size_t i = 0; i < pki_cache_len; i++)
		if (pki_cache[i].type == type && strcmp(pki_cache[i].role, role) == 0) {
			EVP_PKEY_up_ref(pki_cache[i].key);
			return pki_cache[i].key;
		}
	EVP_PKEY *key = pki_generate(type);
	if (!key) {
		pki_fail(err, "generating a %s key for %s failed",
			 pki_key_type_name(type), role);
		return NULL;
	}
	pki_cache = xrealloc(pki_cache, (pki_cache_len + 1) * sizeof(*pki_cache));
	pki_cache[pki_cache_len++] = (struct pki_cached_key){ type, xstrdup(role), key };
	EVP_PKEY_up_ref(key);
	return key;
}

void pki_testpki_cache_clear(void)
{
	for (size_t i = 0; i < pki_cache_len; i++) {
		EVP_PKEY_free(pki_cache[i].key);
		free(pki_cache[i].role);
	}
	free(pki_cache);
	pki_cache = NULL;
	pki_cache_len = 0;
}

/* ---- certificates ------------------------------------------------------ */

struct pki_cert_req {
	const char *subject;      /* DN string */
	EVP_PKEY *key;            /* subject's key */
	X509 *issuer;             /* NULL: self-signed */
	EVP_PKEY *issuer_key;     /* NULL: self-signed */
	long not_before;          /* seconds from now */
	long not_after;
	int ca;                   /* 0 EE, 1 CA, 2 CA with pathlen 0 */
	const char *san;          /* NULL: none */
};

static bool pki_add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value,
			struct pki_err *err)
{
	X509_EXTENSION *ex = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	if (!ex)
		return pki_fail(err, "extension %s=\"%s\" rejected", OBJ_nid2sn(nid), value);
	int ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return ok ? true : pki_fail(err, "cannot add extension %s", OBJ_nid2sn(nid));
}

static X509 *pki_make_cert(const struct pki_cert_req *r, struct pki_err *err)
{
	X509 *cert = X509_new();
	X509_NAME *subj = pki_name_parse(r->subject, err);
	bool self = !r->issuer;
	EVP_PKEY *signer = self ? r->key : r->issuer_key;
	uint64_t serial;
	if (!cert || !subj)
		goto fail;
	/* Random serials: strongSwan caches certificates by issuer and serial,
	 * so two runs must not reuse one. */
	if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1)
		goto fail_ossl;
	serial = (serial >> 2) | 1;
	if (!X509_set_version(cert, X509_VERSION_3) ||
	    !ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial) ||
	    !X509_set_subject_name(cert, subj) ||
	    !X509_set_issuer_name(cert, self ? subj : X509_get_subject_name(r->issuer)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), r->not_before) ||
	    !X509_gmtime_adj(X509_getm_notAfter(cert), r->not_after) ||
	    !X509_set_pubkey(cert, r->key))
		goto fail_ossl;

	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, self ? cert : r->issuer, cert, NULL, NULL, 0);
	bool rsa = EVP_PKEY_is_a(r->key, "RSA");
	const char *bc = r->ca == 2 ? "critical,CA:TRUE,pathlen:0" :
			 r->ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
	const char *ku = r->ca ? "critical,keyCertSign,cRLSign" :
			 rsa ? "critical,digitalSignature,keyEncipherment" :
			 "critical,digitalSignature";
	/* SKI before AKI: a self-signed AKI takes the cert's own SKI. */
	if (!pki_add_ext(cert, &ctx, NID_basic_constraints, bc, err) ||
	    !pki_add_ext(cert, &ctx, NID_key_usage, ku, err) ||
	    !pki_add_ext(cert, &ctx, NID_subject_key_identifier, "hash", err) ||
	    !pki_add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always", err) ||
	    (r->san && !pki_add_ext(cert, &ctx, NID_subject_alt_name, r->san, err)))
		goto fail;
	if (X509_sign(cert, signer, EVP_sha256()) <= 0)
		goto fail_ossl;
	X509_NAME_free(subj);
	return cert;
fail_ossl:
	pki_fail(err, "building the certificate \"%s\" failed", r->subject);
fail:
	X509_NAME_free(subj);
	X509_free(cert);
	return NULL;
}

/* ---- files ------------------------------------------------------------- */

static char *pki_path(const char *dir, const char *name, const char *suffix)
{
	size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s%s", dir, name, suffix);
	return p;
}

static bool pki_write_chain(const char *path, X509 *cert, X509 *inter,
			    struct pki_err *err)
{
	BIO *bio = BIO_new_file(path, "w");
	if (!bio)
		return pki_fail(err, "%s: cannot create the file", path);
	int ok = PEM_write_bio_X509(bio, cert) && PEM_write_bio_X509(bio, inter) &&
		 BIO_flush(bio) == 1;
	BIO_free(bio);
	return ok ? true : pki_fail(err, "%s: cannot write the chain", path);
}

/* Make one credential: key (cached), certificate, and its files. */
static bool pki_make_cred(struct pki_testpki *p, struct pki_cred *c,
			  const char *name, enum pki_key_type type,
			  struct pki_cert_req *req, bool chain, struct pki_err *err)
{
	c->name = xstrdup(name);
	c->key = pki_key_for(type, name, err);
	if (!c->key)
		return false;
	req->key = c->key;
	c->cert = pki_make_cert(req, err);
	if (!c->cert)
		return false;
	c->key_path = pki_path(p->dir, name, ".key");
	c->cert_path = pki_path(p->dir, name, ".crt");
	if (!pki_write_key_pem(c->key_path, c->key, err))
		return false;
	chmod(c->key_path, 0600);
	if (!pki_write_cert(c->cert_path, c->cert, false, err))
		return false;
	if (chain) {
		c->chain_path = pki_path(p->dir, name, "-chain.pem");
		return pki_write_chain(c->chain_path, c->cert, p->inter.cert, err);
	}
	return true;
}

static void pki_cred_free(struct pki_cred *c)
{
	free(c->name);
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
	free(c->key_path);
	free(c->cert_path);
	free(c->chain_path);
	memset(c, 0, sizeof(*c));
}

static int pki_rm_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

/* The directory the files go to: the one given, or a fresh one in
 * TMPDIR that pki_testpki_free removes. */
static bool pki_testpki_dir(struct pki_testpki *p, const char *dir, struct pki_err *err)
{
	if (dir) {
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			pki_fail(err, "%s: %s", dir, strerror(errno));
			return false;
		}
		p->dir = xstrdup(dir);
		return true;
	}
	const char *tmp = getenv("TMPDIR");
	p->dir = pki_path(tmp && *tmp ? tmp : "/tmp", "ike-conform-pki-", "XXXXXX");
	if (!mkdtemp(p->dir)) {
		pki_fail(err, "%s: %s", p->dir, strerror(errno));
		return false;
	}
	p->own_dir = true;
	return true;
}

/* The root CA and the intermediate it signs. */
static bool pki_testpki_cas(struct pki_testpki *p, const struct pki_spec *spec,
			    struct pki_err *err)
{
	struct pki_cert_req req = {
		.subject = PKI_DN_PREFIX "CN=ike-conform Root CA",
		.not_before = -365 * PKI_DAY, .not_after = 10 * 365 * PKI_DAY, .ca = 1,
	};
	if (!pki_make_cred(p, &p->root, "root-ca", spec->ca_key, &req, false, err))
		return false;
	req = (struct pki_cert_req){
		.subject = PKI_DN_PREFIX "OU=Test, CN=ike-conform Intermediate CA",
		.issuer = p->root.cert, .issuer_key = p->root.key,
		.not_before = -365 * PKI_DAY, .not_after = 5 * 365 * PKI_DAY, .ca = 2,
	};
	return pki_make_cred(p, &p->inter, "inter-ca", spec->ca_key, &req, false, err);
}

/* One host certificate per spec entry, from the intermediate. */
static bool pki_testpki_hosts(struct pki_testpki *p, const struct pki_spec *spec,
			      struct pki_err *err)
{
	p->hosts = xcalloc(spec->n_hosts ? spec->n_hosts : 1, sizeof(*p->hosts));
	p->n_hosts = spec->n_hosts;
	for (size_t i = 0; i < spec->n_hosts; i++) {
		const struct pki_host_spec *h = &spec->hosts[i];
		char cn[256], dn[320], san[512];
		if (h->cn)
			snprintf(cn, sizeof(cn), "%s", h->cn);
		else
			snprintf(cn, sizeof(cn), "%s.example.org", h->name);
		snprintf(dn, sizeof(dn), PKI_DN_PREFIX "CN=%s", cn);
		if (h->san)
			snprintf(san, sizeof(san), "%s", h->san);
		else
			snprintf(san, sizeof(san), "DNS:%s,email:%s@example.org", cn, h->name);
		struct pki_cert_req req = {
			.subject = dn, .issuer = p->inter.cert, .issuer_key = p->inter.key,
			.not_before = -3600, .not_after = 2 * 365 * PKI_DAY, .san = san,
		};
		if (!pki_make_cred(p, &p->hosts[i], h->name, h->key, &req, true, err))
			return false;
	}
	return true;
}

/* The negative cases, with EC keys so that they cost nothing to make: a
 * host expired yesterday (the CAs date back a year so that tests can move
 * the check time back to when it was still valid), a rogue root and a
 * host it signs. */
static bool pki_testpki_negatives(struct pki_testpki *p, struct pki_err *err)
{
	struct pki_cert_req req = {
		.subject = PKI_DN_PREFIX "CN=expired.example.org",
		.issuer = p->inter.cert, .issuer_key = p->inter.key,
		.not_before = -30 * PKI_DAY, .not_after = -PKI_DAY,
		.san = "DNS:expired.example.org",
	};
	if (!pki_make_cred(p, &p->expired, "expired", PKI_KEY_P256, &req, true, err))
		return false;
	req = (struct pki_cert_req){
		.subject = "C=CH, O=rogue, CN=Rogue Root CA",
		.not_before = -3600, .not_after = 10 * 365 * PKI_DAY, .ca = 1,
	};
	if (!pki_make_cred(p, &p->rogue_ca, "rogue-ca", PKI_KEY_P256, &req, false, err))
		return false;
	req = (struct pki_cert_req){
		.subject = "C=CH, O=rogue, CN=moon.example.org",
		.issuer = p->rogue_ca.cert, .issuer_key = p->rogue_ca.key,
		.not_before = -3600, .not_after = 365 * PKI_DAY,
		.san = "DNS:moon.example.org,IP:192.0.2.1",
	};
	return pki_make_cred(p, &p->rogue, "rogue", PKI_KEY_P256, &req, false, err);
}

/* The trust stacks: the root trusted, the intermediate to build chains.
 * The stacks hold references of their own. */
static bool pki_testpki_stacks(struct pki_testpki *p, struct pki_err *err)
{
	p->trusted = sk_X509_new_null();
	p->intermediates = sk_X509_new_null();
	if (!p->trusted || !p->intermediates || !sk_X509_push(p->trusted, p->root.cert)) {
		pki_fail(err, "out of memory");
		return false;
	}
	X509_up_ref(p->root.cert);
	if (!sk_X509_push(p->intermediates, p->inter.cert)) {
		pki_fail(err, "out of memory");
		return false;
	}
	X509_up_ref(p->inter.cert);
	return true;
}

struct pki_testpki *pki_testpki_create(const char *dir, const struct pki_spec *spec,
				       struct pki_err *err)
{
	if (!spec)
		spec = &pki_default;
	struct pki_testpki *p = xcalloc(1, sizeof(*p));
	if (!pki_testpki_dir(p, dir, err) || !pki_testpki_cas(p, spec, err) ||
	    !pki_testpki_hosts(p, spec, err) || !pki_testpki_negatives(p, err) ||
	    !pki_testpki_stacks(p, err)) {
		pki_testpki_free(p);
		return NULL;
	}
	return p;
}

const struct pki_cred *pki_testpki_host(const struct pki_testpki *p, const char *name)
{
	for (size_t i = 0; p && i < p->n_hosts; i++)
		if (strcmp(p->hosts[i].name, name) == 0)
			return &p->hosts[i];
	return NULL;
}

void pki_testpki_free(struct pki_testpki *p)
{
	if (!p)
		return;
	pki_certs_free(p->trusted);
	pki_certs_free(p->intermediates);
	pki_cred_free(&p->root);
	pki_cred_free(&p->inter);
	for (size_t i = 0; i < p->n_hosts; i++)
		pki_cred_free(&p->hosts[i]);
	free(p->hosts);
	pki_cred_free(&p->expired);
	pki_cred_free(&p->rogue_ca);
	pki_cred_free(&p->rogue);
	if (p->own_dir && p->dir)
		nftw(p->dir, pki_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(p->dir);
	free(p);
}
