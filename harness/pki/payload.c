/* CERT and CR payload data (RFC 2408 3.9, 3.10; RFC 4945 3.2). */
#include "pki/internal.h"

bool pki_cert_payload_data(X509 *cert, chunk_t *out)
{
	return pki_cert_der(cert, out);
}

X509 *pki_cert_payload_parse(uint8_t encoding, chunk_t data, uint16_t *notify,
			     struct pki_err *err)
{
	uint16_t dummy;
	if (!notify)
		notify = &dummy;
	*notify = 0;
	if (encoding == PKI_CERT_X509_SIG) {
		struct pki_err e;
		X509 *cert = pki_cert_from_der(data, &e);
		if (!cert) {
			*notify = PKI_NOTIFY_INVALID_CERTIFICATE;
			pki_fail(err, "CERT payload (X.509 Signature): %s", e.msg);
		}
		return cert;
	}
	/* RFC 2408 5.9: an encoding not supported is INVALID-CERT-ENCODING,
	   defined (1..10, RFC 2408 3.9) or not; CERT-TYPE-UNSUPPORTED is the
	   CR's (5.10) */
	*notify = PKI_NOTIFY_INVALID_CERT_ENCODING;
	if (encoding >= 1 && encoding <= 10)
		pki_fail(err, "CERT payload encoding %u is not supported (only 4, "
			 "X.509 Certificate - Signature)", encoding);
	else
		pki_fail(err, "CERT payload encoding %u is not a defined encoding",
			 encoding);
	return NULL;
}

bool pki_cr_ca_check(chunk_t data, struct pki_err *err)
{
	if (!data.len)
		return true;
	X509_NAME *name = pki_name_from_der(data);
	if (!name)
		return pki_fail(err, "certificate authority is not a DER distinguished "
				"name (%zu bytes)", data.len);
	X509_NAME_free(name);
	return true;
}

bool pki_cr_ca_name(X509 *ca, chunk_t *out)
{
	return pki_name_der(X509_get_subject_name(ca), out);
}
