/* Loading and writing keys and certificates; error reporting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "pki/internal.h"

bool pki_fail(struct pki_err *err, const char *fmt, ...)
{
	unsigned long e = ERR_get_error();
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		if (e) {
			char ebuf[256];
			size_t n = strlen(err->msg);
			ERR_error_string_n(e, ebuf, sizeof(ebuf));
			snprintf(err->msg + n, sizeof(err->msg) - n, " (%s)", ebuf);
		}
	}
	ERR_clear_error();
	return false;
}

void pki_clear_openssl_errors(void)
{
	ERR_clear_error();
}

/* The whole file into memory, so one read serves both PEM and DER tries. */
static bool pki_read_file(const char *path, chunk_t *out, struct pki_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return pki_fail(err, "%s: %s", path, strerror(errno));
	struct writer w;
	writer_init(&w);
	bool bad = !writer_read(&w, f, SIZE_MAX);
	fclose(f);
	if (bad) {
		writer_free(&w);
		return pki_fail(err, "%s: read error", path);
	}
	*out = writer_take(&w);
	return true;
}

static bool pki_looks_pem(chunk_t data)
{
	static const char tag[] = "-----BEGIN ";
	if (data.len < sizeof(tag) - 1)
		return false;
	/* PEM may carry explanatory text before the first block. */
	for (size_t i = 0; i + sizeof(tag) - 1 <= data.len; i++)
		if (memcmp(data.ptr + i, tag, sizeof(tag) - 1) == 0)
			return true;
	return false;
}

EVP_PKEY *pki_load_key(const char *path, struct pki_err *err)
{
	chunk_t data;
	if (!pki_read_file(path, &data, err))
		return NULL;
	EVP_PKEY *key = NULL;
	if (pki_looks_pem(data)) {
		BIO *bio = BIO_new_mem_buf(data.ptr, (int)data.len);
		if (bio)
			key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		/* d2i_AutoPrivateKey tells PKCS#8, PKCS#1 and SEC1 apart. */
		const unsigned char *p = data.ptr;
		key = d2i_AutoPrivateKey(NULL, &p, (long)data.len);
	}
	chunk_clear(&data);
	if (!key)
		pki_fail(err, "%s: no private key in PEM or DER form", path);
	return key;
}

X509 *pki_cert_from_der(chunk_t der, struct pki_err *err)
{
	const unsigned char *p = der.ptr;
	X509 *cert = d2i_X509(NULL, &p, (long)der.len);
	if (!cert) {
		pki_fail(err, "certificate DER does not parse (%zu bytes)", der.len);
		return NULL;
	}
	if ((size_t)(p - der.ptr) != der.len) {
		size_t used = (size_t)(p - der.ptr);
		X509_free(cert);
		pki_fail(err, "certificate DER has %zu trailing bytes", der.len - used);
		return NULL;
	}
	return cert;
}

STACK_OF(X509) *pki_load_certs(const char *path, struct pki_err *err)
{
	chunk_t data;
	if (!pki_read_file(path, &data, err))
		return NULL;
	STACK_OF(X509) *certs = sk_X509_new_null();
	if (!certs) {
		chunk_free(&data);
		pki_fail(err, "out of memory");
		return NULL;
	}
	if (pki_looks_pem(data)) {
		BIO *bio = BIO_new_mem_buf(data.ptr, (int)data.len);
		X509 *c;
		while (bio && (c = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
			sk_X509_push(certs, c);
		BIO_free(bio);
		ERR_clear_error(); /* the read that ends the loop always fails */
	} else {
		struct pki_err e;
		X509 *c = pki_cert_from_der(data, &e);
		if (c)
			sk_X509_push(certs, c);
	}
	chunk_free(&data);
	if (sk_X509_num(certs) == 0) {
		sk_X509_free(certs);
		pki_fail(err, "%s: no certificate in PEM or DER form", path);
		return NULL;
	}
	return certs;
}

void pki_certs_free(STACK_OF(X509) *certs)
{
	sk_X509_pop_free(certs, X509_free);
}

STACK_OF(X509_CRL) *pki_load_crls(const char *path, struct pki_err *err)
{
	chunk_t data;
	if (!pki_read_file(path, &data, err))
		return NULL;
	STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
	if (pki_looks_pem(data)) {
		BIO *bio = BIO_new_mem_buf(data.ptr, (int)data.len);
		X509_CRL *c;
		while (crls && bio && (c = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)))
			if (!sk_X509_CRL_push(crls, c))
				X509_CRL_free(c);
		BIO_free(bio);
		ERR_clear_error(); /* the read that ends the loop always fails */
	} else if (crls) {
		const unsigned char *p = data.ptr;
		X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)data.len);
		if (c && (size_t)(p - data.ptr) == data.len && sk_X509_CRL_push(crls, c))
			c = NULL;
		X509_CRL_free(c);
		ERR_clear_error();
	}
	chunk_free(&data);
	if (sk_X509_CRL_num(crls) <= 0) {
		sk_X509_CRL_free(crls);
		pki_fail(err, "%s: no CRL in PEM or DER form", path);
		return NULL;
	}
	return crls;
}

void pki_crls_free(STACK_OF(X509_CRL) *crls)
{
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
}

X509 *pki_load_cert(const char *path, struct pki_err *err)
{
	STACK_OF(X509) *certs = pki_load_certs(path, err);
	if (!certs)
		return NULL;
	X509 *c = sk_X509_shift(certs);
	pki_certs_free(certs);
	return c;
}

bool pki_cert_der(X509 *cert, chunk_t *out)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);
	if (n <= 0)
		return pki_fail(NULL, "i2d_X509");
	*out = chunk_dup(der, (size_t)n);
	OPENSSL_free(der);
	return true;
}

bool pki_write_key_pem(const char *path, EVP_PKEY *key, struct pki_err *err)
{
	BIO *bio = BIO_new_file(path, "w");
	if (!bio)
		return pki_fail(err, "%s: cannot create the file", path);
	int ok = PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0,
						      NULL, NULL);
	if (BIO_flush(bio) != 1)
		ok = 0;
	BIO_free(bio);
	return ok ? true : pki_fail(err, "%s: cannot write the private key", path);
}

bool pki_write_cert(const char *path, X509 *cert, bool der, struct pki_err *err)
{
	FILE *f = fopen(path, der ? "wb" : "w");
	if (!f)
		return pki_fail(err, "%s: %s", path, strerror(errno));
	int ok = der ? i2d_X509_fp(f, cert) : PEM_write_X509(f, cert);
	if (fclose(f) != 0)
		ok = 0;
	return ok ? true : pki_fail(err, "%s: cannot write the certificate", path);
}
