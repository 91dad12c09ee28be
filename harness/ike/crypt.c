/* Encryption and decryption of ISAKMP bodies: the one place where the IV
 * chains (phase 1 and one per message ID) are read and moved. */
#include "ike/ike.h"

#include <string.h>

#include "crypto/cipher.h"
#include "ike/internal.h"
#include "wire/names.h"

chunk_t *ike_crypt_chain(struct ike_sa *sa, uint32_t msgid, struct ike_status *st)
{
	if (!sa->enc_key.len)
		return ike_fail(st, WIRE_N_INVALID_FLAGS, "header", "flags",
				"encrypted message but no keys yet"), NULL;
	if (msgid == 0)
		return &sa->p1_iv;
	char err[256];
	chunk_t *iv = ike_sa_iv(sa, msgid, err, sizeof(err));
	if (!iv)
		ike_fail(st, WIRE_N_INVALID_MESSAGE_ID, "header", "msgid", "%s", err);
	return iv;
}

bool ike_crypt_encrypt(struct ike_sa *sa, chunk_t *iv, chunk_t plain, chunk_t *ct,
		       struct ike_status *st)
{
	struct crypto_err ce;
	/* Zero padding (App. B), what strongSwan and libreswan send. */
	if (!cipher_encrypt_msg(sa->xf.encr, sa->enc_key, *iv, plain, CIPHER_PAD_ZERO, ct, &ce))
		return ike_crypto_fail(st, 0, "encryption", ce.msg);
	return true;
}

/* Whether a plaintext that does not parse is what a wrong key or IV, or a
 * ciphertext missing its last block, decrypts to (no message at all: it is
 * dropped unanswered, RFC 2409 Appendix B) rather than a message with a
 * broken payload (answered, RFC 2408 5.2). CBC without a MAC cannot tell
 * them apart for sure; these are the traces each leaves:
 * - a random first block: the first payload's RESERVED byte non-zero, or
 *   its next payload unknown while its length runs past the plaintext
 *   (two fields broken at once);
 * - a block missing at the end: the payload chain ends less than one block
 *   past the plaintext. */
static bool ike_plain_garbage(const chunk_t *plain, size_t block, uint8_t first)
{
	const uint8_t *p = plain->ptr;
	size_t len = plain->len;
	if (len < 4)
		return true;
	size_t l0 = (size_t)p[2] << 8 | p[3];
	if (p[1] != 0 || (l0 > len && p[0] && !names_get(NAMES_PAYLOAD, p[0])))
		return true;
	size_t off = 0;
	for (uint8_t next = first; next != 0;) {
		if (off + 4 > len)
			return off + 4 - len < block;
		size_t pl = (size_t)p[off + 2] << 8 | p[off + 3];
		if (pl < 4)
			return false;
		if (off + pl > len)
			return off + pl - len <= block;
		next = p[off];
		off += pl;
	}
	return false;
}

bool ike_crypt_decrypt(struct ike_sa *sa, chunk_t *iv, struct wire_msg *m, chunk_t *plain,
		       struct ike_status *st)
{
	struct crypto_err ce;
	chunk_t tmp = chunk_dup(iv->ptr, iv->len);
	*plain = CHUNK_EMPTY;
	if (m->ciphertext.len == 0 || m->ciphertext.len % sa->block) {
		chunk_free(&tmp);
		/* no notify (0): not even a ciphertext of ours, nothing in it is
		   authenticated, and the sender may not be the peer (RFC 2409
		   Appendix B pads to whole blocks) */
		return ike_fail(st, 0, "header", "length",
				"encrypted body of %zu bytes is not a whole number of %zu-byte blocks",
				m->ciphertext.len, sa->block);
	}
	if (!cipher_decrypt(sa->xf.encr, sa->enc_key, tmp, m->ciphertext, plain,
			    CIPHER_WEAK_ALLOW, &ce)) {
		chunk_free(&tmp);
		return ike_crypto_fail(st, WIRE_N_PAYLOAD_MALFORMED, "decryption", ce.msg);
	}
	struct wire_err we;
	if (!wire_parse_plain(m, plain->ptr, plain->len, &we)) {
		chunk_free(&tmp);
		if (ike_plain_garbage(plain, sa->block, (uint8_t)m->hdr.next_payload))
			/* no notify: nothing in it is a message, nothing authenticates
			   an answer, and the IV chain stays where it was */
			return ike_fail(st, 0, we.payload, we.field,
					"decrypts to no message (wrong key or IV, or a block "
					"missing): %s", we.msg);
		return ike_fail(st, we.notify, we.payload, we.field,
				"after decryption: %s", we.msg);
	}
	memcpy(iv->ptr, tmp.ptr, iv->len);
	chunk_free(&tmp);
	return true;
}
