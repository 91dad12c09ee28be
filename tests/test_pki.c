/* pki: the run-time test PKI, loading, chains, IDs, IKEv1 signatures
 * (checked against the openssl command for RSA and ECDSA), CERT/CR data. */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "core/chunk.h"
#include "pki/pki.h"
#include "tests.h"

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* One PKI for the whole TCase, made in the parent (an unchecked fixture)
 * so that every forked test inherits it and its cached keys. */
static struct pki_testpki *pki;
static struct pki_err pki_setup_err;
static char pki_dir_made[4096];     /* for the cleanup check afterwards */
static char pki_dir_custom[4096];

static void pki_setup(void)
{
	pki = pki_testpki_create(NULL, NULL, &pki_setup_err);
	if (pki)
		snprintf(pki_dir_made, sizeof(pki_dir_made), "%s", pki->dir);
}

static void pki_teardown(void)
{
	pki_testpki_free(pki);
	pki = NULL;
	pki_testpki_cache_clear();
}

static void need_pki(void)
{
	ck_assert_msg(pki != NULL, "test PKI: %s", pki_setup_err.msg);
}

/* A credential by name: the CAs, hosts and the negative cases. */
static const struct pki_cred *cred(const char *name)
{
	need_pki();
	const struct pki_cred *all[] = { &pki->root, &pki->inter, &pki->expired,
					 &pki->rogue_ca, &pki->rogue };
	for (size_t i = 0; i < N_ELEM(all); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	const struct pki_cred *c = pki_testpki_host(pki, name);
	ck_assert_msg(c != NULL, "no credential %s", name);
	return c;
}

static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static bool have_openssl_cli(void)
{
	char buf[64] = "";
	FILE *f = popen("openssl version 2>/dev/null", "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	return pclose(f) == 0 && strncmp(buf, "OpenSSL", 7) == 0;
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* ---- the PKI itself ---------------------------------------------------- */

START_TEST(test_pki_builds)
{
	need_pki();
	char buf[256];
	struct pki_err err;
	ck_assert(pki->own_dir);
	ck_assert_int_eq(access(pki->dir, R_OK | X_OK), 0);
	ck_assert_uint_eq(pki->n_hosts, 5);

	const char *names[] = { "root-ca", "inter-ca", "moon", "sun", "carol", "dave",
				"venus", "expired", "rogue-ca", "rogue" };
	for (size_t i = 0; i < N_ELEM(names); i++) {
		const struct pki_cred *c = cred(names[i]);
		ck_assert_int_eq(access(c->key_path, R_OK), 0);
		ck_assert_int_eq(access(c->cert_path, R_OK), 0);
		ck_assert_int_eq(X509_check_private_key(c->cert, c->key), 1);
		ck_assert_ptr_nonnull(X509_get0_subject_key_id(c->cert));
		ck_assert_ptr_nonnull(X509_get0_authority_key_id(c->cert));
		/* The files hold what is in memory. */
		EVP_PKEY *k = pki_load_key(c->key_path, &err);
		X509 *x = pki_load_cert(c->cert_path, &err);
		ck_assert_msg(k && x, "%s", err.msg);
		ck_assert_int_eq(EVP_PKEY_eq(k, c->key), 1);
		ck_assert_int_eq(X509_cmp(x, c->cert), 0);
		EVP_PKEY_free(k);
		X509_free(x);
		/* Keys stay private on disk. */
		struct stat st;
		ck_assert_int_eq(stat(c->key_path, &st), 0);
		ck_assert_int_eq(st.st_mode & 077, 0);
	}

	/* CA flags and key usage. */
	ck_assert_int_ge(X509_check_ca(pki->root.cert), 1);
	ck_assert_int_ge(X509_check_ca(pki->inter.cert), 1);
	ck_assert_int_eq(X509_check_ca(cred("moon")->cert), 0);
	ck_assert(X509_get_key_usage(pki->root.cert) & KU_KEY_CERT_SIGN);
	ck_assert(X509_get_key_usage(cred("carol")->cert) & KU_DIGITAL_SIGNATURE);
	ck_assert_int_eq(X509_get_pathlen(pki->inter.cert), 0);
	/* AKI of an end entity is the intermediate's SKI. */
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(cred("moon")->cert);
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(pki->inter.cert);
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(aki, ski), 0);

	ck_assert_str_eq(pki_cert_subject_str(cred("moon")->cert, buf, sizeof(buf)),
			 "C=CH, O=ike-conform, CN=moon.example.org");
	ck_assert_str_eq(pki_cert_subject_str(pki->inter.cert, buf, sizeof(buf)),
			 "C=CH, O=ike-conform, OU=Test, CN=ike-conform Intermediate CA");

	/* Key types as specified. */
	ck_assert(EVP_PKEY_is_a(cred("moon")->key, "RSA"));
	ck_assert_int_eq(EVP_PKEY_get_bits(cred("moon")->key), 2048);
	ck_assert(pki_key_fits_auth(cred("carol")->key, PKI_AUTH_ECDSA_256, NULL));
	ck_assert(pki_key_fits_auth(cred("dave")->key, PKI_AUTH_ECDSA_384, NULL));
	ck_assert(pki_key_fits_auth(cred("venus")->key, PKI_AUTH_ECDSA_521, NULL));

	/* The chain file: the cert, then the intermediate. */
	STACK_OF(X509) *chain = pki_load_certs(cred("moon")->chain_path, &err);
	ck_assert_msg(chain != NULL, "%s", err.msg);
	ck_assert_int_eq(sk_X509_num(chain), 2);
	ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 0), cred("moon")->cert), 0);
	ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 1), pki->inter.cert), 0);
	pki_certs_free(chain);
	ck_assert_ptr_null(pki->root.chain_path);
}
END_TEST

/* The files the strongSwan driver will hand over pass OpenSSL's own check. */
START_TEST(test_pki_openssl_verify_cli)
{
	need_pki();
	if (!have_openssl_cli()) {
		test_skip("pki openssl verify", "no openssl command");
		return;
	}
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "openssl verify -CAfile %s -untrusted %s %s >/dev/null 2>&1",
		 pki->root.cert_path, pki->inter.cert_path, cred("venus")->cert_path);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "openssl verify -CAfile %s %s >/dev/null 2>&1",
		 pki->root.cert_path, cred("venus")->cert_path);
	ck_assert_int_ne(system(cmd), 0);
}
END_TEST

/* ---- loading ----------------------------------------------------------- */

START_TEST(test_pki_load_forms)
{
	need_pki();
	struct pki_err err;
	const struct pki_cred *moon = cred("moon"), *dave = cred("dave");

	/* DER cert and DER (PKCS#8 and traditional) keys. */
	char *der_cert = path_in(pki->dir, "test-moon.der");
	ck_assert(pki_write_cert(der_cert, moon->cert, true, &err));
	X509 *x = pki_load_cert(der_cert, &err);
	ck_assert_msg(x != NULL, "%s", err.msg);
	ck_assert_int_eq(X509_cmp(x, moon->cert), 0);
	X509_free(x);

	unsigned char *der = NULL;
	int n = i2d_PrivateKey(dave->key, &der);
	ck_assert_int_gt(n, 0);
	char *der_key = path_in(pki->dir, "test-dave-key.der");
	write_file(der_key, der, (size_t)n);
	OPENSSL_free(der);
	EVP_PKEY *k = pki_load_key(der_key, &err);
	ck_assert_msg(k != NULL, "%s", err.msg);
	ck_assert_int_eq(EVP_PKEY_eq(k, dave->key), 1);
	EVP_PKEY_free(k);

	/* Errors name the file. */
	char *missing = path_in(pki->dir, "no-such.pem");
	ck_assert_ptr_null(pki_load_key(missing, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, missing));
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
	ck_assert_ptr_null(pki_load_cert(missing, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, missing));

	char *junk = path_in(pki->dir, "test-junk.pem");
	write_file(junk, "hello, not a key\n", 17);
	ck_assert_ptr_null(pki_load_key(junk, &err));
	ck_assert_msg(strstr(err.msg, junk) && strstr(err.msg, "no private key"), "%s", err.msg);
	ck_assert_ptr_null(pki_load_cert(junk, &err));
	ck_assert_msg(strstr(err.msg, junk) && strstr(err.msg, "no certificate"), "%s", err.msg);
	/* A certificate is not a key, and a key file holds no certificate. */
	ck_assert_ptr_null(pki_load_key(moon->cert_path, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, moon->cert_path));
	ck_assert_ptr_null(pki_load_cert(moon->key_path, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, moon->key_path));

	free(der_cert);
	free(der_key);
	free(missing);
	free(junk);
}
END_TEST

/* ---- chains ------------------------------------------------------------ */

static const struct {
	const char *ee;
	bool with_inter;
	const char *anchor;
	long at;              /* seconds from now; 0 = now */
	int code;
	const char *reason;
} chain_cases[] = {
	{ "moon", true, "root-ca", 0, X509_V_OK, NULL },
	{ "sun", true, "root-ca", 0, X509_V_OK, NULL },
	{ "carol", true, "root-ca", 0, X509_V_OK, NULL },
	{ "dave", true, "root-ca", 0, X509_V_OK, NULL },
	{ "venus", true, "root-ca", 0, X509_V_OK, NULL },
	{ "rogue", false, "rogue-ca", 0, X509_V_OK, NULL },  /* valid on its own */
	{ "moon", false, "root-ca", 0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
	  "unable to get local issuer certificate (depth 0, \"C=CH, O=ike-conform, CN=moon.example.org\")" },
	{ "rogue", true, "root-ca", 0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
	  "unable to get local issuer certificate (depth 0, \"C=CH, O=rogue, CN=moon.example.org\")" },
	{ "moon", true, "rogue-ca", 0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
	  "unable to get local issuer certificate (depth 1" },
	{ "expired", true, "root-ca", 0, X509_V_ERR_CERT_HAS_EXPIRED,
	  "certificate has expired (depth 0, \"C=CH, O=ike-conform, CN=expired.example.org\")" },
	{ "moon", true, "root-ca", 20L * 365 * 86400, X509_V_ERR_CERT_HAS_EXPIRED,
	  "certificate has expired" },
	{ "moon", true, "root-ca", -2L * 86400, X509_V_ERR_CERT_NOT_YET_VALID,
	  "certificate is not yet valid" },
	{ "expired", true, "root-ca", -7L * 86400, X509_V_OK, NULL },  /* check time */
};

START_TEST(test_pki_chain_table)
{
	need_pki();
	struct pki_err err = { "" };
	STACK_OF(X509) *anchors = sk_X509_new_null();
	sk_X509_push(anchors, cred(chain_cases[_i].anchor)->cert);
	struct pki_verify_opts o = {
		.trusted = anchors,
		.untrusted = chain_cases[_i].with_inter ? pki->intermediates : NULL,
		.at = chain_cases[_i].at ? time(NULL) + chain_cases[_i].at : 0,
	};
	int code = -1;
	bool ok = pki_verify_chain(cred(chain_cases[_i].ee)->cert, &o, &code, &err);
	sk_X509_free(anchors);
	ck_assert_msg(ok == (chain_cases[_i].code == X509_V_OK), "case %d: %s", _i, err.msg);
	ck_assert_int_eq(code, chain_cases[_i].code);
	if (chain_cases[_i].reason)
		ck_assert_msg(strstr(err.msg, chain_cases[_i].reason) != NULL,
			      "case %d: \"%s\" lacks \"%s\"", _i, err.msg,
			      chain_cases[_i].reason);
}
END_TEST

START_TEST(test_pki_chain_args)
{
	need_pki();
	struct pki_err err;
	struct pki_verify_opts o = { 0 };
	int code = 0;
	ck_assert(!pki_verify_chain(cred("moon")->cert, &o, &code, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "trusted CA"));
	ck_assert_int_ne(code, X509_V_OK);
	/* The PKI's own stacks, and intermediates from the chain file. */
	struct pki_err e2;
	STACK_OF(X509) *chain = pki_load_certs(cred("dave")->chain_path, &e2);
	ck_assert_ptr_nonnull(chain);
	X509 *ee = sk_X509_shift(chain);
	o = (struct pki_verify_opts){ pki->trusted, chain, 0, NULL };
	ck_assert_msg(pki_verify_chain(ee, &o, NULL, &err), "%s", err.msg);
	X509_free(ee);
	pki_certs_free(chain);
}
END_TEST

/* ---- names and IDs ----------------------------------------------------- */

static const struct {
	const char *host;
	uint8_t type;
	const char *value;    /* DN string, name, or address text */
	bool match;
	const char *reason;
} id_cases[] = {
	{ "moon", PKI_ID_DER_ASN1_DN, "C=CH, O=ike-conform, CN=moon.example.org", true, NULL },
	{ "moon", PKI_ID_DER_ASN1_DN, "C=CH, O=ike-conform, CN=sun.example.org", false,
	  "ID_DER_ASN1_DN \"C=CH, O=ike-conform, CN=sun.example.org\" is not the "
	  "certificate's subject \"C=CH, O=ike-conform, CN=moon.example.org\"" },
	{ "moon", PKI_ID_DER_ASN1_DN, "CN=moon.example.org, O=ike-conform, C=CH", false,
	  "is not the certificate's subject" },  /* RDN order matters */
	{ "moon", PKI_ID_DER_ASN1_DN, "C=CH, O=ike-conform", false, "is not the" },
	{ "venus", PKI_ID_DER_ASN1_DN, "C=CH, O=ike-conform, CN=venus.example.org", true, NULL },
	{ "moon", PKI_ID_FQDN, "moon.example.org", true, NULL },
	{ "moon", PKI_ID_FQDN, "MOON.Example.ORG", true, NULL },
	{ "moon", PKI_ID_FQDN, "sun.example.org", false,
	  "ID_FQDN sun.example.org is not among the certificate's DNS subjectAltNames "
	  "(moon.example.org)" },
	{ "moon", PKI_ID_FQDN, "moon.example.org.evil", false, "not among" },
	{ "moon", PKI_ID_FQDN, "moon.example", false, "not among" },
	{ "dave", PKI_ID_FQDN, "dave.example.org", true, NULL },
	{ "moon", PKI_ID_USER_FQDN, "moon@example.org", true, NULL },
	{ "moon", PKI_ID_USER_FQDN, "sun@example.org", false,
	  "ID_USER_FQDN sun@example.org is not among the certificate's email "
	  "subjectAltNames (moon@example.org)" },
	{ "moon", PKI_ID_USER_FQDN, "moon.example.org", false, "not among" },
	{ "expired", PKI_ID_USER_FQDN, "expired@example.org", false,
	  "the certificate has no subjectAltName of type email" },
	{ "moon", PKI_ID_IPV4_ADDR, "192.0.2.1", true, NULL },
	{ "moon", PKI_ID_IPV4_ADDR, "192.0.2.2", false,
	  "ID_IPV4_ADDR 192.0.2.2 is not among the certificate's IP subjectAltNames "
	  "(192.0.2.1, 2001:db8::1)" },
	{ "carol", PKI_ID_IPV4_ADDR, "192.0.2.3", true, NULL },
	{ "moon", PKI_ID_IPV6_ADDR, "2001:db8::1", true, NULL },
	{ "moon", PKI_ID_IPV6_ADDR, "2001:db8::2", false, "not among" },
	{ "carol", PKI_ID_IPV6_ADDR, "2001:db8::3", false, "(192.0.2.3)" },
	{ "expired", PKI_ID_IPV4_ADDR, "192.0.2.1", false,
	  "ID_IPV4_ADDR 192.0.2.1: the certificate has no subjectAltName of type IP" },
	{ "moon", 11 /* ID_KEY_ID */, "abc", false, "ID type 11 cannot be checked" },
	{ "moon", 4 /* ID_IPV4_ADDR_SUBNET */, "x", false, "ID type 4 cannot" },
};

/* The ID data as an ID payload carries it. */
static chunk_t id_data(uint8_t type, const char *value)
{
	chunk_t c = CHUNK_EMPTY;
	struct pki_err err;
	uint8_t ip[16];
	switch (type) {
	case PKI_ID_DER_ASN1_DN:
		ck_assert_msg(pki_dn_from_string(value, &c, &err), "%s", err.msg);
		return c;
	case PKI_ID_IPV4_ADDR:
		ck_assert_int_eq(inet_pton(AF_INET, value, ip), 1);
		return chunk_dup(ip, 4);
	case PKI_ID_IPV6_ADDR:
		ck_assert_int_eq(inet_pton(AF_INET6, value, ip), 1);
		return chunk_dup(ip, 16);
	default:
		return chunk_dup(value, strlen(value));
	}
}

START_TEST(test_pki_id_table)
{
	struct pki_err why = { "" };
	chunk_t d = id_data(id_cases[_i].type, id_cases[_i].value);
	bool m = pki_id_matches_cert(cred(id_cases[_i].host)->cert, id_cases[_i].type,
				     d, &why);
	chunk_free(&d);
	ck_assert_msg(m == id_cases[_i].match, "case %d (%s %s): %s", _i,
		      id_cases[_i].host, id_cases[_i].value, why.msg);
	if (id_cases[_i].reason)
		ck_assert_msg(strstr(why.msg, id_cases[_i].reason) != NULL,
			      "case %d: \"%s\" lacks \"%s\"", _i, why.msg,
			      id_cases[_i].reason);
}
END_TEST

START_TEST(test_pki_id_malformed)
{
	need_pki();
	struct pki_err why;
	X509 *moon = cred("moon")->cert;
	/* Wrong lengths for addresses. */
	uint8_t five[5] = { 192, 0, 2, 1, 0 };
	ck_assert(!pki_id_matches_cert(moon, PKI_ID_IPV4_ADDR, CHUNK_FROM(five, 5), &why));
	ck_assert_str_eq(why.msg, "ID_IPV4_ADDR data must be 4 bytes, got 5");
	ck_assert(!pki_id_matches_cert(moon, PKI_ID_IPV6_ADDR, CHUNK_FROM(five, 4), &why));
	ck_assert_str_eq(why.msg, "ID_IPV6_ADDR data must be 16 bytes, got 4");
	/* An IPv4 ID never matches an IPv6 SAN of the same bytes' prefix. */
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	ck_assert(!pki_id_matches_cert(moon, PKI_ID_IPV4_ADDR, CHUNK_FROM(v6, 4), &why));
	/* Names with NUL, empty names. */
	ck_assert(!pki_id_matches_cert(moon, PKI_ID_FQDN, CHUNK_FROM("moon.example.org\0x", 18), &why));
	ck_assert_ptr_nonnull(strstr(why.msg, "NUL"));
	ck_assert(!pki_id_matches_cert(moon, PKI_ID_FQDN, CHUNK_EMPTY, &why));
	/* DN data that is not DER, or DER with trailing bytes. */
	const uint8_t bad[] = { 0x30, 0x03, 0x01, 0x02 };
	ck_assert(!pki_id_matches_cert(moon, PKI_ID_DER_ASN1_DN, CHUNK_FROM(bad, 4), &why));
	ck_assert_str_eq(why.msg, "ID_DER_ASN1_DN data is not a DER distinguished name (4 bytes)");
	chunk_t subj;
	ck_assert(pki_cert_subject_der(moon, &subj));
	chunk_t longer = chunk_alloc(subj.len + 1);
	memcpy(longer.ptr, subj.ptr, subj.len);
	ck_assert(!pki_id_matches_cert(moon, PKI_ID_DER_ASN1_DN, longer, &why));
	ck_assert_ptr_nonnull(strstr(why.msg, "not a DER distinguished name"));
	chunk_free(&longer);
	chunk_free(&subj);
}
END_TEST

/* A peer may encode its DN with PrintableString where the cert has
 * UTF8String: still the same name. */
START_TEST(test_pki_id_dn_string_types)
{
	need_pki();
	struct pki_err why;
	X509_NAME *n = X509_NAME_new();
	ck_assert(X509_NAME_add_entry_by_txt(n, "C", V_ASN1_PRINTABLESTRING,
					     (const unsigned char *)"CH", -1, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(n, "O", V_ASN1_PRINTABLESTRING,
					     (const unsigned char *)"ike-conform", -1, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(n, "CN", V_ASN1_PRINTABLESTRING,
					     (const unsigned char *)"moon.example.org", -1, -1, 0));
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(n, &der);
	X509_NAME_free(n);
	ck_assert_int_gt(len, 0);
	chunk_t subj;
	ck_assert(pki_cert_subject_der(cred("moon")->cert, &subj));
	ck_assert(!chunk_eq(subj, CHUNK_FROM(der, (size_t)len))); /* other bytes */
	ck_assert_msg(pki_id_matches_cert(cred("moon")->cert, PKI_ID_DER_ASN1_DN,
					  CHUNK_FROM(der, (size_t)len), &why), "%s", why.msg);
	ck_assert(!pki_id_matches_cert(cred("sun")->cert, PKI_ID_DER_ASN1_DN,
				       CHUNK_FROM(der, (size_t)len), &why));
	OPENSSL_free(der);
	chunk_free(&subj);
}
END_TEST

START_TEST(test_pki_dn_strings)
{
	need_pki();
	struct pki_err err;
	char buf[256];
	chunk_t der, subj, id;
	uint8_t type = 0;
	const char *s = "C=CH, O=ike-conform, CN=moon.example.org";
	ck_assert_msg(pki_dn_from_string(s, &der, &err), "%s", err.msg);
	ck_assert_str_eq(pki_dn_str(der, buf, sizeof(buf)), s);
	/* The subject DER is exactly what the string gives: an ID_DER_ASN1_DN
	 * written in a suite file matches the certificate byte for byte. */
	ck_assert(pki_cert_subject_der(cred("moon")->cert, &subj));
	ck_assert(chunk_eq(der, subj));
	ck_assert(pki_cert_default_id(cred("moon")->cert, &type, &id));
	ck_assert_uint_eq(type, PKI_ID_DER_ASN1_DN);
	ck_assert(chunk_eq(id, subj));
	chunk_free(&der);
	chunk_free(&subj);
	chunk_free(&id);
	/* Spaces around '=' and ',' do not matter. */
	ck_assert(pki_dn_from_string(" C = CH ,O=ike-conform,  CN = x ", &der, &err));
	ck_assert_str_eq(pki_dn_str(der, buf, sizeof(buf)), "C=CH, O=ike-conform, CN=x");
	chunk_free(&der);

	ck_assert(!pki_dn_from_string("", &der, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "empty"));
	ck_assert(!pki_dn_from_string("nonsense", &der, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "is not attribute=value"));
	ck_assert(!pki_dn_from_string("C=CH, XYZZY=1", &der, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown attribute \"XYZZY\""));
	ck_assert_str_eq(pki_dn_str(CHUNK_FROM("\x30\x01", 2), buf, sizeof(buf)),
			 "(invalid DN)");
}
END_TEST

/* ---- signatures -------------------------------------------------------- */

static const struct {
	uint16_t method;
	const char *host;
	const char *other;    /* a host with a key of the same kind */
	size_t siglen;
} sig_cases[] = {
	{ PKI_AUTH_RSA_SIG, "moon", "sun", 256 },
	{ PKI_AUTH_ECDSA_256, "carol", NULL, 64 },
	{ PKI_AUTH_ECDSA_384, "dave", NULL, 96 },
	{ PKI_AUTH_ECDSA_521, "venus", NULL, 132 },
};

/* HASH_I lengths of every IKEv1 PRF: MD5, SHA-1, SHA-256/384/512. */
static const size_t hash_lens[] = { 16, 20, 32, 48, 64 };

START_TEST(test_pki_sign_roundtrip)
{
	const struct pki_cred *c = cred(sig_cases[_i].host);
	uint16_t m = sig_cases[_i].method;
	struct pki_err err;
	EVP_PKEY *other;
	if (sig_cases[_i].other) {
		other = cred(sig_cases[_i].other)->key;
		EVP_PKEY_up_ref(other);
	} else {
		const char *curve;
		pki_auth_sig_kind(m, &curve);
		other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
		ck_assert_ptr_nonnull(other);
	}
	for (size_t h = 0; h < N_ELEM(hash_lens); h++) {
		uint8_t hash[64];
		for (size_t i = 0; i < sizeof(hash); i++)
			hash[i] = (uint8_t)(i * 7 + h + _i);
		chunk_t hc = CHUNK_FROM(hash, hash_lens[h]), sig;
		ck_assert_msg(pki_sign(c->key, m, hc, &sig, &err), "%s", err.msg);
		ck_assert_uint_eq(sig.len, sig_cases[_i].siglen);
		ck_assert_msg(pki_verify(c->key, m, hc, sig, &err), "%s", err.msg);
		ck_assert_msg(pki_verify_cert(c->cert, m, hc, sig, &err), "%s", err.msg);

		/* A flipped bit anywhere in the signature. */
		for (size_t at = 0; at < sig.len; at += sig.len / 4) {
			sig.ptr[at] ^= 0x10;
			ck_assert(!pki_verify_cert(c->cert, m, hc, sig, &err));
			sig.ptr[at] ^= 0x10;
		}
		sig.ptr[sig.len - 1] ^= 0x01;
		ck_assert(!pki_verify_cert(c->cert, m, hc, sig, &err));
		sig.ptr[sig.len - 1] ^= 0x01;
		/* A flipped bit in the hash (the first byte: ECDSA uses only the
		 * leftmost bits of a hash longer than the curve order). */
		hash[0] ^= 0x80;
		ck_assert(!pki_verify_cert(c->cert, m, hc, sig, &err));
		hash[0] ^= 0x80;
		/* The wrong key. */
		ck_assert(!pki_verify(other, m, hc, sig, &err));
		/* Wrong lengths are told apart. */
		ck_assert(!pki_verify_cert(c->cert, m, hc, CHUNK_FROM(sig.ptr, sig.len - 1), &err));
		ck_assert_msg(strstr(err.msg, "bytes") != NULL, "%s", err.msg);
		ck_assert(!pki_verify_cert(c->cert, m, hc, CHUNK_EMPTY, &err));
		/* Still good after all that. */
		ck_assert(pki_verify_cert(c->cert, m, hc, sig, &err));
		chunk_free(&sig);
	}
	EVP_PKEY_free(other);
}
END_TEST

START_TEST(test_pki_sign_reasons)
{
	need_pki();
	struct pki_err err;
	uint8_t hash[20] = { 1, 2, 3 };
	chunk_t hc = CHUNK_FROM(hash, sizeof(hash)), sig;
	/* RSA signed with a wrong key: the padding does not open. */
	ck_assert(pki_sign(cred("sun")->key, PKI_AUTH_RSA_SIG, hc, &sig, &err));
	ck_assert(!pki_verify_cert(cred("moon")->cert, PKI_AUTH_RSA_SIG, hc, sig, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "does not open to PKCS#1 type 1 padding"));
	/* Right key, other data. */
	hash[0] ^= 1;
	ck_assert(!pki_verify_cert(cred("sun")->cert, PKI_AUTH_RSA_SIG, hc, sig, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "RSA signature is over other data"));
	chunk_free(&sig);
	/* The IKEv2 habit: PKCS#1 with a DigestInfo. */
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, cred("moon")->key, NULL);
	size_t len = 256;
	sig = chunk_alloc(len);
	ck_assert(ctx && EVP_PKEY_sign_init(ctx) > 0);
	ck_assert(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0);
	ck_assert(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha1()) > 0);
	ck_assert(EVP_PKEY_sign(ctx, sig.ptr, &len, hash, sizeof(hash)) > 0);
	EVP_PKEY_CTX_free(ctx);
	ck_assert(!pki_verify_cert(cred("moon")->cert, PKI_AUTH_RSA_SIG, hc, sig, &err));
	ck_assert_msg(strstr(err.msg, "15-byte prefix (a DigestInfo?)") != NULL, "%s", err.msg);
	chunk_free(&sig);
	/* Nothing to sign. */
	ck_assert(!pki_sign(cred("moon")->key, PKI_AUTH_RSA_SIG, CHUNK_EMPTY, &sig, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "empty"));
}
END_TEST

static const struct {
	const char *host;
	uint16_t method;
	bool fits;
	const char *reason;
} fit_cases[] = {
	{ "moon", PKI_AUTH_RSA_SIG, true, NULL },
	{ "moon", 65005, true, NULL },    /* XAUTHInitRSA */
	{ "moon", 65006, true, NULL },    /* XAUTHRespRSA */
	{ "moon", 64221, true, NULL },    /* HybridInitRSA */
	{ "carol", PKI_AUTH_ECDSA_256, true, NULL },
	{ "dave", PKI_AUTH_ECDSA_384, true, NULL },
	{ "venus", PKI_AUTH_ECDSA_521, true, NULL },
	{ "moon", PKI_AUTH_ECDSA_256, false,
	  "auth method 9 needs an EC key on prime256v1, this is RSA-2048" },
	{ "carol", PKI_AUTH_RSA_SIG, false,
	  "auth method 3 needs an RSA key, this is EC prime256v1" },
	{ "carol", PKI_AUTH_ECDSA_384, false,
	  "auth method 10 needs an EC key on secp384r1, this is EC prime256v1" },
	{ "venus", PKI_AUTH_ECDSA_256, false, "this is EC secp521r1" },
	{ "dave", PKI_AUTH_ECDSA_521, false, "needs an EC key on secp521r1" },
	{ "moon", 1 /* PSK */, false, "auth method 1 is not a supported signature method" },
	{ "moon", PKI_AUTH_DSS, false, "auth method 2 is not a supported" },
	{ "moon", 65001 /* XAUTHInitPreShared */, false, "not a supported" },
};

START_TEST(test_pki_key_method_table)
{
	struct pki_err err = { "" };
	const struct pki_cred *c = cred(fit_cases[_i].host);
	uint16_t m = fit_cases[_i].method;
	ck_assert_msg(pki_key_fits_auth(c->key, m, &err) == fit_cases[_i].fits,
		      "case %d: %s", _i, err.msg);
	uint8_t hash[32] = { 0 };
	chunk_t sig = CHUNK_EMPTY;
	/* sign and verify refuse the same way. */
	ck_assert(pki_sign(c->key, m, CHUNK_FROM(hash, 32), &sig, &err) == fit_cases[_i].fits);
	if (fit_cases[_i].fits) {
		ck_assert(pki_verify_cert(c->cert, m, CHUNK_FROM(hash, 32), sig, &err));
		chunk_free(&sig);
		return;
	}
	ck_assert_msg(strstr(err.msg, fit_cases[_i].reason) != NULL,
		      "case %d: \"%s\" lacks \"%s\"", _i, err.msg, fit_cases[_i].reason);
	ck_assert_ptr_null(sig.ptr);
	ck_assert(!pki_verify_cert(c->cert, m, CHUNK_FROM(hash, 32), CHUNK_FROM(hash, 32), &err));
	ck_assert_ptr_nonnull(strstr(err.msg, fit_cases[_i].reason));
}
END_TEST

/* Run cmd, return its stdout (up to cap bytes) and whether it exited 0. */
static bool run_capture(const char *cmd, uint8_t *out, size_t cap, size_t *n)
{
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	*n = fread(out, 1, cap, f);
	int st = pclose(f);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* RSA PKCS#1 v1.5 is deterministic: `openssl pkeyutl -sign` over the same
 * raw bytes (no digest, so no DigestInfo) gives the very same signature. */
START_TEST(test_pki_rsa_matches_openssl_cli)
{
	need_pki();
	if (!have_openssl_cli()) {
		test_skip("pki rsa vs openssl", "no openssl command");
		return;
	}
	struct pki_err err;
	const size_t lens[] = { 16, 20, 32, 64 };
	for (size_t i = 0; i < N_ELEM(lens); i++) {
		uint8_t hash[64];
		for (size_t j = 0; j < sizeof(hash); j++)
			hash[j] = (uint8_t)(0xa5 ^ (j * 31 + i));
		char name[64];
		snprintf(name, sizeof(name), "test-hash-%zu.bin", i);
		char *hpath = path_in(pki->dir, name);
		write_file(hpath, hash, lens[i]);
		char cmd[8192];
		snprintf(cmd, sizeof(cmd), "openssl pkeyutl -sign -inkey %s "
			 "-pkeyopt rsa_padding_mode:pkcs1 -in %s 2>/dev/null",
			 cred("moon")->key_path, hpath);
		uint8_t ref[1024];
		size_t n;
		ck_assert_msg(run_capture(cmd, ref, sizeof(ref), &n), "%s failed", cmd);
		chunk_t sig;
		ck_assert_msg(pki_sign(cred("moon")->key, PKI_AUTH_RSA_SIG,
				       CHUNK_FROM(hash, lens[i]), &sig, &err), "%s", err.msg);
		ck_assert_uint_eq(n, sig.len);
		ck_assert_msg(memcmp(ref, sig.ptr, n) == 0, "signature differs (hash %zu bytes)",
			      lens[i]);
		/* And openssl opens ours to the bare hash. */
		char *spath = path_in(pki->dir, "test-sig.bin");
		write_file(spath, sig.ptr, sig.len);
		snprintf(cmd, sizeof(cmd), "openssl pkeyutl -verifyrecover -certin -inkey %s "
			 "-pkeyopt rsa_padding_mode:pkcs1 -in %s 2>/dev/null",
			 cred("moon")->cert_path, spath);
		ck_assert(run_capture(cmd, ref, sizeof(ref), &n));
		ck_assert_uint_eq(n, lens[i]);
		ck_assert(memcmp(ref, hash, n) == 0);
		chunk_free(&sig);
		free(hpath);
		free(spath);
	}
}
END_TEST

/* ECDSA is randomised, so the check goes the other way: openssl verifies
 * our r || s (turned into DER) over the raw HASH as the digest, the way
 * strongSwan's IKEv1 signs (SIGN_ECDSA_WITH_NULL). */
START_TEST(test_pki_ecdsa_matches_openssl_cli)
{
	need_pki();
	if (!have_openssl_cli()) {
		test_skip("pki ecdsa vs openssl", "no openssl command");
		return;
	}
	struct pki_err err;
	for (size_t i = 1; i < N_ELEM(sig_cases); i++) {
		const struct pki_cred *c = cred(sig_cases[i].host);
		uint8_t hash[32];
		for (size_t j = 0; j < sizeof(hash); j++)
			hash[j] = (uint8_t)(j + 3 * i);
		chunk_t sig;
		ck_assert_msg(pki_sign(c->key, sig_cases[i].method, CHUNK_FROM(hash, 32),
				       &sig, &err), "%s", err.msg);
		size_t w = sig.len / 2;
		ECDSA_SIG *es = ECDSA_SIG_new();
		ck_assert(ECDSA_SIG_set0(es, BN_bin2bn(sig.ptr, (int)w, NULL),
					 BN_bin2bn(sig.ptr + w, (int)w, NULL)));
		unsigned char *der = NULL;
		int dlen = i2d_ECDSA_SIG(es, &der);
		ECDSA_SIG_free(es);
		ck_assert_int_gt(dlen, 0);
		char *hpath = path_in(pki->dir, "test-ec-hash.bin");
		char *spath = path_in(pki->dir, "test-ec-sig.der");
		write_file(hpath, hash, sizeof(hash));
		write_file(spath, der, (size_t)dlen);
		OPENSSL_free(der);
		char cmd[8192];
		snprintf(cmd, sizeof(cmd), "openssl pkeyutl -verify -certin -inkey %s "
			 "-in %s -sigfile %s >/dev/null 2>&1", c->cert_path, hpath, spath);
		ck_assert_msg(system(cmd) == 0, "openssl rejects the %s signature",
			      c->name);
		/* Flip a bit of the hash: openssl must refuse too. */
		hash[0] ^= 1;
		write_file(hpath, hash, sizeof(hash));
		ck_assert_int_ne(system(cmd), 0);
		chunk_free(&sig);
		free(hpath);
		free(spath);
	}
}
END_TEST

/* The other reading of RFC 4754 (ECDSA over H(HASH)) round-trips, and the
 * two forms never verify as each other. */
START_TEST(test_pki_ecdsa_prehash)
{
	need_pki();
	struct pki_err err;
	uint8_t hash[20] = { 9, 8, 7 };
	chunk_t hc = CHUNK_FROM(hash, sizeof(hash)), sig;
	for (size_t i = 1; i < N_ELEM(sig_cases); i++) {
		const struct pki_cred *c = cred(sig_cases[i].host);
		uint16_t m = sig_cases[i].method;
		ck_assert(pki_sign_ex(c->key, m, PKI_SIG_ECDSA_PREHASH, hc, &sig, &err));
		ck_assert_uint_eq(sig.len, sig_cases[i].siglen);
		ck_assert_msg(pki_verify_ex(c->key, m, PKI_SIG_ECDSA_PREHASH, hc, sig, &err),
			      "%s", err.msg);
		ck_assert(!pki_verify(c->key, m, hc, sig, &err));
		chunk_free(&sig);
		ck_assert(pki_sign(c->key, m, hc, &sig, &err));
		ck_assert(!pki_verify_ex(c->key, m, PKI_SIG_ECDSA_PREHASH, hc, sig, &err));
		chunk_free(&sig);
	}
}
END_TEST

/* ---- CERT and CR payloads --------------------------------------------- */

enum { DATA_GOOD, DATA_GARBAGE, DATA_TRUNCATED, DATA_TRAILING, DATA_EMPTY };

static const struct {
	uint8_t encoding;
	int data;
	uint16_t notify;      /* 0: parses */
	const char *reason;
} cert_cases[] = {
	{ 4, DATA_GOOD, 0, NULL },
	{ 4, DATA_GARBAGE, PKI_NOTIFY_INVALID_CERTIFICATE, "does not parse" },
	{ 4, DATA_TRUNCATED, PKI_NOTIFY_INVALID_CERTIFICATE, "does not parse" },
	{ 4, DATA_TRAILING, PKI_NOTIFY_INVALID_CERTIFICATE, "1 trailing bytes" },
	{ 4, DATA_EMPTY, PKI_NOTIFY_INVALID_CERTIFICATE, "(0 bytes)" },
	{ 1, DATA_GOOD, PKI_NOTIFY_INVALID_CERT_ENCODING, "encoding 1 is not supported" },
	{ 2, DATA_GOOD, PKI_NOTIFY_INVALID_CERT_ENCODING, "encoding 2 is not supported" },
	{ 5, DATA_GOOD, PKI_NOTIFY_INVALID_CERT_ENCODING, "only 4" },
	{ 7, DATA_GOOD, PKI_NOTIFY_INVALID_CERT_ENCODING, "not supported" },
	{ 10, DATA_GOOD, PKI_NOTIFY_INVALID_CERT_ENCODING, "not supported" },
	{ 0, DATA_GOOD, PKI_NOTIFY_INVALID_CERT_ENCODING, "encoding 0 is not a defined" },
	{ 11, DATA_GOOD, PKI_NOTIFY_INVALID_CERT_ENCODING, "not a defined encoding" },
	{ 255, DATA_GOOD, PKI_NOTIFY_INVALID_CERT_ENCODING, "encoding 255" },
};

START_TEST(test_pki_cert_payload_table)
{
	const struct pki_cred *c = cred("carol");
	struct pki_err err = { "" };
	chunk_t der, data;
	ck_assert(pki_cert_payload_data(c->cert, &der));
	switch (cert_cases[_i].data) {
	case DATA_GOOD:
		data = chunk_dup(der.ptr, der.len);
		break;
	case DATA_GARBAGE:
		data = chunk_dup("\x30\x82\xff\xff junk", 9);
		break;
	case DATA_TRUNCATED:
		data = chunk_dup(der.ptr, der.len - 10);
		break;
	case DATA_TRAILING:
		data = chunk_alloc(der.len + 1);
		memcpy(data.ptr, der.ptr, der.len);
		break;
	default:
		data = CHUNK_EMPTY;
	}
	uint16_t notify = 99;
	X509 *x = pki_cert_payload_parse(cert_cases[_i].encoding, data, &notify, &err);
	ck_assert_uint_eq(notify, cert_cases[_i].notify);
	if (!cert_cases[_i].notify) {
		ck_assert_ptr_nonnull(x);
		ck_assert_int_eq(X509_cmp(x, c->cert), 0);
		X509_free(x);
	} else {
		ck_assert_ptr_null(x);
		ck_assert_msg(strstr(err.msg, cert_cases[_i].reason) != NULL,
			      "case %d: \"%s\" lacks \"%s\"", _i, err.msg,
			      cert_cases[_i].reason);
	}
	chunk_free(&data);
	chunk_free(&der);
}
END_TEST

/* A received CR's CA field: empty or one whole DER name. */
START_TEST(test_pki_cr_ca_check)
{
	need_pki();
	struct pki_err err = { "" };
	chunk_t ca;
	ck_assert(pki_cr_ca_name(pki->inter.cert, &ca));
	ck_assert(pki_cr_ca_check(ca, &err));
	ck_assert(pki_cr_ca_check(CHUNK_EMPTY, &err));
	chunk_t garbage = CHUNK_FROM("\x30\x82\x01\x00\xa5\xa5\xa5\xa5", 8);
	ck_assert(!pki_cr_ca_check(garbage, &err));
	ck_assert_msg(strstr(err.msg, "not a DER distinguished name (8 bytes)"), "%s", err.msg);
	chunk_t longer = chunk_alloc(ca.len + 1);
	memcpy(longer.ptr, ca.ptr, ca.len);
	longer.ptr[ca.len] = 0;
	ck_assert(!pki_cr_ca_check(longer, &err));
	ck_assert(!pki_cr_ca_check((chunk_t){ ca.ptr, ca.len - 1 }, &err));
	chunk_free(&longer);
	chunk_free(&ca);
}
END_TEST

START_TEST(test_pki_cr_name)
{
	need_pki();
	char buf[256];
	chunk_t ca, subj;
	ck_assert(pki_cr_ca_name(pki->inter.cert, &ca));
	ck_assert_str_eq(pki_dn_str(ca, buf, sizeof(buf)),
			 "C=CH, O=ike-conform, OU=Test, CN=ike-conform Intermediate CA");
	/* It is the issuer name of the certificates that CA signed. */
	X509_NAME *iss = X509_get_issuer_name(cred("moon")->cert);
	unsigned char *der = NULL;
	int n = i2d_X509_NAME(iss, &der);
	ck_assert(chunk_eq(ca, CHUNK_FROM(der, (size_t)n)));
	OPENSSL_free(der);
	ck_assert(pki_cert_subject_der(pki->inter.cert, &subj));
	ck_assert(chunk_eq(ca, subj));
	chunk_free(&ca);
	chunk_free(&subj);
}
END_TEST

/* ---- named credentials ------------------------------------------------- */

static const struct {
	const char *name;
	const char *refused;  /* NULL: accepted; else a part of the reason */
} name_cases[] = {
	{ "moon", NULL },
	{ "sun-rsa4096", NULL },
	{ "moon-p384-revoked", NULL },
	{ "carol-notyet", NULL },
	{ "alice-p521-direct", NULL },
	{ "", "empty credential name" },
	{ "Moon", "may hold lowercase letters a-z only" },
	{ "moon2", "may hold lowercase letters a-z only" },
	{ "moon-", "an empty part" },
	{ "moon--p256", "an empty part" },
	{ "moon-p999", "\"p999\" is neither a key (rsa2048" },
	{ "moon-revoked-p256", "the key \"p256\" comes before the variant" },
	{ "moon-p256-revoked-expired", "more parts than HOST-KEY-VARIANT" },
	{ "moon-expired-revoked", "one variant at most" },
	{ "moon-p256-p384", "the key \"p384\" comes before the variant, once" },
	{ "expired", "is a key or variant word, not a host" },
	{ "nosan-p256", "is a key or variant word" },
	{ "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm",
	  "is longer than 64 characters" },
};

START_TEST(test_pki_name_table)
{
	char why[256] = "";
	bool ok = pki_cred_name_check(name_cases[_i].name, why, sizeof(why));
	ck_assert_msg(ok == !name_cases[_i].refused, "\"%s\": %s", name_cases[_i].name, why);
	if (name_cases[_i].refused)
		ck_assert_msg(strstr(why, name_cases[_i].refused) != NULL, "\"%s\": \"%s\" lacks "
			      "\"%s\"", name_cases[_i].name, why, name_cases[_i].refused);
	/* pki_testpki_cred refuses with the same reason */
	if (name_cases[_i].refused) {
		need_pki();
		struct pki_err err;
		ck_assert_ptr_null(pki_testpki_cred(pki, name_cases[_i].name, &err));
		ck_assert_str_eq(err.msg, why);
	}
}
END_TEST

/* Each variant against the root (trust-root.pem), the intermediates sent
 * and the CRL: the verification result, the signing key-usage check and
 * the chain file. */
static const struct {
	const char *name;
	int code;
	bool ku_ok;
	bool chain;
	const char *canon;
} variant_cases[] = {
	{ "moon", X509_V_OK, true, true, "moon-rsa2048" },
	{ "sun-p384", X509_V_OK, true, true, "sun-p384" },
	{ "carol-p256-expired", X509_V_ERR_CERT_HAS_EXPIRED, true, true, NULL },
	{ "carol-p256-notyet", X509_V_ERR_CERT_NOT_YET_VALID, true, true, NULL },
	{ "moon-p256-revoked", X509_V_ERR_CERT_REVOKED, true, true, NULL },
	{ "moon-p256-unknownca", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, true, false, NULL },
	{ "moon-p256-badku", X509_V_OK, false, true, NULL },
	{ "moon-rsa2048-badku", X509_V_OK, false, true, NULL },
	{ "moon-p256-nosan", X509_V_OK, true, true, NULL },
	{ "moon-p256-direct", X509_V_OK, true, false, NULL },
};

START_TEST(test_pki_variant_table)
{
	need_pki();
	struct pki_err err = { "" };
	const struct pki_cred *c = pki_testpki_cred(pki, variant_cases[_i].name, &err);
	ck_assert_msg(c != NULL, "%s: %s", variant_cases[_i].name, err.msg);
	ck_assert_ptr_eq(pki_testpki_cred(pki, variant_cases[_i].name, &err), c);
	if (variant_cases[_i].canon)
		ck_assert_str_eq(c->name, variant_cases[_i].canon);
	ck_assert_int_eq(X509_check_private_key(c->cert, c->key), 1);
	ck_assert((c->chain_path != NULL) == variant_cases[_i].chain);
	STACK_OF(X509) *anchors = pki_load_certs(pki_testpki_trust_path(pki, PKI_TRUST_ROOT), &err);
	STACK_OF(X509_CRL) *crls = pki_load_crls(pki_testpki_crl_path(pki), &err);
	ck_assert_msg(anchors && crls, "%s", err.msg);
	ck_assert_int_eq(sk_X509_num(anchors), 1);
	struct pki_verify_opts o = { anchors, pki->intermediates, 0, crls };
	int code = -1;
	bool ok = pki_verify_chain(c->cert, &o, &code, &err);
	ck_assert_msg(code == variant_cases[_i].code && ok == (code == X509_V_OK),
		      "%s: %d %s", variant_cases[_i].name, code, err.msg);
	/* the same without CRLs: only revocation changes */
	o.crls = NULL;
	ok = pki_verify_chain(c->cert, &o, &code, &err);
	ck_assert_int_eq(code, variant_cases[_i].code == X509_V_ERR_CERT_REVOKED ?
			 X509_V_OK : variant_cases[_i].code);
	ck_assert_msg(pki_check_sign_usage(c->cert, &err) == variant_cases[_i].ku_ok,
		      "%s: %s", variant_cases[_i].name, err.msg);
	if (!variant_cases[_i].ku_ok)
		ck_assert_msg(strstr(err.msg, "has neither digitalSignature nor "
				     "nonRepudiation, which RFC 4945 5.1.3.2") != NULL, "%s", err.msg);
	pki_certs_free(anchors);
	pki_crls_free(crls);
}
END_TEST

/* Subjects, SANs and dates of named credentials. */
START_TEST(test_pki_named_fields)
{
	need_pki();
	struct pki_err err;
	char buf[256];
	const struct pki_cred *m = pki_testpki_cred(pki, "moon-p256", &err);
	const struct pki_cred *s = pki_testpki_cred(pki, "sun-p256-nosan", &err);
	ck_assert_msg(m && s, "%s", err.msg);
	ck_assert_str_eq(pki_cert_subject_str(m->cert, buf, sizeof(buf)),
			 "C=CH, O=ike-conform, CN=moon.example.org");
	static const char *const ips[] = { "192.0.2.1", "198.51.100.2", "2001:db8::1" };
	for (size_t i = 0; i < N_ELEM(ips); i++) {
		bool v6 = strchr(ips[i], ':') != NULL;
		chunk_t d = id_data(v6 ? PKI_ID_IPV6_ADDR : PKI_ID_IPV4_ADDR, ips[i]);
		ck_assert_msg(pki_id_matches_cert(m->cert, v6 ? PKI_ID_IPV6_ADDR : PKI_ID_IPV4_ADDR,
						  d, &err), "%s", err.msg);
		chunk_free(&d);
	}
	ck_assert(pki_id_matches_cert(m->cert, PKI_ID_USER_FQDN,
				      CHUNK_FROM("moon@example.org", 16), &err));
	ck_assert(!pki_id_matches_cert(s->cert, PKI_ID_FQDN, CHUNK_FROM("sun.example.org", 15),
				       &err));
	ck_assert_int_lt(X509_get_ext_by_NID(s->cert, NID_subject_alt_name, -1), 0);
	/* fixed dates: 2021-01-01 .. 2045-01-01 */
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notBefore(m->cert), 1609459200), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notAfter(m->cert), 2366841600), 0);
	/* the trust bundles */
	STACK_OF(X509) *all = pki_load_certs(pki_testpki_trust_path(pki, PKI_TRUST_ALL), &err);
	STACK_OF(X509) *rogue = pki_load_certs(pki_testpki_trust_path(pki, PKI_TRUST_ROGUE), &err);
	ck_assert_msg(all && rogue, "%s", err.msg);
	ck_assert_int_eq(sk_X509_num(all), 2);
	ck_assert_int_eq(X509_cmp(sk_X509_value(all, 1), pki->inter.cert), 0);
	ck_assert_int_eq(X509_cmp(sk_X509_value(rogue, 0), pki->rogue_ca.cert), 0);
	ck_assert_ptr_null(pki_testpki_trust_path(pki, PKI_TRUST_N));
	pki_certs_free(all);
	pki_certs_free(rogue);
}
END_TEST

/* The CRL: empty at first, each revoked credential added (others not), the fixed dates;
 * loading errors name the file. */
static int crl_entries(X509_CRL *crl)
{
	int n = sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl));
	return n < 0 ? 0 : n;   /* an empty CRL has no list at all */
}

START_TEST(test_pki_crl)
{
	need_pki();
	struct pki_err err;
	/* a PKI of its own: the other tests' children rewrite the fixture's CRL */
	struct pki_testpki *own = pki_testpki_create(NULL, NULL, &err), *fixture = pki;
	ck_assert_msg(own != NULL, "%s", err.msg);
	pki = own;
	STACK_OF(X509_CRL) *crls = pki_load_crls(pki_testpki_crl_path(pki), &err);
	ck_assert_msg(crls != NULL, "%s", err.msg);
	ck_assert_int_eq(sk_X509_CRL_num(crls), 1);
	X509_CRL *crl = sk_X509_CRL_value(crls, 0);
	ck_assert_int_eq(crl_entries(crl), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(crl), 1735689600), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl), 2493072000), 0);
	ck_assert_int_eq(X509_CRL_verify(crl, X509_get0_pubkey(pki->inter.cert)), 1);
	pki_crls_free(crls);

	const struct pki_cred *a = pki_testpki_cred(pki, "sun-p256-revoked", &err);
	const struct pki_cred *b = pki_testpki_cred(pki, "dave-p384-revoked", &err);
	ck_assert_msg(a && b && pki_testpki_cred(pki, "dave-p384", &err), "%s", err.msg);
	crls = pki_load_crls(pki_testpki_crl_path(pki), &err);
	ck_assert_msg(crls != NULL, "%s", err.msg);
	crl = sk_X509_CRL_value(crls, 0);
	ck_assert_int_eq(crl_entries(crl), 2);
	X509_REVOKED *r = NULL;
	ck_assert_int_eq(X509_CRL_get0_by_cert(crl, &r, a->cert), 1);
	ck_assert_int_eq(X509_CRL_get0_by_cert(crl, &r, b->cert), 1);
	pki_crls_free(crls);

	/* two CRLs in one file; a file without one */
	char *two = path_in(pki->dir, "test-two.crl");
	char cmd[8400];
	snprintf(cmd, sizeof(cmd), "cat %s %s > %s", pki_testpki_crl_path(pki),
		 pki_testpki_crl_path(pki), two);
	ck_assert_int_eq(system(cmd), 0);
	crls = pki_load_crls(two, &err);
	ck_assert_msg(crls != NULL, "%s", err.msg);
	ck_assert_int_eq(sk_X509_CRL_num(crls), 2);
	pki_crls_free(crls);
	ck_assert_ptr_null(pki_load_crls(pki->root.cert_path, &err));
	ck_assert_msg(strstr(err.msg, pki->root.cert_path) && strstr(err.msg, "no CRL"),
		      "%s", err.msg);
	free(two);
	pki = fixture;
	pki_testpki_free(own);
}
END_TEST

/* A keyUsage with nonRepudiation alone, or none at all, may sign. */
START_TEST(test_pki_sign_usage)
{
	need_pki();
	struct pki_err err;
	X509 *x = X509_dup(cred("carol")->cert);
	ck_assert(pki_check_sign_usage(x, &err));
	int i = X509_get_ext_by_NID(x, NID_key_usage, -1);
	ck_assert_int_ge(i, 0);
	X509_EXTENSION_free(X509_delete_ext(x, i));
	ck_assert(pki_check_sign_usage(x, &err));     /* no keyUsage */
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	ck_assert(ASN1_BIT_STRING_set_bit(ku, 1, 1));  /* nonRepudiation */
	ck_assert_int_eq(X509_add1_ext_i2d(x, NID_key_usage, ku, 1, 0), 1);
	ck_assert_msg(pki_check_sign_usage(x, &err), "%s", err.msg);
	ASN1_BIT_STRING_free(ku);
	X509_free(x);
	ck_assert(!pki_check_sign_usage(pki->root.cert, &err));
	ck_assert_str_eq(err.msg, "the certificate's keyUsage (keyCertSign, cRLSign) has "
			 "neither digitalSignature nor nonRepudiation, which RFC 4945 5.1.3.2 "
			 "requires of a key that signs");
}
END_TEST

/* Two PKIs made in fresh processes (no inherited key cache) into two
 * directories give the same bytes for named credentials, the CAs, the
 * bundles and the CRL. */
static const char *const same_names[] = {
	"moon", "sun-p384", "carol-p521-revoked", "dave-p256-unknownca", "moon-rsa2048-revoked",
};

static void make_named_in(const char *dir)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct pki_err err;
		pki_testpki_cache_clear();
		struct pki_testpki *p = pki_testpki_create(dir, NULL, &err);
		bool ok = p != NULL;
		for (size_t i = 0; ok && i < N_ELEM(same_names); i++)
			ok = pki_testpki_cred(p, same_names[i], &err) != NULL;
		if (!ok)
			fprintf(stderr, "%s\n", err.msg);
		pki_testpki_free(p);
		_exit(ok ? 0 : 1);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "making the PKI in %s", dir);
}

static chunk_t read_whole(const char *dir, const char *name)
{
	char *path = path_in(dir, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	struct writer w;
	writer_init(&w);
	ck_assert(writer_read(&w, f, SIZE_MAX));
	fclose(f);
	free(path);
	return writer_take(&w);
}

START_TEST(test_pki_named_same_bytes)
{
	need_pki();
	char *d1 = path_in(pki->dir, "same1"), *d2 = path_in(pki->dir, "same2");
	make_named_in(d1);
	make_named_in(d2);
	static const char *const files[] = {
		"moon-rsa2048.key", "moon-rsa2048.crt", "moon-rsa2048-chain.pem",
		"sun-p384.key", "sun-p384.crt", "carol-p521-revoked.crt",
		"dave-p256-unknownca.crt", "moon-rsa2048-revoked.crt", "moon-rsa2048-revoked.key",
		"root-ca.crt", "root-ca.key", "inter-ca.crt", "rogue-ca.crt",
		"trust-all.pem", "trust-rogue.pem", "inter-ca.crl",
	};
	for (size_t i = 0; i < N_ELEM(files); i++) {
		chunk_t a = read_whole(d1, files[i]), b = read_whole(d2, files[i]);
		ck_assert_msg(a.len > 0 && chunk_eq(a, b), "%s differs", files[i]);
		chunk_free(&a);
		chunk_free(&b);
	}
	/* and the CRL lists both revoked ones */
	char *crl = path_in(d1, "inter-ca.crl");
	struct pki_err err;
	STACK_OF(X509_CRL) *crls = pki_load_crls(crl, &err);
	ck_assert_msg(crls != NULL, "%s", err.msg);
	ck_assert_int_eq(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(sk_X509_CRL_value(crls, 0))), 2);
	pki_crls_free(crls);
	free(crl);
	ck_assert_int_eq(nftw(d1, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	ck_assert_int_eq(nftw(d2, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	free(d1);
	free(d2);
}
END_TEST

/* ---- other specs, directories and cleanup ------------------------------ */

START_TEST(test_pki_custom_spec)
{
	need_pki();
	struct pki_err err;
	char buf[256];
	const struct pki_host_spec hosts[] = {
		{ "alice", PKI_KEY_RSA3072, "alice.test", "DNS:alice.test,IP:198.51.100.7" },
		{ "bob", PKI_KEY_P384, NULL, NULL },
	};
	const struct pki_spec spec = { PKI_KEY_P256, hosts, N_ELEM(hosts) };
	struct pki_testpki *p = pki_testpki_create(NULL, &spec, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	snprintf(pki_dir_custom, sizeof(pki_dir_custom), "%s", p->dir);
	ck_assert_str_ne(p->dir, pki->dir);
	const struct pki_cred *alice = pki_testpki_host(p, "alice");
	const struct pki_cred *bob = pki_testpki_host(p, "bob");
	ck_assert_ptr_nonnull(alice);
	ck_assert_ptr_nonnull(bob);
	ck_assert_ptr_null(pki_testpki_host(p, "moon"));
	ck_assert_int_eq(EVP_PKEY_get_bits(alice->key), 3072);
	ck_assert(pki_key_fits_auth(bob->key, PKI_AUTH_ECDSA_384, NULL));
	ck_assert(EVP_PKEY_is_a(p->root.key, "EC"));
	ck_assert_str_eq(pki_cert_subject_str(alice->cert, buf, sizeof(buf)),
			 "C=CH, O=ike-conform, CN=alice.test");
	uint8_t ip[4] = { 198, 51, 100, 7 };
	ck_assert(pki_id_matches_cert(alice->cert, PKI_ID_IPV4_ADDR, CHUNK_FROM(ip, 4), &err));
	/* Defaults: DNS from the CN, email from the name. */
	ck_assert(pki_id_matches_cert(bob->cert, PKI_ID_FQDN,
				      CHUNK_FROM("bob.example.org", 15), &err));
	ck_assert(pki_id_matches_cert(bob->cert, PKI_ID_USER_FQDN,
				      CHUNK_FROM("bob@example.org", 15), &err));
	struct pki_verify_opts o = { p->trusted, p->intermediates, 0, NULL };
	ck_assert_msg(pki_verify_chain(alice->cert, &o, NULL, &err), "%s", err.msg);
	/* Two PKIs do not trust each other. */
	ck_assert(!pki_verify_chain(cred("moon")->cert, &o, NULL, &err));
	/* The CA keys came from the cache only where type and role agree:
	 * this root is EC, the default one RSA. */
	ck_assert_int_ne(EVP_PKEY_eq(p->root.key, pki->root.key), 1);
	/* RSA-3072 signatures. */
	uint8_t hash[32] = { 1 };
	chunk_t sig;
	ck_assert(pki_sign(alice->key, PKI_AUTH_RSA_SIG, CHUNK_FROM(hash, 32), &sig, &err));
	ck_assert_uint_eq(sig.len, 384);
	ck_assert(pki_verify_cert(alice->cert, PKI_AUTH_RSA_SIG, CHUNK_FROM(hash, 32), sig, &err));
	chunk_free(&sig);

	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", p->dir);
	pki_testpki_free(p);
	ck_assert_int_eq(access(dir, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* A PKI written into a given directory stays there (the strongSwan driver
 * points its configuration at the files); a second one has the same keys. */
START_TEST(test_pki_given_dir)
{
	need_pki();
	struct pki_err err;
	char *dir = path_in(pki->dir, "given");
	const struct pki_host_spec hosts[] = { { "moon", PKI_KEY_RSA2048, NULL, NULL } };
	const struct pki_spec spec = { PKI_KEY_RSA2048, hosts, 1 };
	struct pki_testpki *p = pki_testpki_create(dir, &spec, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	ck_assert(!p->own_dir);
	/* Same (type, role), so the same keys as the fixture's PKI. */
	ck_assert_int_eq(EVP_PKEY_eq(pki_testpki_host(p, "moon")->key, cred("moon")->key), 1);
	ck_assert_int_eq(EVP_PKEY_eq(p->root.key, pki->root.key), 1);
	/* The CAs are fixed: the same bytes in every PKI ... */
	ck_assert_int_eq(X509_cmp(p->root.cert, pki->root.cert), 0);
	ck_assert_int_eq(X509_cmp(p->inter.cert, pki->inter.cert), 0);
	/* ... the hosts dated from now get new certificates (random serials). */
	ck_assert_int_ne(X509_cmp(pki_testpki_host(p, "moon")->cert, cred("moon")->cert), 0);
	char *key = xstrdup(pki_testpki_host(p, "moon")->key_path);
	char *chain = xstrdup(pki_testpki_host(p, "moon")->chain_path);
	char expect[4200];
	snprintf(expect, sizeof(expect), "%s/moon-chain.pem", dir);
	ck_assert_str_eq(chain, expect);
	pki_testpki_free(p);
	ck_assert_int_eq(access(key, R_OK), 0);
	ck_assert_int_eq(access(chain, R_OK), 0);
	ck_assert_int_eq(nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	/* A directory that cannot be made is an error that names it. */
	ck_assert_ptr_null(pki_testpki_create("/nonexistent/x/y", &spec, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/x/y"));
	free(key);
	free(chain);
	free(dir);
}
END_TEST

/* Runs after the first TCase's teardown: its directory must be gone. */
START_TEST(test_pki_tmp_removed)
{
	if (!pki_dir_made[0]) {
		test_skip("pki cleanup", "the pki TCase did not run in this process");
		return;
	}
	ck_assert_msg(access(pki_dir_made, F_OK) == -1 && errno == ENOENT,
		      "%s is still there", pki_dir_made);
	if (pki_dir_custom[0])
		ck_assert_msg(access(pki_dir_custom, F_OK) == -1, "%s is still there",
			      pki_dir_custom);
}
END_TEST

Suite *suite_pki(void)
{
	Suite *s = suite_create("pki");
	TCase *tc = tcase_create("pki");
	/* Key generation runs once, in the parent; RSA-3072 and the sanitizer
	 * build need more than Check's default 4 s. */
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
	tcase_add_test(tc, test_pki_builds);
	tcase_add_test(tc, test_pki_openssl_verify_cli);
	tcase_add_test(tc, test_pki_load_forms);
	tcase_add_loop_test(tc, test_pki_chain_table, 0, N_ELEM(chain_cases));
	tcase_add_test(tc, test_pki_chain_args);
	tcase_add_loop_test(tc, test_pki_id_table, 0, N_ELEM(id_cases));
	tcase_add_test(tc, test_pki_id_malformed);
	tcase_add_test(tc, test_pki_id_dn_string_types);
	tcase_add_test(tc, test_pki_dn_strings);
	tcase_add_loop_test(tc, test_pki_sign_roundtrip, 0, N_ELEM(sig_cases));
	tcase_add_test(tc, test_pki_sign_reasons);
	tcase_add_loop_test(tc, test_pki_key_method_table, 0, N_ELEM(fit_cases));
	tcase_add_test(tc, test_pki_rsa_matches_openssl_cli);
	tcase_add_test(tc, test_pki_ecdsa_matches_openssl_cli);
	tcase_add_test(tc, test_pki_ecdsa_prehash);
	tcase_add_loop_test(tc, test_pki_cert_payload_table, 0, N_ELEM(cert_cases));
	tcase_add_test(tc, test_pki_cr_ca_check);
	tcase_add_test(tc, test_pki_cr_name);
	tcase_add_test(tc, test_pki_custom_spec);
	tcase_add_test(tc, test_pki_given_dir);
	tcase_add_loop_test(tc, test_pki_name_table, 0, N_ELEM(name_cases));
	tcase_add_loop_test(tc, test_pki_variant_table, 0, N_ELEM(variant_cases));
	tcase_add_test(tc, test_pki_named_fields);
	tcase_add_test(tc, test_pki_crl);
	tcase_add_test(tc, test_pki_sign_usage);
	tcase_add_test(tc, test_pki_named_same_bytes);
	suite_add_tcase(s, tc);

	TCase *tc2 = tcase_create("pki-cleanup");
	tcase_add_test(tc2, test_pki_tmp_removed);
	suite_add_tcase(s, tc2);
	return s;
}
