/* fr_shim_dynauth.c: RFC 5176 replies (CoA/Disconnect ACK and NAK), signed as the RFC says. */
#include "aaa/radius/fr_shim_internal.h"

#include <string.h>

int shim_is_dynauth_reply(unsigned code) {
  return code == PW_CODE_DISCONNECT_ACK || code == PW_CODE_DISCONNECT_NAK ||
         code == PW_CODE_COA_ACK || code == PW_CODE_COA_NAK;
}

/* RFC 5176 section 3.4: the Message-Authenticator of a CoA/Disconnect ACK or NAK is computed with
 * the Request Authenticator of the CoA/Disconnect-Request in the Authenticator field, then the
 * Response Authenticator over the result. 3.2.1's rad_sign() uses 16 zero octets instead (while its
 * own rad_verify() expects the request's authenticator, so it cannot even check its own output).
 * Redo both steps when the packet carries a Message-Authenticator. */
int shim_resign_dynauth_reply(TALLOC_CTX* ctx, uint8_t* data, size_t len, const char* secret,
                                const uint8_t* request_vector, char* err, size_t errlen) {
  size_t pos = FRS_HEADER_LEN;
  size_t ma = 0;
  size_t secret_len = strlen(secret);
  uint8_t* buf;

  while (pos + 2 <= len && data[pos + 1] >= 2) {
    if (data[pos] == PW_MESSAGE_AUTHENTICATOR && data[pos + 1] == 2 + FRS_VECTOR_LEN) ma = pos;
    pos += data[pos + 1];
  }
  if (ma == 0) return FRS_OK; /* nothing to fix: the Response Authenticator from rad_sign() is right */

  memcpy(data + 4, request_vector, FRS_VECTOR_LEN);
  memset(data + ma + 2, 0, FRS_VECTOR_LEN);
  fr_hmac_md5(data + ma + 2, data, len, (const uint8_t*)secret, secret_len);

  /* Response Authenticator = MD5(Code+Identifier+Length+Request Authenticator+Attributes+Secret)
   * (RFC 5176 section 3, as RFC 2866 section 3 for Accounting-Response). */
  buf = talloc_array(ctx, uint8_t, len + secret_len);
  if (!buf) return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  memcpy(buf, data, len);
  memcpy(buf + len, secret, secret_len);
  fr_md5_calc(data + 4, buf, len + secret_len);
  return FRS_OK;
}
