/* libFuzzer target: the engine as a responder (harness/ike), fed raw
 * datagrams over the in-memory transport on virtual time.
 *
 * Input (fuzz/fuzz.h): a mode byte, then records of one datagram each.
 * Mode 0 and 3 start a fresh responder (Main, Aggressive Mode); mode 1
 * first lets a genuine initiator take Main Mode to message 4, so the
 * responder holds phase-1 keys and waits for mm5; mode 2 after a whole
 * Main Mode and Quick Mode, the responder serving (Quick Mode, DPD,
 * Delete); modes 4 and 5 the same two for the long-lived responder
 * (ike/server.h: SAs by cookies, responder cookies, expiry), fresh and
 * after a whole exchange, the newest SA's keys used for encryption; modes
 * 6 and 7 as 0 and 1 with RSA signatures, so that CR, CERT (OpenSSL's DER
 * parser) and SIG are reached. Records can take the SA's cookies and be
 * encrypted (and their
 * HASH(1) computed) with the responder's own keys and IV chain, so the
 * fuzzer reaches what follows decryption and the hash check. */
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "crypto/cipher.h"
#include "crypto/keys.h"
#include "fuzz/fuzz.h"
#include "ike/sa.h"
#include "ike/server.h"

static struct ike_server *srv;   /* modes 4 and 5, else NULL */

/* The responder's engine whose keys records use: the engine, or the
 * server's newest SA. */
static struct ike_engine *fuzz_engine_resp(struct fuzz_world *w)
{
	if (!srv)
		return w->er;
	size_t n = ike_server_count(srv);
	return n ? ike_server_engine(srv, n - 1) : NULL;
}

static void fuzz_engine_srv_log(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static bool debug;
static void fuzz_engine_show(struct fuzz_world *w);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);
	debug = getenv("FUZZ_ENGINE_DEBUG") != NULL;
	return 0;
}

/* FUZZ_ENGINE_DEBUG=1: what the responder made of each datagram. */

static void fuzz_engine_show(struct fuzz_world *w)
{
	if (srv) {
		const struct ike_server_stats *st = ike_server_stats(srv);
		fprintf(stderr, "  server: %zu created, %zu established, %zu failed, %zu deleted, "
			"%zu ignored, %zu children\n", st->created, st->established, st->failed,
			st->deleted, st->ignored, st->children);
	}
	if (!fuzz_engine_resp(w))
		return;
	const struct ike_result *res = ike_engine_result(fuzz_engine_resp(w));
	for (size_t i = 0; i < res->nevent; i++) {
		const struct ike_event *ev = &res->event[i];
		fprintf(stderr, "  %s %s %zu bytes %s\n", ev->sent ? "sent" : "recv",
			ike_kind_name(ev->kind), ev->length, ev->note);
	}
	fprintf(stderr, "  state %s, %zu children, error: %s\n", ike_sa_state_name(res->state),
		res->nchild, res->error);
}

/* The responder's IV for msgid, without touching its state. */
static bool fuzz_engine_iv_for(const struct ike_sa *sa, uint32_t msgid, chunk_t *iv)
{
	if (msgid == 0) {
		*iv = chunk_dup(sa->p1_iv.ptr, sa->p1_iv.len);
		return sa->p1_iv.len > 0;
	}
	for (size_t i = 0; i < sa->nivs; i++)
		if (sa->ivs[i].msgid == msgid) {
			*iv = chunk_dup(sa->ivs[i].iv.ptr, sa->ivs[i].iv.len);
			return true;
		}
	if (!sa->p1_iv.len)
		return false;
	struct crypto_err ce;
	return keys_iv_msgid(sa->xf.hash, sa->p1_iv, msgid, sa->block, iv, &ce);
}

/* mm5's HASH_I over its own ID payload, as the genuine initiator would. */
static void fuzz_engine_hash_i(const struct ike_sa *sa, uint8_t type, chunk_t plain)
{
	chunk_t idii = CHUNK_EMPTY;
	size_t hpos = 0, hlen = 0;
	for (size_t pos = 0; type && pos + WIRE_GEN_LEN <= plain.len;) {
		size_t l = (size_t)plain.ptr[pos + 2] << 8 | plain.ptr[pos + 3];
		if (l < WIRE_GEN_LEN || l > plain.len - pos)
			break;
		if (type == WIRE_PL_ID)
			idii = CHUNK_FROM(plain.ptr + pos + WIRE_GEN_LEN, l - WIRE_GEN_LEN);
		else if (type == WIRE_PL_HASH) {
			hpos = pos + WIRE_GEN_LEN;
			hlen = l - WIRE_GEN_LEN;
		}
		type = plain.ptr[pos];
		pos += l;
	}
	chunk_t h = CHUNK_EMPTY;
	struct crypto_err ce;
	if (!hlen || !keys_hash_i(sa->xf.hash, sa->skeyid, sa->gxi, sa->gxr,
				  CHUNK_FROM(sa->icookie, 8), CHUNK_FROM(sa->rcookie, 8),
				  sa->sai_b, idii, &h, &ce))
		return;
	memcpy(plain.ptr + hpos, h.ptr, h.len < hlen ? h.len : hlen);
	chunk_free(&h);
}

/* The record as the datagram to deliver (caller frees). */
static chunk_t fuzz_engine_datagram(struct fuzz_world *w, uint8_t flags, const uint8_t *p,
				    size_t len)
{
	chunk_t d = chunk_dup(p, len);
	struct ike_sa *sa = fuzz_engine_resp(w) ? ike_engine_sa(fuzz_engine_resp(w)) : NULL;
	if (!(flags & FUZZ_REC_COOKIES) && sa && d.len >= 16) {
		memcpy(d.ptr, sa->icookie, 8);
		memcpy(d.ptr + 8, sa->rcookie, 8);
	}
	if (!(flags & FUZZ_REC_ENCRYPT) || !sa || !sa->enc_key.len || d.len < WIRE_HDR_LEN)
		return d;
	uint32_t msgid = (uint32_t)d.ptr[20] << 24 | (uint32_t)d.ptr[21] << 16 |
			 (uint32_t)d.ptr[22] << 8 | d.ptr[23];
	chunk_t plain = CHUNK_FROM(d.ptr + WIRE_HDR_LEN, d.len - WIRE_HDR_LEN);
	struct crypto_err ce;
	if ((flags & FUZZ_REC_HASH) && plain.len >= WIRE_GEN_LEN) {
		size_t hl = (size_t)plain.ptr[2] << 8 | plain.ptr[3];
		if (hl >= WIRE_GEN_LEN && hl <= plain.len) {
			chunk_t h = CHUNK_EMPTY;
			chunk_t rest = CHUNK_FROM(plain.ptr + hl, plain.len - hl);
			if (keys_qm_hash1(sa->xf.hash, sa->skeyid_a, msgid, rest, &h, &ce)) {
				size_t n = h.len < hl - WIRE_GEN_LEN ? h.len : hl - WIRE_GEN_LEN;
				memcpy(plain.ptr + WIRE_GEN_LEN, h.ptr, n);
				chunk_free(&h);
			}
		}
	}
	if ((flags & FUZZ_REC_HASH_I) && sa->skeyid.len)
		fuzz_engine_hash_i(sa, d.ptr[16], plain);
	struct ike_qm *qm = ike_sa_qm_find(sa, msgid);
	if ((flags & FUZZ_REC_HASH3) && qm && plain.len >= WIRE_GEN_LEN) {
		size_t hl = (size_t)plain.ptr[2] << 8 | plain.ptr[3];
		chunk_t h = CHUNK_EMPTY;
		if (hl >= WIRE_GEN_LEN && hl <= plain.len &&
		    keys_qm_hash3(sa->xf.hash, sa->skeyid_a, msgid, qm->ni, qm->nr, &h, &ce)) {
			size_t n = h.len < hl - WIRE_GEN_LEN ? h.len : hl - WIRE_GEN_LEN;
			memcpy(plain.ptr + WIRE_GEN_LEN, h.ptr, n);
			chunk_free(&h);
		}
	}
	chunk_t iv = CHUNK_EMPTY, ct = CHUNK_EMPTY;
	if (!fuzz_engine_iv_for(sa, msgid, &iv) ||
	    !cipher_encrypt_msg(sa->xf.encr, sa->enc_key, iv, plain, CIPHER_PAD_ZERO, &ct, &ce)) {
		chunk_free(&iv);
		return d;
	}
	chunk_free(&iv);
	struct writer wr;
	writer_init(&wr);
	writer_bytes(&wr, d.ptr, WIRE_HDR_LEN);
	writer_bytes(&wr, ct.ptr, ct.len);
	chunk_free(&ct);
	chunk_free(&d);
	wr.p[19] |= WIRE_F_ENC;
	writer_put_u32_at(&wr, 24, (uint32_t)wr.len);
	return writer_take(&wr);
}

/* The world of a mode: signatures for 6 and 7 (then run as 0 and 1),
 * the genuine initiator of modes 1, 2 and 5, the responder or the server.
 * The mode it runs as. */
static uint8_t fuzz_engine_setup(struct fuzz_world *w, uint8_t mode)
{
	fuzz_world_init(w, mode == 3 ? WIRE_X_AGGR : WIRE_X_MAIN);
	if (mode >= 6) {
		/* the PKI once per process: its RSA keys take a while */
		static struct pki_testpki *pki;
		struct pki_err pe;
		if (!pki && !(pki = fuzz_pki(&pe)))
			abort();
		fuzz_world_sig(w, pki);
		mode = mode == 6 ? 0 : 1;
	}
	if (mode == 1) {
		static const struct ike_step to_mm4[] = {
			{ .op = IKE_STEP_SEND, .kind = IKE_K_MM1 },
			{ .op = IKE_STEP_EXPECT, .kind = IKE_K_MM2 },
			{ .op = IKE_STEP_SEND, .kind = IKE_K_MM3 },
			{ .op = IKE_STEP_EXPECT, .kind = IKE_K_MM4 },
		};
		w->ei = ike_engine_new(&w->ci, w->ti, &w->ar, to_mm4, 4, "init");
	} else if (mode == 2 || mode == 5) {
		w->ei = ike_engine_new(&w->ci, w->ti, &w->ar, NULL, 0, "init");
	}
	srv = NULL;
	if (mode >= 4)
		srv = ike_server_new(&w->cr, w->tr, fuzz_engine_srv_log, NULL);
	else
		w->er = ike_engine_new(&w->cr, w->tr, NULL, NULL, 0, "resp");
	return mode;
}

/* The genuine initiator's part before the records: to mm4 (mode 1), a
 * whole exchange (2, 5), the responder then serving (2). */
static void fuzz_engine_prelude(struct fuzz_world *w, uint8_t mode)
{
	if (srv && w->ei) {
		w->now = ike_run_server(&w->ei, 1, srv, w->hub, 0, 60000);
		fuzz_world_drain(w);
	} else if (w->ei) {
		struct ike_engine *e[2] = { w->ei, w->er };
		/* mode 1 stops once mm4 is in, before the responder's wait for
		   mm5 times out */
		w->now = ike_run(e, 2, w->hub, 0, mode == 1 ? 1000 : 60000);
		fuzz_world_drain(w);
	}
	if (mode == 2)
		ike_engine_set_serve(w->er, true);
}

/* One record delivered to the responder (or the server) as a datagram
 * from the initiator's address, then the clock moved on and the timers
 * run. */
static void fuzz_engine_deliver(struct fuzz_world *w, uint8_t flags, const uint8_t *p,
				size_t len)
{
	struct transport_pkt pkt;
	memset(&pkt, 0, sizeof(pkt));
	pkt.src = w->ai;
	pkt.dst = w->ar;
	if (flags & FUZZ_REC_NATT) {
		pkt.src.port = 4500;
		pkt.dst.port = 4500;
		pkt.natt = true;
	}
	pkt.kind = TRANSPORT_PKT_IKE;
	pkt.data = fuzz_engine_datagram(w, flags, p, len);
	transport_hub_set_time(w->hub, w->now);
	if (srv)
		ike_server_input(srv, &pkt, w->now);
	else
		ike_engine_input(w->er, &pkt, w->now);
	transport_pkt_free(&pkt);
	w->now += (flags & FUZZ_REC_TICK) ? 5000 : 10;
	if (srv)
		ike_server_tick(srv, w->now);
	else
		ike_engine_tick(w->er, w->now);
	fuzz_world_drain(w);
}

/* The timers to their end: retransmissions, timeouts, expiry. */
static void fuzz_engine_timers(struct fuzz_world *w)
{
	for (int i = 0; i < 8; i++) {
		uint64_t next = srv ? ike_server_tick(srv, w->now) : ike_engine_tick(w->er, w->now);
		if (next == IKE_NEVER)
			break;
		w->now = next > w->now ? next : w->now + 1000;
		fuzz_world_drain(w);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct fuzz_world w;
	uint8_t mode = fuzz_engine_setup(&w, data[0] % 8);
	fuzz_engine_prelude(&w, mode);
	struct fuzz_reader r = { data + 1, size - 1 };
	uint8_t flags;
	const uint8_t *p;
	size_t len;
	while (fuzz_next_record(&r, &flags, &p, &len))
		fuzz_engine_deliver(&w, flags, p, len);
	if (debug)
		fuzz_engine_show(&w);
	fuzz_engine_timers(&w);
	ike_server_free(srv);
	srv = NULL;
	fuzz_world_free(&w);
	return 0;
}
