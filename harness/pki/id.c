/* Distinguished names and ID payload identities against certificates. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "pki/internal.h"

bool pki_name_der(const X509_NAME *name, chunk_t *out)
{
	unsigned char *der = NULL;
	int n = i2d_X509_NAME(name, &der);
	if (n <= 0)
		return pki_fail(NULL, "i2d_X509_NAME");
	*out = chunk_dup(der, (size_t)n);
	OPENSSL_free(der);
	return true;
}

X509_NAME *pki_name_from_der(chunk_t der)
{
	const unsigned char *p = der.ptr;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)der.len);
	if (name && (size_t)(p - der.ptr) == der.len)
		return name;
	X509_NAME_free(name);
	pki_clear_openssl_errors();
	return NULL;
}

/* Append to buf at *off, never past len, always NUL terminated. */
static void pki_append(char *buf, size_t len, size_t *off, const char *s, size_t n)
{
	if (*off >= len)
		return;
	size_t room = len - *off - 1;
	if (n > room)
		n = room;
	memcpy(buf + *off, s, n);
	*off += n;
	buf[*off] = '\0';
}

const char *pki_name_str(const X509_NAME *name, char *buf, size_t len)
{
	size_t off = 0;
	if (!len)
		return buf;
	buf[0] = '\0';
	/* Our own "SN=value, ..." rather than X509_NAME_print_ex, whose one-line
	 * forms put spaces around '=' or reverse the order. */
	for (int i = 0; i < X509_NAME_entry_count(name); i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
		int nid = OBJ_obj2nid(obj);
		char oid[80];
		const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
		if (!sn) {
			OBJ_obj2txt(oid, sizeof(oid), obj, 1);
			sn = oid;
		}
		unsigned char *utf8 = NULL;
		int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
		if (i)
			pki_append(buf, len, &off, ", ", 2);
		pki_append(buf, len, &off, sn, strlen(sn));
		pki_append(buf, len, &off, "=", 1);
		if (n >= 0)
			pki_append(buf, len, &off, (const char *)utf8, (size_t)n);
		else
			pki_append(buf, len, &off, "?", 1);
		OPENSSL_free(utf8);
	}
	return buf;
}

X509_NAME *pki_name_parse(const char *s, struct pki_err *err)
{
	X509_NAME *name = X509_NAME_new();
	if (!name) {
		pki_fail(err, "out of memory");
		return NULL;
	}
	char *copy = xstrdup(s);
	char *save = NULL;
	bool ok = true;
	/* RDNs are separated by ',' (values with commas are not supported). */
	for (char *rdn = strtok_r(copy, ",", &save); rdn && ok;
	     rdn = strtok_r(NULL, ",", &save)) {
		while (*rdn == ' ')
			rdn++;
		char *eq = strchr(rdn, '=');
		if (!eq || eq == rdn) {
			ok = pki_fail(err, "DN \"%s\": \"%s\" is not attribute=value", s, rdn);
			break;
		}
		char *end = eq;
		while (end > rdn && end[-1] == ' ')
			end--;
		*end = '\0';
		char *val = eq + 1;
		while (*val == ' ')
			val++;
		for (char *t = val + strlen(val); t > val && t[-1] == ' '; t--)
			t[-1] = '\0';
		if (!X509_NAME_add_entry_by_txt(name, rdn, MBSTRING_UTF8,
						(const unsigned char *)val, -1, -1, 0))
			ok = pki_fail(err, "DN \"%s\": unknown attribute \"%s\" or bad value",
				      s, rdn);
	}
	free(copy);
	if (ok && X509_NAME_entry_count(name) == 0)
		ok = pki_fail(err, "DN \"%s\" is empty", s);
	if (!ok) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

bool pki_dn_from_string(const char *s, chunk_t *der, struct pki_err *err)
{
	X509_NAME *name = pki_name_parse(s, err);
	if (!name)
		return false;
	bool ok = pki_name_der(name, der);
	X509_NAME_free(name);
	return ok ? true : pki_fail(err, "DN \"%s\" cannot be encoded", s);
}

const char *pki_dn_str(chunk_t der, char *buf, size_t len)
{
	X509_NAME *name = pki_name_from_der(der);
	if (!name) {
		snprintf(buf, len, "(invalid DN)");
		return buf;
	}
	pki_name_str(name, buf, len);
	X509_NAME_free(name);
	return buf;
}

const char *pki_cert_subject_str(X509 *cert, char *buf, size_t len)
{
	return pki_name_str(X509_get_subject_name(cert), buf, len);
}

bool pki_cert_subject_der(X509 *cert, chunk_t *out)
{
	return pki_name_der(X509_get_subject_name(cert), out);
}

bool pki_cert_default_id(X509 *cert, uint8_t *id_type, chunk_t *data)
{
	*id_type = PKI_ID_DER_ASN1_DN;
	return pki_cert_subject_der(cert, data);
}

/* Compare a received DN with the subject. Byte equality first; then
 * X509_NAME_cmp, which compares OpenSSL's canonical form, so a peer that
 * encodes PrintableString where we have UTF8String still matches. */
static bool pki_id_dn(X509 *cert, chunk_t data, struct pki_err *why)
{
	chunk_t subj;
	char want[256], got[256];
	if (!pki_cert_subject_der(cert, &subj))
		return pki_fail(why, "cannot encode the certificate's subject");
	bool same = chunk_eq(subj, data);
	chunk_free(&subj);
	if (same)
		return true;
	X509_NAME *name = pki_name_from_der(data);
	if (!name)   /* the length alone says enough */
		return pki_fail(why, "ID_DER_ASN1_DN data is not a DER distinguished "
				"name (%zu bytes)", data.len);
	same = X509_NAME_cmp(name, X509_get_subject_name(cert)) == 0;
	pki_name_str(name, got, sizeof(got));
	X509_NAME_free(name);
	if (same)
		return true;
	pki_cert_subject_str(cert, want, sizeof(want));
	return pki_fail(why, "ID_DER_ASN1_DN \"%s\" is not the certificate's "
			"subject \"%s\"", got, want);
}

/* Look through the SANs of one GENERAL_NAME type; list them for the reason. */
static bool pki_id_san(X509 *cert, int gen_type, uint8_t id_type, chunk_t data,
		       struct pki_err *why)
{
	static const char *const id_names[] = {
		[PKI_ID_IPV4_ADDR] = "ID_IPV4_ADDR", [PKI_ID_FQDN] = "ID_FQDN",
		[PKI_ID_USER_FQDN] = "ID_USER_FQDN", [PKI_ID_IPV6_ADDR] = "ID_IPV6_ADDR",
	};
	static const char *const san_names[] = {
		[GEN_DNS] = "DNS", [GEN_EMAIL] = "email", [GEN_IPADD] = "IP",
	};
	char idstr[INET6_ADDRSTRLEN + 300];
	char have[256];
	size_t hoff = 0;
	have[0] = '\0';

	if (id_type == PKI_ID_IPV4_ADDR || id_type == PKI_ID_IPV6_ADDR) {
		size_t need = id_type == PKI_ID_IPV4_ADDR ? 4 : 16;
		if (data.len != need)
			return pki_fail(why, "%s data must be %zu bytes, got %zu",
					id_names[id_type], need, data.len);
		inet_ntop(need == 4 ? AF_INET : AF_INET6, data.ptr, idstr, sizeof(idstr));
	} else {
		if (data.len == 0 || memchr(data.ptr, '\0', data.len))
			return pki_fail(why, "%s data is empty or has a NUL byte",
					id_names[id_type]);
		snprintf(idstr, sizeof(idstr), "%.*s", (int)(data.len > 255 ? 255 : data.len),
			 (const char *)data.ptr);
	}

	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	bool found = false;
	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && !found; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		if (gn->type != gen_type)
			continue;
		const ASN1_STRING *s = gen_type == GEN_IPADD ? gn->d.iPAddress :
				       gen_type == GEN_DNS ? gn->d.dNSName :
				       gn->d.rfc822Name;
		const unsigned char *v = ASN1_STRING_get0_data(s);
		size_t vlen = (size_t)ASN1_STRING_length(s);
		char one[INET6_ADDRSTRLEN + 4];
		if (gen_type == GEN_IPADD) {
			found = vlen == data.len && memcmp(v, data.ptr, vlen) == 0;
			if (vlen == 4 || vlen == 16)
				inet_ntop(vlen == 4 ? AF_INET : AF_INET6, v, one, sizeof(one));
			else
				snprintf(one, sizeof(one), "(%zu bytes)", vlen);
		} else {
			/* DNS names and mail addresses compare case-insensitively
			 * (RFC 4945 leaves the local part alone; so do most peers). */
			found = vlen == data.len &&
				strncasecmp((const char *)v, (const char *)data.ptr, vlen) == 0;
			snprintf(one, sizeof(one), "%.*s", (int)(vlen > 40 ? 40 : vlen),
				 (const char *)v);
		}
		if (hoff)
			pki_append(have, sizeof(have), &hoff, ", ", 2);
		pki_append(have, sizeof(have), &hoff, one, strlen(one));
	}
	GENERAL_NAMES_free(sans);
	pki_clear_openssl_errors();
	if (found)
		return true;
	if (!hoff)
		return pki_fail(why, "%s %s: the certificate has no subjectAltName of "
				"type %s", id_names[id_type], idstr, san_names[gen_type]);
	return pki_fail(why, "%s %s is not among the certificate's %s "
			"subjectAltNames (%s)", id_names[id_type], idstr,
			san_names[gen_type], have);
}

bool pki_id_matches_cert(X509 *cert, uint8_t id_type, chunk_t id_data,
			 struct pki_err *why)
{
	switch (id_type) {
	case PKI_ID_DER_ASN1_DN:
		return pki_id_dn(cert, id_data, why);
	case PKI_ID_FQDN:
		return pki_id_san(cert, GEN_DNS, id_type, id_data, why);
	case PKI_ID_USER_FQDN:
		return pki_id_san(cert, GEN_EMAIL, id_type, id_data, why);
	case PKI_ID_IPV4_ADDR:
	case PKI_ID_IPV6_ADDR:
		return pki_id_san(cert, GEN_IPADD, id_type, id_data, why);
	default:
		return pki_fail(why, "ID type %u cannot be checked against a "
				"certificate", id_type);
	}
}
