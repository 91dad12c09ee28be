/* vectors: third-party known answers (NIST CAVS, NSS, RUB-NDS) from
 * ../shared/vectors, and the project's own RFC 5903 vectors in vectors/. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/chunk.h"
#include "core/hex.h"
#include "crypto/dh.h"
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "tests.h"

/* ---- NIST CAVS 17.3 IKEv1 .fax (gzip) ---------------------------------- */

enum cavs_field { CF_CKYI, CF_CKYR, CF_NI, CF_NR, CF_GXY, CF_PSK, CF_SKEYID,
		  CF_D, CF_A, CF_E, CF_N };
static const char *const cavs_names[CF_N] = {
	"CKY_I", "CKY_R", "Ni", "Nr", "g^xy", "pre-shared-key", "SKEYID",
	"SKEYID_d", "SKEYID_a", "SKEYID_e",
};

struct cavs_counts {
	unsigned vectors, values;
	unsigned by_hash[7];
};

/* Check one complete vector: SKEYID by the auth method, then _d, _a, _e. */
static void cavs_check(uint16_t prf, bool psk, char *const v[CF_N], unsigned count,
		       struct cavs_counts *n)
{
	chunk_t c[CF_N];
	for (int i = 0; i < CF_N; i++) {
		if (i == CF_PSK && !psk) {
			c[i] = CHUNK_EMPTY;
			continue;
		}
		ck_assert_msg(v[i] != NULL, "CAVS vector %u lacks %s", count, cavs_names[i]);
		c[i] = test_hex(v[i]);
	}
	struct crypto_err err;
	chunk_t skeyid;
	bool ok = psk ? keys_skeyid_psk(prf, c[CF_PSK], c[CF_NI], c[CF_NR], &skeyid, &err)
		      : keys_skeyid_sig(prf, c[CF_NI], c[CF_NR], c[CF_GXY], &skeyid, &err);
	ck_assert_msg(ok, "COUNT %u: %s", count, err.msg);
	struct keys_phase1 k;
	ck_assert_msg(keys_phase1_derive(prf, skeyid, c[CF_GXY], c[CF_CKYI], c[CF_CKYR], &k, &err),
		      "COUNT %u: %s", count, err.msg);
	ck_assert_msg(chunk_eq(k.skeyid, c[CF_SKEYID]), "COUNT %u hash %u: SKEYID differs", count, prf);
	ck_assert_msg(chunk_eq(k.skeyid_d, c[CF_D]), "COUNT %u hash %u: SKEYID_d differs", count, prf);
	ck_assert_msg(chunk_eq(k.skeyid_a, c[CF_A]), "COUNT %u hash %u: SKEYID_a differs", count, prf);
	ck_assert_msg(chunk_eq(k.skeyid_e, c[CF_E]), "COUNT %u hash %u: SKEYID_e differs", count, prf);
	keys_phase1_clear(&k);
	chunk_free(&skeyid);
	for (int i = 0; i < CF_N; i++)
		chunk_free(&c[i]);
	n->vectors++;
	n->values += 4;
	n->by_hash[prf]++;
}

static void cavs_run(const char *rel, bool psk, const char *label)
{
	const char *path = test_vector_path(rel);
	if (!path) {
		test_skip(label, "../shared/vectors is absent");
		return;
	}
	gzFile f = gzopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	size_t cap = 1 << 16;
	char *line = xmalloc(cap);
	char *v[CF_N] = { 0 };
	uint16_t prf = 0;
	unsigned count = 0;
	struct cavs_counts n = { 0 };
	while (gzgets(f, line, (int)cap)) {
		size_t len = strlen(line);
		ck_assert_msg(len + 1 < cap || line[len - 1] == '\n', "line too long in %s", rel);
		while (len && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		if (line[0] == '[') {
			if (strcmp(line, "[SHA-1]") == 0)
				prf = PRF_SHA1;
			else if (strcmp(line, "[SHA-256]") == 0)
				prf = PRF_SHA2_256;
			else if (strcmp(line, "[SHA-384]") == 0)
				prf = PRF_SHA2_384;
			else if (strcmp(line, "[SHA-512]") == 0)
				prf = PRF_SHA2_512;
			else if (strncmp(line, "[SHA", 4) == 0)
				ck_abort_msg("unexpected hash section %s in %s", line, rel);
			continue;
		}
		char *eq = strstr(line, " = ");
		if (!eq || line[0] == '#')
			continue;
		*eq = '\0';
		const char *val = eq + 3;
		if (strcmp(line, "COUNT") == 0) {
			count = (unsigned)strtoul(val, NULL, 10);
			continue;
		}
		for (int i = 0; i < CF_N; i++) {
			if (strcmp(line, cavs_names[i]) == 0) {
				free(v[i]);
				v[i] = xstrdup(val);
			}
		}
		if (strcmp(line, "SKEYID_e") == 0) {  /* last line of a vector */
			ck_assert_msg(prf != 0, "vector before any hash section in %s", rel);
			cavs_check(prf, psk, v, count, &n);
			for (int i = 0; i < CF_N; i++) {
				free(v[i]);
				v[i] = NULL;
			}
		}
	}
	gzclose(f);
	free(line);
	for (int i = 0; i < CF_N; i++)
		free(v[i]);
	ck_assert_uint_eq(n.vectors, 1700);
	test_report("vectors: NIST CAVS IKEv1 %s: %u vectors, %u values checked "
		    "(SHA-1 %u, SHA-256 %u, SHA-384 %u, SHA-512 %u)", label, n.vectors,
		    n.values, n.by_hash[PRF_SHA1], n.by_hash[PRF_SHA2_256],
		    n.by_hash[PRF_SHA2_384], n.by_hash[PRF_SHA2_512]);
}

START_TEST(test_cavs_psk)
{
	cavs_run("cavp/nist_cavs17.3_ikev1_psk.fax.gz", true, "PSK");
}
END_TEST

START_TEST(test_cavs_dsa)
{
	cavs_run("cavp/nist_cavs17.3_ikev1_dsa.fax.gz", false, "DSA (signature SKEYID)");
}
END_TEST

/* ---- a tiny JSON reader (objects, arrays, strings, bare words) ---------- */

enum jtype { J_STR, J_ARR, J_OBJ, J_LIT };
struct jval {
	enum jtype type;
	char *str;              /* J_STR, J_LIT */
	size_t n;               /* members */
	char **keys;            /* J_OBJ */
	struct jval **items;    /* J_ARR, J_OBJ */
};

struct jparser {
	const char *p, *end;
};

static void jfree(struct jval *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jfree(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->str);
	free(v);
}

static void jskip(struct jparser *jp)
{
	while (jp->p < jp->end && isspace((unsigned char)*jp->p))
		jp->p++;
}

static char *jstring(struct jparser *jp)
{
	ck_assert(jp->p < jp->end && *jp->p == '"');
	jp->p++;
	struct writer w;
	writer_init(&w);
	while (jp->p < jp->end && *jp->p != '"') {
		char c = *jp->p++;
		if (c == '\\' && jp->p < jp->end) {
			c = *jp->p++;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'u') {  /* keep it simple: non-ASCII becomes '?' */
				ck_assert(jp->end - jp->p >= 4);
				unsigned u = (unsigned)strtoul((char[5]){ jp->p[0], jp->p[1], jp->p[2], jp->p[3], 0 },
							       NULL, 16);
				jp->p += 4;
				c = u < 128 ? (char)u : '?';
			}
		}
		writer_u8(&w, (uint8_t)c);
	}
	ck_assert_msg(jp->p < jp->end, "unterminated JSON string");
	jp->p++;
	writer_u8(&w, 0);
	chunk_t c = writer_take(&w);
	return (char *)c.ptr;
}

static struct jval *jparse(struct jparser *jp)
{
	jskip(jp);
	ck_assert_msg(jp->p < jp->end, "JSON ends early");
	struct jval *v = xcalloc(1, sizeof(*v));
	char c = *jp->p;
	if (c == '"') {
		v->type = J_STR;
		v->str = jstring(jp);
	} else if (c == '{' || c == '[') {
		v->type = c == '{' ? J_OBJ : J_ARR;
		char close = c == '{' ? '}' : ']';
		jp->p++;
		for (;;) {
			jskip(jp);
			ck_assert(jp->p < jp->end);
			if (*jp->p == close) {
				jp->p++;
				break;
			}
			if (*jp->p == ',') {
				jp->p++;
				continue;
			}
			v->items = xrealloc(v->items, (v->n + 1) * sizeof(*v->items));
			if (v->type == J_OBJ) {
				v->keys = xrealloc(v->keys, (v->n + 1) * sizeof(*v->keys));
				v->keys[v->n] = jstring(jp);
				jskip(jp);
				ck_assert_msg(jp->p < jp->end && *jp->p == ':', "JSON: ':' expected");
				jp->p++;
			}
			v->items[v->n++] = jparse(jp);
		}
	} else {
		v->type = J_LIT;
		const char *s = jp->p;
		while (jp->p < jp->end && !strchr(",}] \t\r\n", *jp->p))
			jp->p++;
		v->str = xmalloc((size_t)(jp->p - s) + 1);
		memcpy(v->str, s, (size_t)(jp->p - s));
		v->str[jp->p - s] = '\0';
	}
	return v;
}

static const struct jval *jget(const struct jval *o, const char *key)
{
	for (size_t i = 0; o && o->type == J_OBJ && i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return o->items[i];
	return NULL;
}

static const char *jstr(const struct jval *o, const char *key)
{
	const struct jval *v = jget(o, key);
	return v && (v->type == J_STR || v->type == J_LIT) ? v->str : NULL;
}

static struct jval *jload(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	struct writer w;
	writer_init(&w);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		writer_bytes(&w, buf, n);
	fclose(f);
	chunk_t c = writer_take(&w);
	struct jparser jp = { (const char *)c.ptr, (const char *)c.ptr + c.len };
	struct jval *v = jparse(&jp);
	chunk_free(&c);
	return v;
}

/* ---- NSS IKE PRF vectors ----------------------------------------------- */

static chunk_t nss_field(const struct jval *o, const char *key)
{
	const char *s = jstr(o, key);
	ck_assert_msg(s != NULL, "NSS vector lacks %s", key);
	return test_hex(s);
}

/* Compute what an NSS vector describes; false when the type is not ours. */
static bool nss_compute(uint16_t prf, const struct jval *o, chunk_t *out, bool *ok)
{
	const char *type = jstr(o, "type");
	struct crypto_err err;
	chunk_t ikm = nss_field(o, "ikm"), ni = nss_field(o, "Ni"), nr = nss_field(o, "Nr");
	chunk_t gxy = nss_field(o, "gxykm"), prev = nss_field(o, "prevkm");
	size_t size = (size_t)strtoul(jstr(o, "size") ? jstr(o, "size") : "0", NULL, 10);
	unsigned keyno = (unsigned)strtoul(jstr(o, "key_number") ? jstr(o, "key_number") : "0",
					   NULL, 10);
	const char *seed_s = jstr(o, "seed_data");
	chunk_t seed = CHUNK_EMPTY;
	/* The collector printed the one-byte seed {0} of NSS's quick-mode
	 * Appendix B vectors as "0"; anything longer is hex. */
	if (seed_s && strcmp(seed_s, "0") == 0)
		seed = chunk_alloc(1);
	else if (seed_s)
		seed = test_hex(seed_s);
	bool known = true;
	if (strcmp(type, "ikeGxy") == 0) {
		*ok = keys_skeyid_sig(prf, ni, nr, ikm, out, &err);
	} else if (strcmp(type, "ikeV1Psk") == 0) {
		*ok = keys_skeyid_psk(prf, ikm, ni, nr, out, &err);
	} else if (strcmp(type, "ikeV1") == 0) {
		*ok = keyno <= 2 &&
		      keys_skeyid_step(prf, ikm, prev, gxy, ni, nr, (uint8_t)keyno, out, &err);
	} else if (strcmp(type, "ikeV1AppB") == 0) {
		*ok = keys_cipher_key(prf, ikm, size, out, &err);
	} else if (strcmp(type, "ikeV1AppBQuick") == 0) {
		/* NSS's quick form: K1 = prf(K, seed), Kn = prf(K, Kn-1 | seed), with no
		 * shortcut when K is long enough: the KEYMAT expansion. */
		*ok = keys_prf_expand(prf, ikm, seed, size, out, &err);
	} else if (strcmp(type, "ikePlus") == 0) {
		/* IKEv2 prf+ (RFC 7296 2.13), only to exercise the PRF further. */
		struct writer w;
		writer_init(&w);
		chunk_t t = CHUNK_EMPTY;
		*ok = true;
		for (uint8_t i = 1; *ok && w.len < size; i++) {
			chunk_t parts[] = { t, seed, CHUNK_FROM(&i, 1) };
			chunk_t next;
			*ok = prf_computev(prf, ikm, 3, parts, &next, &err);
			chunk_free(&t);
			if (*ok)
				writer_bytes(&w, next.ptr, next.len);
			t = next;
		}
		chunk_free(&t);
		*out = writer_take(&w);
		out->len = size < out->len ? size : out->len;
	} else if (strcmp(type, "ikeV2Rekey") == 0) {
		/* IKEv2 rekey SKEYSEED = prf(SK_d, g^ir | Ni | Nr). */
		chunk_t parts[] = { gxy, ni, nr };
		*ok = prf_computev(prf, ikm, 3, parts, out, &err);
	} else {
		known = false;
	}
	chunk_free(&ikm);
	chunk_free(&ni);
	chunk_free(&nr);
	chunk_free(&gxy);
	chunk_free(&prev);
	chunk_free(&seed);
	return known;
}

START_TEST(test_nss)
{
	const char *path = test_vector_path("nss/nss_ike_vectors.json");
	if (!path) {
		test_skip("vectors: NSS", "../shared/vectors is absent");
		return;
	}
	struct jval *root = jload(path);
	const struct jval *files = jget(root, "files");
	ck_assert(files && files->type == J_OBJ);
	static const struct { const char *file; uint16_t prf; } map[] = {
		{ "ike-sha1-vectors.h", PRF_SHA1 },
		{ "ike-sha256-vectors.h", PRF_SHA2_256 },
		{ "ike-sha384-vectors.h", PRF_SHA2_384 },
		{ "ike-sha512-vectors.h", PRF_SHA2_512 },
	};
	unsigned checked = 0, invalid = 0, v1 = 0, skipped = 0;
	for (size_t f = 0; f < files->n; f++) {
		uint16_t prf = 0;
		for (size_t m = 0; m < sizeof(map) / sizeof(map[0]); m++)
			if (strcmp(files->keys[f], map[m].file) == 0)
				prf = map[m].prf;
		const struct jval *arr = files->items[f];
		ck_assert(arr->type == J_ARR);
		if (!prf) {  /* AES-XCBC-PRF-128 is not an IKEv1 PRF */
			skipped += (unsigned)arr->n;
			continue;
		}
		for (size_t i = 0; i < arr->n; i++) {
			const struct jval *o = arr->items[i];
			const char *valid = jstr(o, "valid");
			bool want_ok = !valid || strcmp(valid, "false") != 0;
			chunk_t out = CHUNK_EMPTY;
			bool ok = false;
			ck_assert(nss_compute(prf, o, &out, &ok));
			chunk_t okm = nss_field(o, "okm");
			bool match = ok && chunk_eq(out, okm);
			ck_assert_msg(match == want_ok, "NSS %s id %s (%s): %s", files->keys[f],
				      jstr(o, "id"), jstr(o, "type"),
				      want_ok ? "mismatch" : "invalid vector was accepted");
			invalid += !want_ok;
			checked++;
			v1 += strncmp(jstr(o, "type"), "ikeV1", 5) == 0 ||
			      strcmp(jstr(o, "type"), "ikeGxy") == 0;
			chunk_free(&out);
			chunk_free(&okm);
		}
	}
	jfree(root);
	ck_assert_uint_ge(checked, 60);
	test_report("vectors: NSS IKE PRF: %u vectors checked (%u IKEv1 SKEYID/App.B, %u IKEv2 prf+/rekey; "
		    "%u marked invalid and rejected), %u AES-XCBC vectors skipped (not an IKEv1 PRF)",
		    checked, v1, checked - v1, invalid, skipped);
}
END_TEST

/* ---- RUB-NDS full-input vectors ---------------------------------------- */

/* The informational IVs a vector lists (IV_informational_mid_<M-ID>),
 * from the phase-1 IV; how many were checked. */
static unsigned rub_info_ivs(const struct jval *o, chunk_t iv)
{
	struct crypto_err err;
	chunk_t x;
	unsigned nval = 0;
	for (size_t f = 0; f < o->n; f++) {
		const char *pfx = "IV_informational_mid_";
		if (strncmp(o->keys[f], pfx, strlen(pfx)) != 0)
			continue;
		uint32_t mid = (uint32_t)strtoul(o->keys[f] + strlen(pfx), NULL, 16);
		/* No phase-1 message was encrypted yet: last block = phase-1 IV. */
		ck_assert(keys_iv_msgid(PRF_SHA1, iv, mid, 16, &x, &err));
		test_expect_hex(x, o->items[f]->str, o->keys[f]);
		chunk_free(&x);
		nval++;
	}
	return nval;
}

/* A vector's Quick Mode KEYMAT both ways, when it has one; how many
 * values were checked. */
static unsigned rub_keymat(const struct jval *o, chunk_t skeyid_d)
{
	struct crypto_err err;
	chunk_t x;
	unsigned nval = 0;
	if (jstr(o, "qm_inbound_spi")) {
		chunk_t qni = test_hex(jstr(o, "qm_Ni_b")), qnr = test_hex(jstr(o, "qm_Nr_b"));
		static const char *const dir[][2] = {
			{ "qm_outbound_spi", "KEYMAT_outbound_36bytes" },
			{ "qm_inbound_spi", "KEYMAT_inbound_36bytes" },
		};
		for (int d = 0; d < 2; d++) {
			chunk_t spi = test_hex(jstr(o, dir[d][0]));
			ck_assert(keys_keymat(PRF_SHA1, skeyid_d, CHUNK_EMPTY, 3, spi, qni, qnr,
					      36, &x, &err));
			test_expect_hex(x, jstr(o, dir[d][1]), dir[d][1]);
			chunk_free(&x);
			chunk_free(&spi);
			nval++;
		}
		chunk_free(&qni);
		chunk_free(&qnr);
	}
	return nval;
}

/* One full-input vector: the SKEYID family, Ka, the phase-1 IV, HASH_R,
 * the informational IVs and KEYMAT; how many values were checked. */
static unsigned rub_vector(const struct jval *o)
{
	struct crypto_err err;
	unsigned nval = 0;
	const char *name = jstr(o, "name");
	chunk_t psk = test_hex(jstr(o, "psk_hex")), ci = test_hex(jstr(o, "CKY_I")), cr = test_hex(jstr(o, "CKY_R"));
	chunk_t ni = test_hex(jstr(o, "Ni_b")), nr = test_hex(jstr(o, "Nr_b"));
	chunk_t gxi = test_hex(jstr(o, "g^xi")), gxr = test_hex(jstr(o, "g^xr")), gxy = test_hex(jstr(o, "g^xy"));
	chunk_t sa = test_hex(jstr(o, "SA_b")), idr = test_hex(jstr(o, "IDir_b"));
	chunk_t skeyid, x;
	struct keys_phase1 k;
	ck_assert_msg(keys_skeyid_psk(PRF_SHA1, psk, ni, nr, &skeyid, &err), "%s", err.msg);
	ck_assert_msg(keys_phase1_derive(PRF_SHA1, skeyid, gxy, ci, cr, &k, &err), "%s", err.msg);
	if (jstr(o, "SKEYID")) {
		test_expect_hex(k.skeyid, jstr(o, "SKEYID"), name);
		test_expect_hex(k.skeyid_d, jstr(o, "SKEYID_d"), name);
		test_expect_hex(k.skeyid_a, jstr(o, "SKEYID_a"), name);
		test_expect_hex(k.skeyid_e, jstr(o, "SKEYID_e"), name);
		nval += 4;
	}
	/* Ka: AES-128 key from SKEYID_e (long enough: no App. B). */
	ck_assert(keys_cipher_key(PRF_SHA1, k.skeyid_e, 16, &x, &err));
	test_expect_hex(x, jstr(o, "Ka"), "Ka");
	chunk_free(&x);
	chunk_t iv;
	ck_assert(keys_iv_phase1(PRF_SHA1, gxi, gxr, 16, &iv, &err));
	test_expect_hex(iv, jstr(o, "IV_phase1"), "IV_phase1");
	nval += 2;
	if (jstr(o, "HASH_R")) {
		ck_assert(keys_hash_r(PRF_SHA1, k.skeyid, gxi, gxr, ci, cr, sa, idr, &x, &err));
		test_expect_hex(x, jstr(o, "HASH_R"), "HASH_R");
		chunk_free(&x);
		nval++;
	}
	nval += rub_info_ivs(o, iv);
	nval += rub_keymat(o, k.skeyid_d);
	chunk_free(&iv);
	keys_phase1_clear(&k);
	chunk_free(&skeyid);
	chunk_t all[] = { psk, ci, cr, ni, nr, gxi, gxr, gxy, sa, idr };
	for (size_t a = 0; a < sizeof(all) / sizeof(all[0]); a++)
		chunk_free(&all[a]);
	return nval;
}

START_TEST(test_rub)
{
	const char *path = test_vector_path("rub_nds_ikev1_kdf_kat.json");
	if (!path) {
		test_skip("vectors: RUB-NDS", "../shared/vectors is absent");
		return;
	}
	struct jval *root = jload(path);
	const struct jval *vs = jget(root, "vectors");
	ck_assert(vs && vs->type == J_ARR);
	unsigned nvec = 0, nval = 0;
	for (size_t i = 0; i < vs->n; i++) {
		nval += rub_vector(vs->items[i]);
		nvec++;
	}
	jfree(root);
	ck_assert_uint_eq(nvec, 3);
	test_report("vectors: RUB-NDS IKEv1 full-input: %u vectors, %u values checked "
		    "(SKEYID family, Ka, phase-1 IV, HASH_R, informational IV, KEYMAT)", nvec, nval);
}
END_TEST

/* ---- RFC 5903 section 8 (project's own vectors/) ----------------------- */

static char *rfc5903_path(void)
{
	/* The project's data sits beside tests/: tests run from the checkout. */
	const char *src = getenv("IKEC_SRCDIR");
	char *p = xmalloc(4096);
	snprintf(p, 4096, "%s/vectors/rfc5903_ecp.txt", src && *src ? src : ".");
	return p;
}

START_TEST(test_rfc5903)
{
	char *path = rfc5903_path();
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "project vector file %s missing (run from the checkout or set IKEC_SRCDIR)",
		      path);
	free(path);
	char line[512];
	char *v[8] = { 0 };
	static const char *const names[8] = { "i", "gix", "giy", "r", "grx", "gry", "girx", "giry" };
	unsigned group = 0, groups = 0, values = 0;
	for (;;) {
		bool eof = !fgets(line, sizeof(line), f);
		size_t len = eof ? 0 : strlen(line);
		while (len && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		if ((eof || line[0] == '[') && group) {
			/* Check the group just read, both directions. */
			struct crypto_err err;
			for (int i = 0; i < 8; i++)
				ck_assert_msg(v[i], "group %u lacks %s", group, names[i]);
			chunk_t ci = test_hex(v[0]), cr = test_hex(v[3]);
			struct dh_key *ki = dh_key_from_private((uint16_t)group, ci, &err);
			ck_assert_msg(ki, "%s", err.msg);
			struct dh_key *kr = dh_key_from_private((uint16_t)group, cr, &err);
			ck_assert_msg(kr, "%s", err.msg);
			char want[600];
			snprintf(want, sizeof(want), "%s%s", v[1], v[2]);
			test_expect_hex(dh_key_public(ki), want, "RFC 5903 g^i (KE = x | y)");
			snprintf(want, sizeof(want), "%s%s", v[4], v[5]);
			test_expect_hex(dh_key_public(kr), want, "RFC 5903 g^r");
			chunk_t s1, s2;
			ck_assert_msg(dh_key_shared(ki, dh_key_public(kr), &s1, &err), "%s", err.msg);
			ck_assert_msg(dh_key_shared(kr, dh_key_public(ki), &s2, &err), "%s", err.msg);
			test_expect_hex(s1, v[6], "RFC 5903 g^ir (x only)");
			test_expect_hex(s2, v[6], "RFC 5903 g^ri");
			values += 4;
			groups++;
			chunk_free(&s1);
			chunk_free(&s2);
			chunk_free(&ci);
			chunk_free(&cr);
			dh_key_free(ki);
			dh_key_free(kr);
			for (int i = 0; i < 8; i++) {
				free(v[i]);
				v[i] = NULL;
			}
			group = 0;
		}
		if (eof)
			break;
		if (sscanf(line, "[group %u]", &group) == 1)
			continue;
		char *eq = strstr(line, " = ");
		if (!eq || line[0] == '#')
			continue;
		*eq = '\0';
		for (int i = 0; i < 8; i++)
			if (strcmp(line, names[i]) == 0) {
				free(v[i]);
				v[i] = xstrdup(eq + 3);
			}
	}
	fclose(f);
	ck_assert_uint_eq(groups, 3);
	test_report("vectors: RFC 5903 section 8 (vectors/rfc5903_ecp.txt): %u groups, %u values checked",
		    groups, values);
}
END_TEST

Suite *suite_vectors(void)
{
	Suite *s = suite_create("vectors");
	TCase *tc = tcase_create("vectors");
	tcase_set_timeout(tc, 300);  /* 3,400 CAVS vectors, some with 8192-bit g^xy */
	tcase_add_test(tc, test_cavs_psk);
	tcase_add_test(tc, test_cavs_dsa);
	tcase_add_test(tc, test_nss);
	tcase_add_test(tc, test_rub);
	tcase_add_test(tc, test_rfc5903);
	suite_add_tcase(s, tc);
	return s;
}
