/* Chain verification with an X509_STORE. */
#include <stdio.h>

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "pki/internal.h"

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
