/* Encryption and decryption of ISAKMP bodies: the one place where the IV
 * chains (phase 1 and one per message ID) are read and moved. */
#include "ike/ike.h"

#include <string.h>

#include "crypto/cipher.h"
#include "ike/internal.h"

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
		return ike_fail(st, we.notify, we.payload, we.field,
				"after decryption (wrong key or IV?): %s", we.msg);
	}
	memcpy(iv->ptr, tmp.ptr, iv->len);
	chunk_free(&tmp);
	return true;
}
