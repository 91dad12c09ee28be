/* Named test credentials ("moon-p384-revoked"), made on demand with fixed
 * dates from the seed, the trust bundles and the intermediate's CRL. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crypto/rand.h"
#include "pki/internal.h"

#define PKI_NAME_MAX 64
#define PKI_HOST_MAX 32

enum pki_variant {
	PKI_V_NONE, PKI_V_EXPIRED, PKI_V_NOTYET, PKI_V_REVOKED, PKI_V_UNKNOWNCA,
	PKI_V_BADKU, PKI_V_NOSAN, PKI_V_DIRECT,
};

static const char *const pki_variant_names[] = {
	[PKI_V_EXPIRED] = "expired", [PKI_V_NOTYET] = "notyet",
	[PKI_V_REVOKED] = "revoked", [PKI_V_UNKNOWNCA] = "unknownca",
	[PKI_V_BADKU] = "badku", [PKI_V_NOSAN] = "nosan", [PKI_V_DIRECT] = "direct",
};

static const enum pki_key_type pki_named_keys[] = {
	PKI_KEY_RSA2048, PKI_KEY_RSA3072, PKI_KEY_RSA4096,
	PKI_KEY_P256, PKI_KEY_P384, PKI_KEY_P521,
};

#define PKI_N(a) (sizeof(a) / sizeof((a)[0]))
#define PKI_KEY_WORDS "rsa2048, rsa3072, rsa4096, p256, p384, p521"
#define PKI_VARIANT_WORDS "expired, notyet, revoked, unknownca, badku, nosan, direct"

/* The test topologies' addresses of a host, as SAN entries. */
static const struct {
	const char *host;
	const char *ips;
} pki_named_ips[] = {
	{ "moon", ",IP:192.0.2.1,IP:198.51.100.2,IP:2001:db8::1" },
	{ "sun", ",IP:192.0.2.2,IP:2001:db8::2" },
};

struct pki_name {
	char host[PKI_HOST_MAX + 1];
	enum pki_key_type key;
	enum pki_variant variant;
};

/* ---- the name grammar -------------------------------------------------- */

static bool pki_name_key_word(const char *w, enum pki_key_type *out)
{
	for (size_t i = 0; i < PKI_N(pki_named_keys); i++)
		if (strcmp(w, pki_key_type_name(pki_named_keys[i])) == 0) {
			*out = pki_named_keys[i];
			return true;
		}
	return false;
}

static bool pki_name_variant_word(const char *w, enum pki_variant *out)
{
	for (size_t i = 1; i < PKI_N(pki_variant_names); i++)
		if (strcmp(w, pki_variant_names[i]) == 0) {
			*out = (enum pki_variant)i;
			return true;
		}
	return false;
}

static bool pki_name_refuse(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool pki_name_refuse(char *why, size_t len, const char *fmt, ...)
{
	if (why && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* The host part: lowercase letters, not a word of the grammar. */
static bool pki_name_host(const char *name, const char *h, struct pki_name *out,
			  char *why, size_t len)
{
	size_t n = strlen(h);
	enum pki_key_type k;
	enum pki_variant v;
	if (n == 0 || n > PKI_HOST_MAX)
		return pki_name_refuse(why, len, "credential \"%s\": the host must be 1 to %d "
				       "lowercase letters", name, PKI_HOST_MAX);
	for (size_t i = 0; i < n; i++)
		if (h[i] < 'a' || h[i] > 'z')
			return pki_name_refuse(why, len, "credential \"%s\": the host \"%s\" "
					       "may hold lowercase letters a-z only", name, h);
	if (pki_name_key_word(h, &k) || pki_name_variant_word(h, &v))
		return pki_name_refuse(why, len, "credential \"%s\": \"%s\" is a key or "
				       "variant word, not a host (HOST[-KEY][-VARIANT])", name, h);
	memcpy(out->host, h, n + 1);
	return true;
}

/* The parts after the host: [KEY][-VARIANT]. */
static bool pki_name_tail(const char *name, char **part, size_t n, struct pki_name *out,
			  char *why, size_t len)
{
	size_t i = 0;
	if (i < n && pki_name_key_word(part[i], &out->key))
		i++;
	if (i < n && pki_name_variant_word(part[i], &out->variant))
		i++;
	if (i == n)
		return true;
	enum pki_key_type k;
	if (i > 0 && pki_name_key_word(part[i], &k))
		return pki_name_refuse(why, len, "credential \"%s\": the key \"%s\" comes "
				       "before the variant, once (HOST[-KEY][-VARIANT])",
				       name, part[i]);
	if (i > 0)
		return pki_name_refuse(why, len, "credential \"%s\": \"%s\" after \"%s\": one "
				       "variant at most (HOST[-KEY][-VARIANT])", name, part[i],
				       part[i - 1]);
	return pki_name_refuse(why, len, "credential \"%s\": \"%s\" is neither a key ("
			       PKI_KEY_WORDS ") nor a variant (" PKI_VARIANT_WORDS ")",
			       name, part[i]);
}

static bool pki_name_parse_cred(const char *name, struct pki_name *out, char *why,
				size_t len)
{
	char buf[PKI_NAME_MAX + 1], *part[4];
	size_t n = 0;
	*out = (struct pki_name){ .key = PKI_KEY_RSA2048, .variant = PKI_V_NONE };
	if (!name || !*name)
		return pki_name_refuse(why, len, "empty credential name");
	if (strlen(name) > PKI_NAME_MAX)
		return pki_name_refuse(why, len, "credential \"%.*s...\" is longer than %d "
				       "characters", 16, name, PKI_NAME_MAX);
	memcpy(buf, name, strlen(name) + 1);
	for (char *s = buf, *dash; n < PKI_N(part); s = dash + 1) {
		part[n++] = s;
		if (!(dash = strchr(s, '-')))
			break;
		*dash = '\0';
	}
	for (size_t i = 0; i < n; i++)
		if (!*part[i])
			return pki_name_refuse(why, len, "credential \"%s\": an empty part "
					       "(HOST[-KEY][-VARIANT])", name);
	if (n > 3)
		return pki_name_refuse(why, len, "credential \"%s\": more parts than "
				       "HOST-KEY-VARIANT", name);
	return pki_name_host(name, part[0], out, why, len) &&
	       pki_name_tail(name, part + 1, n - 1, out, why, len);
}

bool pki_cred_name_check(const char *name, char *why, size_t len)
{
	struct pki_name n;
	return pki_name_parse_cred(name, &n, why, len);
}

const char *pki_cred_name_key(const char *name)
{
	struct pki_name n;
	return pki_name_parse_cred(name, &n, NULL, 0) ? pki_key_type_name(n.key) : NULL;
}

const char *pki_auth_key_word(uint16_t method)
{
	switch (method) {
	case PKI_AUTH_ECDSA_256: return "p256";
	case PKI_AUTH_ECDSA_384: return "p384";
	case PKI_AUTH_ECDSA_521: return "p521";
	default: return NULL;
	}
}

const char *pki_cred_name_for(const char *host, uint16_t method, char *buf, size_t len)
{
	const char *k = pki_auth_key_word(method);
	snprintf(buf, len, "%s%s%s", host, k ? "-" : "", k ? k : "");
	return buf;
}

/* "HOST-KEY[-VARIANT]": the key always written, so "moon" and
 * "moon-rsa2048" are one credential. */
static void pki_name_canonical(const struct pki_name *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%s%s%s", n->host, pki_key_type_name(n->key),
		 n->variant ? "-" : "", n->variant ? pki_variant_names[n->variant] : "");
}

/* ---- making one ---------------------------------------------------------- */

static void pki_named_san(const struct pki_name *n, char *buf, size_t len)
{
	const char *ips = "";
	for (size_t i = 0; i < PKI_N(pki_named_ips); i++)
		if (strcmp(pki_named_ips[i].host, n->host) == 0)
			ips = pki_named_ips[i].ips;
	snprintf(buf, len, "DNS:%s.example.org,email:%s@example.org%s", n->host, n->host, ips);
}

/* The credential of n under its canonical name canon. */
static bool pki_named_make(struct pki_testpki *p, const struct pki_name *n,
			   const char *canon, struct pki_cred *c, struct pki_err *err)
{
	char dn[128], san[256], seed[160];
	snprintf(dn, sizeof(dn), PKI_DN_PREFIX "CN=%s.example.org", n->host);
	pki_named_san(n, san, sizeof(san));
	bool rsa = n->key == PKI_KEY_RSA2048 || n->key == PKI_KEY_RSA3072 ||
		   n->key == PKI_KEY_RSA4096;
	struct pki_cert_req req = {
		.subject = dn, .issuer = p->inter.cert, .issuer_key = p->inter.key,
		.fixed = true, .not_before = PKI_T_2021, .not_after = PKI_T_2045,
		.san = san, .seed = seed,
	};
	bool chain = true;
	switch (n->variant) {
	case PKI_V_NONE:
	case PKI_V_REVOKED:
		break;
	case PKI_V_EXPIRED:
		req.not_before = PKI_T_2020;
		req.not_after = PKI_T_2021;
		break;
	case PKI_V_NOTYET:
		req.not_before = PKI_T_2045;
		req.not_after = PKI_T_2049;
		break;
	case PKI_V_UNKNOWNCA:
		req.issuer = p->rogue_ca.cert;
		req.issuer_key = p->rogue_ca.key;
		chain = false;
		break;
	case PKI_V_DIRECT:
		req.issuer = p->root.cert;
		req.issuer_key = p->root.key;
		chain = false;
		break;
	case PKI_V_BADKU:
		req.ku = rsa ? "critical,keyEncipherment" : "critical,keyAgreement";
		break;
	case PKI_V_NOSAN:
		req.san = NULL;
		break;
	}
	/* the issuer's key type in the label: another CA type, another serial */
	snprintf(seed, sizeof(seed), "%s/%s-%d", canon,
		 EVP_PKEY_get0_type_name(req.issuer_key), EVP_PKEY_get_bits(req.issuer_key));
	return pki_make_cred(p, c, canon, n->key, &req, chain, err);
}

/* ---- the CRL ------------------------------------------------------------- */

static bool pki_named_revoked(const struct pki_cred *c)
{
	size_t n = strlen(c->name), s = sizeof("-revoked") - 1;
	return n > s && strcmp(c->name + n - s, "-revoked") == 0;
}

/* Issuer, dates and one entry per revoked credential, sorted by serial so
 * that the order they were made in does not show. */
static bool pki_crl_fill(X509_CRL *crl, const struct pki_testpki *p, long *count)
{
	ASN1_TIME *last = ASN1_TIME_set(NULL, (time_t)PKI_T_2025);
	ASN1_TIME *next = ASN1_TIME_set(NULL, (time_t)PKI_T_2049);
	bool ok = last && next && X509_CRL_set_version(crl, X509_CRL_VERSION_2) &&
		  X509_CRL_set_issuer_name(crl, X509_get_subject_name(p->inter.cert)) &&
		  X509_CRL_set1_lastUpdate(crl, last) && X509_CRL_set1_nextUpdate(crl, next);
	*count = 0;
	for (size_t i = 0; ok && i < p->n_named; i++) {
		if (!pki_named_revoked(p->named[i]))
			continue;
		X509_REVOKED *r = X509_REVOKED_new();
		ok = r && X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(p->named[i]->cert)) &&
		     X509_REVOKED_set_revocationDate(r, last);
		if (!ok || !X509_CRL_add0_revoked(crl, r)) {
			X509_REVOKED_free(r);
			ok = false;
		}
		(*count)++;
	}
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	return ok && X509_CRL_sort(crl);
}

/* AKI (strongSwan finds the issuer by it) and a CRL number that grows with
 * the list. */
static bool pki_crl_exts(X509_CRL *crl, const struct pki_testpki *p, long count)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, p->inter.cert, NULL, NULL, crl, 0);
	X509_EXTENSION *aki = X509V3_EXT_nconf_nid(NULL, &ctx, NID_authority_key_identifier,
						   "keyid:always");
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	bool ok = aki && num && X509_CRL_add_ext(crl, aki, -1) &&
		  ASN1_INTEGER_set(num, count + 1) &&
		  X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1;
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(num);
	return ok;
}

/* Write the CRL through a temporary file and rename(2), so a peer that
 * reads it meanwhile sees the old list or the new one. */
static bool pki_crl_write(const struct pki_testpki *p, struct pki_err *err)
{
	X509_CRL *crl = X509_CRL_new();
	long count = 0;
	char seed[32];
	if (!crl || !pki_crl_fill(crl, p, &count) || !pki_crl_exts(crl, p, count)) {
		X509_CRL_free(crl);
		return pki_fail(err, "%s: cannot build the CRL", p->crl_path);
	}
	/* an ECDSA intermediate draws k: from the stream of the list's length */
	snprintf(seed, sizeof(seed), "crl:%ld", count);
	bool ok = crypto_rand_seed_for(PKI_SEED, seed) &&
		  X509_CRL_sign(crl, p->inter.key, EVP_sha256()) > 0;
	crypto_rand_unseed();
	char *tmp = pki_path(p->dir, "inter-ca.crl", ".tmp");
	BIO *bio = ok ? BIO_new_file(tmp, "w") : NULL;
	ok = bio && PEM_write_bio_X509_CRL(bio, crl) && BIO_flush(bio) == 1;
	BIO_free(bio);
	X509_CRL_free(crl);
	if (ok && rename(tmp, p->crl_path) != 0)
		ok = false;
	if (!ok)
		remove(tmp);
	free(tmp);
	return ok ? true : pki_fail(err, "%s: cannot write the CRL", p->crl_path);
}

/* ---- bundles, lookup, cleanup ------------------------------------------- */

static bool pki_bundle_write(const char *path, X509 *a, X509 *b, struct pki_err *err)
{
	BIO *bio = BIO_new_file(path, "w");
	bool ok = bio && PEM_write_bio_X509(bio, a) && (!b || PEM_write_bio_X509(bio, b)) &&
		  BIO_flush(bio) == 1;
	BIO_free(bio);
	return ok ? true : pki_fail(err, "%s: cannot write the trust bundle", path);
}

bool pki_testpki_named_init(struct pki_testpki *p, struct pki_err *err)
{
	static const char *const names[PKI_TRUST_N] = {
		[PKI_TRUST_ALL] = "trust-all", [PKI_TRUST_ROOT] = "trust-root",
		[PKI_TRUST_ROGUE] = "trust-rogue",
	};
	for (int t = 0; t < PKI_TRUST_N; t++)
		p->trust_path[t] = pki_path(p->dir, names[t], ".pem");
	p->crl_path = pki_path(p->dir, "inter-ca", ".crl");
	return pki_bundle_write(p->trust_path[PKI_TRUST_ALL], p->root.cert, p->inter.cert, err) &&
	       pki_bundle_write(p->trust_path[PKI_TRUST_ROOT], p->root.cert, NULL, err) &&
	       pki_bundle_write(p->trust_path[PKI_TRUST_ROGUE], p->rogue_ca.cert, NULL, err) &&
	       pki_crl_write(p, err);
}

void pki_testpki_named_free(struct pki_testpki *p)
{
	for (size_t i = 0; i < p->n_named; i++) {
		pki_cred_free(p->named[i]);
		free(p->named[i]);
	}
	free(p->named);
	p->named = NULL;
	p->n_named = 0;
	for (int t = 0; t < PKI_TRUST_N; t++) {
		free(p->trust_path[t]);
		p->trust_path[t] = NULL;
	}
	free(p->crl_path);
	p->crl_path = NULL;
}

const struct pki_cred *pki_testpki_cred(struct pki_testpki *p, const char *name,
					struct pki_err *err)
{
	struct pki_name n;
	char why[256], canon[PKI_NAME_MAX + 16];
	if (!p) {
		pki_fail(err, "no test PKI");
		return NULL;
	}
	if (!pki_name_parse_cred(name, &n, why, sizeof(why))) {
		pki_fail(err, "%s", why);
		return NULL;
	}
	pki_name_canonical(&n, canon, sizeof(canon));
	for (size_t i = 0; i < p->n_named; i++)
		if (strcmp(p->named[i]->name, canon) == 0)
			return p->named[i];
	struct pki_cred *c = xcalloc(1, sizeof(*c));
	p->named = xrealloc(p->named, (p->n_named + 1) * sizeof(*p->named));
	p->named[p->n_named++] = c;
	if (pki_named_make(p, &n, canon, c, err) &&
	    (n.variant != PKI_V_REVOKED || pki_crl_write(p, err)))
		return c;
	/* not made, or not in the CRL yet: as if never asked for */
	p->n_named--;
	pki_cred_free(c);
	free(c);
	return NULL;
}

const char *pki_testpki_trust_path(const struct pki_testpki *p, enum pki_trust t)
{
	return p && (int)t >= 0 && t < PKI_TRUST_N ? p->trust_path[t] : NULL;
}

const char *pki_testpki_crl_path(const struct pki_testpki *p)
{
	return p ? p->crl_path : NULL;
}
