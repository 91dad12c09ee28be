#include "cli/decode.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "crypto/cipher.h"
#include "crypto/keys.h"
#include "wire/msg.h"
#include "wire/names.h"

static void decode_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void decode_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* --- key table --------------------------------------------------------- */

static char *decode_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* One CSV field: trims blanks and optional double quotes (Wireshark's UAT
 * files quote every field). */
static char *decode_field(char *s)
{
	s = decode_trim(s);
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		s++;
	}
	return s;
}

bool decode_keys_load(const char *path, struct decode_keys *keys, char *err, size_t errlen)
{
	memset(keys, 0, sizeof(*keys));
	FILE *f = fopen(path, "r");
	if (!f) {
		decode_seterr(err, errlen, "%s: cannot open", path);
		return false;
	}
	char line[4096];
	size_t lineno = 0;
	bool ok = true;
	while (ok && fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = decode_trim(line);
		if (!*s || *s == '#')
			continue;
		char *comma = strchr(s, ',');
		if (!comma) {
			decode_seterr(err, errlen, "%s:%zu: expected initiator_cookie,key", path, lineno);
			ok = false;
			break;
		}
		*comma = '\0';
		char *ck = decode_field(s), *kh = decode_field(comma + 1);
		chunk_t cookie, key;
		if (!hex_decode(ck, strlen(ck), &cookie) || cookie.len != 8) {
			if (cookie.ptr && cookie.len != 8)
				chunk_free(&cookie);
			decode_seterr(err, errlen, "%s:%zu: initiator cookie '%s' is not 16 hex digits",
				      path, lineno, ck);
			ok = false;
			break;
		}
		if (!hex_decode(kh, strlen(kh), &key) || key.len == 0) {
			chunk_free(&cookie);
			decode_seterr(err, errlen, "%s:%zu: key '%s' is not hex", path, lineno, kh);
			ok = false;
			break;
		}
		keys->k = xrealloc(keys->k, (keys->n + 1) * sizeof(*keys->k));
		memcpy(keys->k[keys->n].icookie, cookie.ptr, 8);
		keys->k[keys->n].key = key;
		keys->n++;
		chunk_free(&cookie);
	}
	fclose(f);
	if (!ok)
		decode_keys_free(keys);
	return ok;
}

void decode_keys_free(struct decode_keys *keys)
{
	for (size_t i = 0; i < keys->n; i++)
		chunk_clear(&keys->k[i].key);
	free(keys->k);
	memset(keys, 0, sizeof(*keys));
}

static const chunk_t *decode_key_find(const struct decode_keys *keys, const uint8_t *icookie)
{
	for (size_t i = 0; keys && i < keys->n; i++)
		if (!memcmp(keys->k[i].icookie, icookie, 8))
			return &keys->k[i].key;
	return NULL;
}

/* --- per-SA state for decryption -------------------------------------- */

/* What the decoder learns of one IKE SA from the messages it sees. */
struct decode_sa {
	uint8_t icookie[8];
	struct capture_addr initiator;   /* who sent the first message */
	uint32_t encr, key_bits, hash;   /* the responder's chosen transform */
	bool have_transform;
	chunk_t gxi, gxr;
	chunk_t p1_iv;                   /* next phase-1 IV (the CBC chain) */
	struct decode_p2 {
		uint32_t msgid;
		chunk_t iv;
	} *p2;
	size_t np2;
};

/* A datagram seen before: a retransmission decrypts as it did then. */
struct decode_seen {
	chunk_t datagram;
	chunk_t plain;
	size_t frame;
};

struct decode_ctx {
	struct decode_sa *sa;
	size_t nsa;
	struct decode_seen *seen;
	size_t nseen;
	const struct decode_keys *keys;
};

static struct decode_sa *decode_sa_get(struct decode_ctx *ctx, const struct wire_msg *m,
				       const struct capture_dgram *d)
{
	for (size_t i = 0; i < ctx->nsa; i++)
		if (!memcmp(ctx->sa[i].icookie, m->hdr.icookie, 8))
			return &ctx->sa[i];
	ctx->sa = xrealloc(ctx->sa, (ctx->nsa + 1) * sizeof(*ctx->sa));
	struct decode_sa *sa = &ctx->sa[ctx->nsa++];
	memset(sa, 0, sizeof(*sa));
	memcpy(sa->icookie, m->hdr.icookie, 8);
	sa->initiator = d->src;
	return sa;
}

static bool decode_from_initiator(const struct decode_sa *sa, const struct capture_dgram *d)
{
	return d->src.family == sa->initiator.family && d->src.port == sa->initiator.port &&
	       !memcmp(d->src.ip, sa->initiator.ip, sizeof(d->src.ip));
}

static void decode_ctx_free(struct decode_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nsa; i++) {
		struct decode_sa *sa = &ctx->sa[i];
		chunk_free(&sa->gxi);
		chunk_free(&sa->gxr);
		chunk_free(&sa->p1_iv);
		for (size_t j = 0; j < sa->np2; j++)
			chunk_free(&sa->p2[j].iv);
		free(sa->p2);
	}
	free(ctx->sa);
	for (size_t i = 0; i < ctx->nseen; i++) {
		chunk_free(&ctx->seen[i].datagram);
		chunk_free(&ctx->seen[i].plain);
	}
	free(ctx->seen);
}

/* Learn the transform from the responder's SA and the public values from
 * the KE payloads of phase 1 (cleartext messages only). */
static void decode_learn(struct decode_sa *sa, const struct wire_msg *m, bool from_initiator)
{
	if (m->hdr.msgid != 0)
		return;
	const struct wire_node *sap = wire_find(m, WIRE_PL_SA, 0);
	if (sap && !from_initiator && sap->nkids && sap->kids[0]->nkids) {
		const struct wire_node *t = sap->kids[0]->kids[0];
		uint32_t v;
		const struct wire_attr *a;
		sa->encr = (a = wire_attr_find(t, 1)) && wire_attr_value(a, &v) ? v : 0;
		sa->hash = (a = wire_attr_find(t, 2)) && wire_attr_value(a, &v) ? v : 0;
		sa->key_bits = (a = wire_attr_find(t, 14)) && wire_attr_value(a, &v) ? v : 0;
		sa->have_transform = true;
	}
	const struct wire_node *ke = wire_find(m, WIRE_PL_KE, 0);
	if (ke) {
		chunk_t *dst = from_initiator ? &sa->gxi : &sa->gxr;
		chunk_free(dst);
		*dst = chunk_dup(ke->data.ptr, ke->data.len);
	}
}

static chunk_t *decode_p2_iv(struct decode_sa *sa, uint32_t msgid)
{
	for (size_t i = 0; i < sa->np2; i++)
		if (sa->p2[i].msgid == msgid)
			return &sa->p2[i].iv;
	sa->p2 = xrealloc(sa->p2, (sa->np2 + 1) * sizeof(*sa->p2));
	sa->p2[sa->np2] = (struct decode_p2){ .msgid = msgid };
	return &sa->p2[sa->np2++].iv;
}

/* Decrypt m's body with the SA's key and IV chain (RFC 2409 appendix B);
 * false with the reason in why when that cannot be done. */
static bool decode_decrypt(struct decode_ctx *ctx, struct decode_sa *sa,
			   const struct wire_msg *m, chunk_t *plain, char *why, size_t wlen)
{
	char ck[17];
	hex_encode(sa->icookie, 8, ck);
	const chunk_t *key = decode_key_find(ctx->keys, sa->icookie);
	if (!key) {
		decode_seterr(why, wlen, "no key for initiator cookie %s", ck);
		return false;
	}
	if (!sa->have_transform) {
		decode_seterr(why, wlen, "the responder's SA payload (with the cipher) was not seen");
		return false;
	}
	const struct cipher_info *ci = cipher_get((uint16_t)sa->encr);
	struct crypto_err cerr;
	size_t need;
	if (!ci || !cipher_key_bytes((uint16_t)sa->encr, (uint16_t)sa->key_bits, &need, &cerr)) {
		char nb[64];
		decode_seterr(why, wlen, "cipher %s is not supported%s%s",
			      names_fmt(NAMES_P1_ENCR, sa->encr, nb, sizeof(nb)), ci ? ": " : "",
			      ci ? cerr.msg : "");
		return false;
	}
	if (key->len != need) {
		decode_seterr(why, wlen, "the key for %s has %zu bytes, %s needs %zu", ck, key->len,
			      ci->name, need);
		return false;
	}
	size_t bs = ci->block;
	if (m->ciphertext.len == 0 || m->ciphertext.len % bs) {
		decode_seterr(why, wlen, "ciphertext of %zu bytes is not a whole number of %zu-byte blocks",
			      m->ciphertext.len, bs);
		return false;
	}
	/* Phase 1 chains from hash(g^xi | g^xr); every other message ID starts
	 * from hash(last phase-1 block | M-ID) and chains on its own. */
	chunk_t *chain;
	chunk_t iv = CHUNK_EMPTY;
	bool ok = true;
	if (m->hdr.msgid == 0) {
		chain = &sa->p1_iv;
		if (chain->len)
			iv = chunk_dup(chain->ptr, chain->len);
		else if (!sa->gxi.len || !sa->gxr.len)
			return decode_seterr(why, wlen, "both KE payloads of phase 1 are needed for the IV"),
			       false;
		else
			ok = keys_iv_phase1((uint16_t)sa->hash, sa->gxi, sa->gxr, bs, &iv, &cerr);
	} else {
		chain = decode_p2_iv(sa, m->hdr.msgid);
		if (chain->len)
			iv = chunk_dup(chain->ptr, chain->len);
		else if (!sa->p1_iv.len)
			return decode_seterr(why, wlen,
					     "phase 1 was not seen, so its last CBC block is unknown"),
			       false;
		else
			ok = keys_iv_msgid((uint16_t)sa->hash, sa->p1_iv, m->hdr.msgid, bs, &iv, &cerr);
	}
	/* cipher_decrypt leaves the last ciphertext block in iv: the chain's next IV. */
	if (ok)
		ok = cipher_decrypt((uint16_t)sa->encr, *key, iv, m->ciphertext, plain,
				    CIPHER_WEAK_ALLOW, &cerr);
	if (ok) {
		chunk_free(chain);
		*chain = iv;
	} else {
		decode_seterr(why, wlen, "%s", cerr.msg);
		chunk_free(&iv);
	}
	return ok;
}

/* --- printing ---------------------------------------------------------- */

static const struct decode_seen *decode_seen_find(const struct decode_ctx *ctx, chunk_t dgram)
{
	for (size_t i = 0; i < ctx->nseen; i++)
		if (chunk_eq(ctx->seen[i].datagram, dgram))
			return &ctx->seen[i];
	return NULL;
}

static void decode_seen_add(struct decode_ctx *ctx, chunk_t dgram, chunk_t plain, size_t frame)
{
	ctx->seen = xrealloc(ctx->seen, (ctx->nseen + 1) * sizeof(*ctx->seen));
	ctx->seen[ctx->nseen++] = (struct decode_seen){
		.datagram = chunk_dup(dgram.ptr, dgram.len),
		.plain = chunk_dup(plain.ptr, plain.len),
		.frame = frame,
	};
}

static void decode_report_err(FILE *out, const char *name, size_t frame, const struct wire_err *e,
			      char *err, size_t errlen, struct decode_stats *st)
{
	char nb[64];
	names_fmt(NAMES_NOTIFY, e->notify, nb, sizeof(nb));
	fprintf(out, "  Malformed: %s\n  At offset %zu: %s field '%s'\n"
		     "  A responder would answer %s\n",
		e->msg, e->offset, e->payload, e->field, nb);
	if (!st->malformed)
		decode_seterr(err, errlen, "%s: frame %zu: offset %zu: %s (%s)", name, frame,
			      e->offset, e->msg, nb);
	st->malformed++;
}

static void decode_one(FILE *out, const char *name, struct decode_ctx *ctx,
		       const struct capture_dgram *d, const struct timeval *t0,
		       unsigned flags, struct decode_stats *st, char *err, size_t errlen)
{
	char s[64], t[64];
	double rel = (double)(d->ts.tv_sec - t0->tv_sec) + (double)(d->ts.tv_usec - t0->tv_usec) / 1e6;
	fprintf(out, "Frame %zu  %.6f  %s -> %s  %zu bytes%s\n", d->frame, rel,
		capture_addr_str(&d->src, s, sizeof(s)), capture_addr_str(&d->dst, t, sizeof(t)),
		d->data.len, d->non_esp_marker ? "  (UDP 4500, non-ESP marker)" : "");
	st->messages++;

	struct wire_msg *m = NULL;
	struct wire_err e;
	if (!wire_parse(d->data.ptr, d->data.len, &m, &e)) {
		if (m)
			wire_print(out, m, flags);
		decode_report_err(out, name, d->frame, &e, err, errlen, st);
		wire_msg_free(m);
		fputc('\n', out);
		return;
	}
	struct decode_sa *sa = decode_sa_get(ctx, m, d);
	bool from_i = decode_from_initiator(sa, d);
	if (!m->encrypted) {
		decode_learn(sa, m, from_i);
		wire_print(out, m, flags);
	} else {
		const struct decode_seen *seen = decode_seen_find(ctx, d->data);
		chunk_t plain = CHUNK_EMPTY;
		char why[256] = "";
		bool have = false;
		if (seen && seen->plain.len) {
			fprintf(out, "  Retransmission of frame %zu\n", seen->frame);
			plain = chunk_dup(seen->plain.ptr, seen->plain.len);
			have = true;
		} else if (!seen) {
			have = decode_decrypt(ctx, sa, m, &plain, why, sizeof(why));
			decode_seen_add(ctx, d->data, plain, d->frame);
		}
		if (!have) {
			wire_print(out, m, flags);
			fprintf(out, "  Not decrypted: %s\n", why[0] ? why : "as before");
			st->undecrypted++;
		} else if (!wire_parse_plain(m, plain.ptr, plain.len, &e)) {
			wire_print(out, m, flags);
			decode_report_err(out, name, d->frame, &e, err, errlen, st);
		} else {
			fprintf(out, "  Decrypted (%zu bytes of plaintext)\n", plain.len);
			wire_print(out, m, flags);
			st->decrypted++;
		}
		chunk_clear(&plain);
	}
	struct wire_err v;
	if (!wire_validate(m, 0, &v)) {
		char nb[64];
		fprintf(out, "  Note: a responder would reject this with %s: %s\n",
			names_fmt(NAMES_NOTIFY, v.notify, nb, sizeof(nb)), v.msg);
	}
	wire_msg_free(m);
	fputc('\n', out);
}

void decode_capture(FILE *out, const char *name, const struct capture *cap,
		    const struct decode_keys *keys, unsigned print_flags,
		    struct decode_stats *st, char *err, size_t errlen)
{
	struct decode_ctx ctx = { .keys = keys };
	for (size_t i = 0; i < cap->count; i++)
		decode_one(out, name, &ctx, &cap->dgrams[i], &cap->dgrams[0].ts, print_flags, st,
			   err, errlen);
	decode_ctx_free(&ctx);
}

/* --- the command ------------------------------------------------------- */

static void decode_usage(FILE *f)
{
	fprintf(f, "usage: ike-conform decode [--keys TABLE] [--full-hex] FILE...\n"
		   "  FILE    a pcap (Ethernet, Linux cooked, raw IP, loopback) or one raw\n"
		   "          ISAKMP datagram\n"
		   "  --keys  Wireshark ikev1_decryption_table: initiator_cookie,encryption_key\n"
		   "  --full-hex  print data fields whole\n"
		   "Exit status: 0 all decoded, 1 a message is malformed, 2 usage or file error.\n");
}

int cli_decode(int argc, char **argv)
{
	const char *keyfile = NULL;
	unsigned flags = 0;
	int first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "--keys") && first + 1 < argc) {
			keyfile = argv[++first];
		} else if (!strcmp(argv[first], "--full-hex")) {
			flags |= WIRE_P_FULL_HEX;
		} else if (!strcmp(argv[first], "--help") || !strcmp(argv[first], "-h")) {
			decode_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ike-conform decode: unknown option '%s'\n", argv[first]);
			decode_usage(stderr);
			return 2;
		}
	}
	if (first >= argc) {
		decode_usage(stderr);
		return 2;
	}
	char err[512];
	struct decode_keys keys = { 0 };
	if (keyfile && !decode_keys_load(keyfile, &keys, err, sizeof(err))) {
		fprintf(stderr, "ike-conform decode: %s\n", err);
		return 2;
	}
	int rc = 0;
	for (int i = first; i < argc; i++) {
		struct capture cap;
		if (!capture_read_any(argv[i], &cap, err, sizeof(err))) {
			fprintf(stderr, "ike-conform decode: %s\n", err);
			rc = 2;
			continue;
		}
		struct decode_stats st = { 0 };
		char first_err[512] = "";
		printf("# %s: %zu ISAKMP messages in %zu frames (%zu ESP, %zu NAT-T keepalives, %zu other)\n\n",
		       argv[i], cap.count, cap.frames, cap.esp, cap.keepalives, cap.other);
		decode_capture(stdout, argv[i], &cap, &keys, flags, &st, first_err, sizeof(first_err));
		printf("# %s: %zu messages, %zu decrypted, %zu not decrypted, %zu malformed\n", argv[i],
		       st.messages, st.decrypted, st.undecrypted, st.malformed);
		if (st.malformed) {
			fprintf(stderr, "ike-conform decode: %s\n", first_err);
			if (rc == 0)
				rc = 1;
		}
		capture_free(&cap);
	}
	decode_keys_free(&keys);
	return rc;
}
