/* Chain verification with an X509_STORE, CRLs, key usage for signing. */
#include <stdio.h>

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "pki/internal.h"

/* No CRL of the end entity's issuer among those given is no refusal
 * (pki.h): OpenSSL would fail X509_V_FLAG_CRL_CHECK for it. */
static int pki_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL) {
		X509_STORE_CTX_set_error(ctx, X509_V_OK);
		return 1;
	}
	return ok;
}

bool pki_verify_chain(X509 *ee, const struct pki_verify_opts *opts, int *code,
		      struct pki_err *err)
{
	if (code)
		*code = X509_V_ERR_UNSPECIFIED;
	if (!ee || !opts || !opts->trusted || sk_X509_num(opts->trusted) == 0)
		return pki_fail(err, "chain verification needs a certificate and "
				"at least one trusted CA");
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok = false;
	if (!store || !ctx) {
		pki_fail(err, "out of memory");
		goto out;
	}
	for (int i = 0; i < sk_X509_num(opts->trusted); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(opts->trusted, i))) {
			pki_fail(err, "cannot add trusted CA %d to the store", i);
			goto out;
		}
	if (!X509_STORE_CTX_init(ctx, store, ee, opts->untrusted)) {
		pki_fail(err, "X509_STORE_CTX_init failed");
		goto out;
	}
	/* IKE certificates carry no particular extendedKeyUsage (RFC 4945). */
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
	if (opts->at)
		X509_STORE_CTX_set_time(ctx, 0, opts->at);
	if (opts->crls) {
		/* the end entity only: the test PKI's root issues no CRL for
		 * the intermediate, and IKE peers check the leaf */
		X509_STORE_CTX_set0_crls(ctx, opts->crls);
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK);
		X509_STORE_CTX_set_verify_cb(ctx, pki_verify_cb);
	}
	if (X509_verify_cert(ctx) == 1) {
		if (code)
			*code = X509_V_OK;
		ok = true;
		goto out;
	}
	int e = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
	char subj[256] = "?";
	if (bad)
		pki_name_str(X509_get_subject_name(bad), subj, sizeof(subj));
	if (code)
		*code = e;
	pki_clear_openssl_errors();
	pki_fail(err, "%s (depth %d, \"%s\")", X509_verify_cert_error_string(e),
		 depth, subj);
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

/* The keyUsage bits a certificate has, by name, into buf. */
static const char *pki_ku_names(uint32_t ku, char *buf, size_t len)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
		{ KU_NON_REPUDIATION, "nonRepudiation" },
		{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
		{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
		{ KU_KEY_AGREEMENT, "keyAgreement" },
		{ KU_KEY_CERT_SIGN, "keyCertSign" },
		{ KU_CRL_SIGN, "cRLSign" },
		{ KU_ENCIPHER_ONLY, "encipherOnly" },
		{ KU_DECIPHER_ONLY, "decipherOnly" },
	};
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (ku & bits[i].bit && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
					      bits[i].name);
	if (!buf[0])
		snprintf(buf, len, "no bit set");
	return buf;
}

bool pki_check_sign_usage(X509 *cert, struct pki_err *why)
{
	if (!cert)
		return pki_fail(why, "no certificate to check the key usage of");
	uint32_t flags = X509_get_extension_flags(cert);
	if (flags & EXFLAG_INVALID)
		return pki_fail(why, "the certificate's extensions do not parse");
	if (!(flags & EXFLAG_KUSAGE))
		return true;
	uint32_t ku = X509_get_key_usage(cert);
	if (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))
		return true;
	char bits[200];
	return pki_fail(why, "the certificate's keyUsage (%s) has neither digitalSignature "
			"nor nonRepudiation, which RFC 4945 5.1.3.2 requires of a key "
			"that signs", pki_ku_names(ku, bits, sizeof(bits)));
}
