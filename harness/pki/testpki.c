/* The run-time test PKI: root and intermediate CA, end entities, an expired
 * certificate and an unrelated CA, made with OpenSSL and written as PEM.
 * No private key is ever committed; each process makes its own, from the
 * fixed seed (named.c has the named credentials, trust bundles, CRL). */
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

#include "crypto/rand.h"
#include "pki/internal.h"

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
	case PKI_KEY_RSA4096: return "rsa4096";
	}
	return "?";
}

/* ---- key cache ----------------------------------------------------------
 * Every key comes from the seed and its (type, role), so a role has the
 * same key in every process; two roles never share one (wrong-key tests
 * need that). RSA generation costs 50 ms to a few seconds a key, so keys
 * live for the process and a second PKI reuses the first one's. Forked
 * test children inherit the cache. Not thread-safe; the harness forks. */

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
	case PKI_KEY_RSA4096: return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
	case PKI_KEY_P256: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case PKI_KEY_P384: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	case PKI_KEY_P521: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	}
	return NULL;
}

/* OpenSSL's generator on the stream of label, for what follows. */
static bool pki_seed(const char *what, const char *label, struct pki_err *err)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s:%s", what, label);
	return crypto_rand_seed_for(PKI_SEED, buf) ? true :
	       pki_fail(err, "cannot seed the generator for %s", buf);
}

/* The key of (type, role) from the seed, with a reference for the caller. */
static EVP_PKEY *pki_key_for(enum pki_key_type type, const char *role,
			     struct pki_err *err)
{
	for (size_t i = 0; i < pki_cache_len; i++)
		if (pki_cache[i].type == type && strcmp(pki_cache[i].role, role) == 0) {
			EVP_PKEY_up_ref(pki_cache[i].key);
			return pki_cache[i].key;
		}
	char label[300];
	snprintf(label, sizeof(label), "%s:%s", role, pki_key_type_name(type));
	if (!pki_seed("key", label, err))
		return NULL;
	EVP_PKEY *key = pki_generate(type);
	crypto_rand_unseed();
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

/* Serial, names, dates and key of a new certificate. */
static bool pki_cert_fields(X509 *cert, const struct pki_cert_req *r,
			    X509_NAME *subj)
{
	uint64_t serial;
	/* Relative dates keep random serials: strongSwan caches certificates
	 * by issuer and serial, so two runs must not reuse one for different
	 * bytes. A seeded request draws the same serial for the same bytes. */
	if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1)
		return false;
	serial = (serial >> 2) | 1;
	ASN1_TIME *nb = X509_getm_notBefore(cert), *na = X509_getm_notAfter(cert);
	bool dates = r->fixed ? ASN1_TIME_set(nb, (time_t)r->not_before) &&
				ASN1_TIME_set(na, (time_t)r->not_after) :
				X509_gmtime_adj(nb, r->not_before) &&
				X509_gmtime_adj(na, r->not_after);
	return dates && X509_set_version(cert, X509_VERSION_3) &&
	       ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial) &&
	       X509_set_subject_name(cert, subj) &&
	       X509_set_issuer_name(cert, r->issuer ? X509_get_subject_name(r->issuer) : subj) &&
	       X509_set_pubkey(cert, r->key);
}

static X509 *pki_make_cert(const struct pki_cert_req *r, struct pki_err *err)
{
	X509 *cert = X509_new();
	X509_NAME *subj = pki_name_parse(r->subject, err);
	bool self = !r->issuer;
	EVP_PKEY *signer = self ? r->key : r->issuer_key;
	if (!cert || !subj)
		goto fail;
	if (r->seed && !pki_seed("cert", r->seed, err))
		goto fail;
	if (!pki_cert_fields(cert, r, subj))
		goto fail_ossl;

	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, self ? cert : r->issuer, cert, NULL, NULL, 0);
	bool rsa = EVP_PKEY_is_a(r->key, "RSA");
	const char *bc = r->ca == 2 ? "critical,CA:TRUE,pathlen:0" :
			 r->ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
	const char *ku = r->ku ? r->ku : r->ca ? "critical,keyCertSign,cRLSign" :
			 rsa ? "critical,digitalSignature,keyEncipherment" :
			 "critical,digitalSignature";
	/* SKI before AKI: a self-signed AKI takes the cert's own SKI. */
	if (!pki_add_ext(cert, &ctx, NID_basic_constraints, bc, err) ||
	    !pki_add_ext(cert, &ctx, NID_key_usage, ku, err) ||
	    !pki_add_ext(cert, &ctx, NID_subject_key_identifier, "hash", err) ||
	    !pki_add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always", err) ||
	    (r->san && !pki_add_ext(cert, &ctx, NID_subject_alt_name, r->san, err)))
		goto fail;
	/* RSA signatures are deterministic; ECDSA draws k from the stream */
	if (X509_sign(cert, signer, EVP_sha256()) <= 0)
		goto fail_ossl;
	if (r->seed)
		crypto_rand_unseed();
	X509_NAME_free(subj);
	return cert;
fail_ossl:
	pki_fail(err, "building the certificate \"%s\" failed", r->subject);
fail:
	if (r->seed)
		crypto_rand_unseed();
	X509_NAME_free(subj);
	X509_free(cert);
	return NULL;
}

/* ---- files ------------------------------------------------------------- */

char *pki_path(const char *dir, const char *name, const char *suffix)
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

bool pki_make_cred(struct pki_testpki *p, struct pki_cred *c, const char *name,
		   enum pki_key_type type, struct pki_cert_req *req, bool chain,
		   struct pki_err *err)
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

void pki_cred_free(struct pki_cred *c)
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

/* The root CA and the intermediate it signs, the same in every PKI of a
 * CA key type (the seed label names it): named credentials chain to them
 * wherever they were made. */
static bool pki_testpki_cas(struct pki_testpki *p, const struct pki_spec *spec,
			    struct pki_err *err)
{
	char root_seed[64], inter_seed[64];
	snprintf(root_seed, sizeof(root_seed), "root-ca:%s", pki_key_type_name(spec->ca_key));
	snprintf(inter_seed, sizeof(inter_seed), "inter-ca:%s", pki_key_type_name(spec->ca_key));
	struct pki_cert_req req = {
		.subject = PKI_DN_PREFIX "CN=ike-conform Root CA", .fixed = true,
		.not_before = PKI_T_2020, .not_after = PKI_T_2050 - 1, .ca = 1,
		.seed = root_seed,
	};
	if (!pki_make_cred(p, &p->root, "root-ca", spec->ca_key, &req, false, err))
		return false;
	req = (struct pki_cert_req){
		.subject = PKI_DN_PREFIX "OU=Test, CN=ike-conform Intermediate CA",
		.issuer = p->root.cert, .issuer_key = p->root.key, .fixed = true,
		.not_before = PKI_T_2020, .not_after = PKI_T_2050 - 1, .ca = 2,
		.seed = inter_seed,
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
 * host expired yesterday (the CAs date back to 2020 so that tests can move
 * the check time back to when it was still valid), a rogue root (fixed,
 * like the others: "-unknownca" credentials come from it) and a host it
 * signs. */
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
		.subject = "C=CH, O=rogue, CN=Rogue Root CA", .fixed = true,
		.not_before = PKI_T_2020, .not_after = PKI_T_2050 - 1, .ca = 1,
		.seed = "rogue-ca:p256",
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
	    !pki_testpki_stacks(p, err) || !pki_testpki_named_init(p, err)) {
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
	pki_testpki_named_free(p);
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
