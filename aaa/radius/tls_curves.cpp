#include "aaa/radius/tls_curves.h"

#include <algorithm>
#include <array>

namespace aaa::radius {

const mbedtls_ecp_group_id* preferredCurves() {
  static const std::array<mbedtls_ecp_group_id, 32> list = [] {  // no heap: built once, kept for good
    std::array<mbedtls_ecp_group_id, 32> v{};
    v.fill(MBEDTLS_ECP_DP_NONE);
    size_t n = 0;
    for (mbedtls_ecp_group_id g : {MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1})
      if (mbedtls_ecp_curve_info_from_grp_id(g) != nullptr) v[n++] = g;
    for (const mbedtls_ecp_group_id* g = mbedtls_ecp_grp_id_list(); *g != MBEDTLS_ECP_DP_NONE && n + 1 < v.size(); ++g)
      if (std::find(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), *g) == v.begin() + static_cast<std::ptrdiff_t>(n))
        v[n++] = *g;
    return v;
  }();
  return list.data();
}

}  // namespace aaa::radius
