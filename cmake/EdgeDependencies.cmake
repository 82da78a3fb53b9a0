# Every external dependency is found here, once. A missing one stops the configure step with the
# Debian package that provides it; scripts/setup installs them all.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

function(edge_require_pkg prefix module debian_package)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "${module} not found: install the Debian package '${debian_package}' (run ./scripts/setup)")
  endif()
endfunction()

edge_require_pkg(SQLITE3 sqlite3 libsqlite3-dev)
# mgmt's PostgreSQL backend (mgmt/store/postgres)
edge_require_pkg(LIBPQ libpq libpq-dev)
# The importers read FreeRADIUS/daloRADIUS databases on MariaDB/MySQL (import/sql_source.cpp)
edge_require_pkg(MARIADB libmariadb libmariadb-dev)
edge_require_pkg(TALLOC talloc libtalloc-dev)
edge_require_pkg(MHD libmicrohttpd libmicrohttpd-dev)
# libmicrohttpd's HTTPS is GnuTLS: its headers for reading client certificates (mgmt device API)
edge_require_pkg(GNUTLS gnutls libgnutls28-dev)
# Passwords of the technician UI's accounts: argon2id (edge/webui/password.cpp)
edge_require_pkg(ARGON2 libargon2 libargon2-dev)
# Their optional TOTP (RFC 6238) and its enrollment QR code (edge/webui/totp.cpp)
edge_require_pkg(OATH liboath liboath-dev)
edge_require_pkg(QRENCODE libqrencode libqrencode-dev)
# The support bundle's .tar.gz, made in memory (edge/webui/support_bundle.cpp)
edge_require_pkg(ZLIB zlib zlib1g-dev)
# mgmt's mail outbox sends over SMTP with libcurl (mgmt/mail/mail_sender.cpp)
edge_require_pkg(CURL libcurl libcurl4-openssl-dev)
# Invoice PDFs (mgmt/billing/invoice_pdf.cpp): cairo's PDF surface, pango's text layout on it
edge_require_pkg(PANGOCAIRO pangocairo libpango1.0-dev)
# The AgentX subagent (agent library; its pkg-config file also brings libnetsnmp)
edge_require_pkg(NETSNMP_AGENT netsnmp-agent libsnmp-dev)
# The hotspot gateway: nftables gating (libnftables) and HTB shaping (libnl-route)
edge_require_pkg(NFTABLES libnftables libnftables-dev)
edge_require_pkg(NLROUTE libnl-route-3.0 libnl-route-3-dev)

find_package(nlohmann_json 3 QUIET)
if(NOT nlohmann_json_FOUND)
  message(FATAL_ERROR "nlohmann_json not found: install the Debian package 'nlohmann-json3-dev' (run ./scripts/setup)")
endif()

# HTML templates of the web surfaces (core/web): kainjow mustache, one header, no pkg-config file.
find_path(KAINJOW_MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp)
if(NOT KAINJOW_MUSTACHE_INCLUDE_DIR)
  message(FATAL_ERROR "kainjow/mustache.hpp not found: install the Debian package 'libkainjow-mustache-dev' (run ./scripts/setup)")
endif()
add_library(kainjow::mustache INTERFACE IMPORTED)
set_target_properties(kainjow::mustache PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${KAINJOW_MUSTACHE_INCLUDE_DIR})

# FreeRADIUS: headers in /usr/include/freeradius, libraries in a private folder that is not on the
# loader path, so we link with an rpath to it (see aaa/radius/fr_shim.c for the header quirks).
find_path(FREERADIUS_INCLUDE_DIR freeradius/libradius.h)
find_library(FREERADIUS_RADIUS_LIBRARY freeradius-radius PATHS /usr/lib/freeradius NO_DEFAULT_PATH)
find_path(PCRE_INCLUDE_DIR pcre.h)
if(NOT FREERADIUS_INCLUDE_DIR OR NOT FREERADIUS_RADIUS_LIBRARY)
  message(FATAL_ERROR "libfreeradius-radius not found: install the Debian package 'libfreeradius-dev' (run ./scripts/setup)")
endif()
if(NOT PCRE_INCLUDE_DIR)
  message(FATAL_ERROR "pcre.h (needed by the FreeRADIUS headers) not found: install the Debian package 'libpcre3-dev' (run ./scripts/setup)")
endif()
get_filename_component(FREERADIUS_LIBRARY_DIR ${FREERADIUS_RADIUS_LIBRARY} DIRECTORY)
add_library(freeradius::radius SHARED IMPORTED)
set_target_properties(freeradius::radius PROPERTIES
  IMPORTED_LOCATION ${FREERADIUS_RADIUS_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES "${FREERADIUS_INCLUDE_DIR};${PCRE_INCLUDE_DIR}")
set(FREERADIUS_DICTIONARY_DIR /usr/share/freeradius CACHE PATH "FreeRADIUS dictionaries shipped by Debian")

# mbedTLS 2.28 ships neither pkg-config nor CMake files in Debian 12.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
find_library(MBEDTLS_LIBRARY mbedtls)
find_library(MBEDX509_LIBRARY mbedx509)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto)
if(NOT MBEDTLS_INCLUDE_DIR OR NOT MBEDTLS_LIBRARY OR NOT MBEDX509_LIBRARY OR NOT MBEDCRYPTO_LIBRARY)
  message(FATAL_ERROR "mbedTLS not found: install the Debian package 'libmbedtls-dev' (run ./scripts/setup)")
endif()
add_library(mbedtls::crypto UNKNOWN IMPORTED)
set_target_properties(mbedtls::crypto PROPERTIES IMPORTED_LOCATION ${MBEDCRYPTO_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${MBEDTLS_INCLUDE_DIR})
add_library(mbedtls::x509 UNKNOWN IMPORTED)
set_target_properties(mbedtls::x509 PROPERTIES IMPORTED_LOCATION ${MBEDX509_LIBRARY}
  INTERFACE_LINK_LIBRARIES mbedtls::crypto)
add_library(mbedtls::tls UNKNOWN IMPORTED)
set_target_properties(mbedtls::tls PROPERTIES IMPORTED_LOCATION ${MBEDTLS_LIBRARY}
  INTERFACE_LINK_LIBRARIES mbedtls::x509)

if(EDGE_BUILD_TESTS)
  # Debian 12's CppUTestConfig.cmake is broken (it checks for /usr/lib/include, which does not
  # exist), so CppUTest comes through its pkg-config file instead.
  edge_require_pkg(CPPUTEST cpputest cpputest)
  find_package(Python3 COMPONENTS Interpreter QUIET)
  if(NOT Python3_FOUND)
    message(FATAL_ERROR "python3 not found: install the Debian package 'python3' (run ./scripts/setup)")
  endif()
endif()
