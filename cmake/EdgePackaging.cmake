# Install rules and the Debian package (docs/firmware.md, "Packages and units").
#
# One way to a .deb: CPack's DEB generator (not a hand-made dpkg-deb tree), so the install rules
# below are the one list of what ships, and dpkg-shlibdeps (CPACK_DEBIAN_PACKAGE_SHLIBDEPS) computes
# the library dependencies from the binaries. Build it with
#   cmake --build BUILD --target edged edgectl mgmtd mgmtctl fwtool && (cd BUILD && cpack -G DEB)
# `cmake --install` and cpack do not build every target first (tests are not part of the package).
#
# Layout (the units and the configs name these paths):
#   /usr/sbin/edged, /usr/sbin/edge-snmp-poll (edged runs it from its own folder), /usr/sbin/mgmtd; /usr/bin/edgectl, /usr/bin/mgmtctl, /usr/bin/fwtool
#   /usr/lib/systemd/system/{edged,mgmtd}.service; /usr/share/edged/systemd/{gateway,capture}.conf
#   /usr/lib/sysusers.d/edge.conf, /usr/lib/tmpfiles.d/edge.conf
#   /etc/edged/edged.json, /etc/mgmtd/mgmtd.json (conffiles)
#   /usr/share/snmp/mibs/EDGED-MIB.txt; /usr/share/doc/edged/*.md
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

install(TARGETS edged edge-snmp-poll mgmtd RUNTIME DESTINATION sbin)
install(TARGETS edgectl mgmtctl fwtool RUNTIME DESTINATION bin)
install(FILES image/systemd/edged.service image/systemd/mgmtd.service DESTINATION lib/systemd/system)
install(FILES image/systemd/edged-gateway.conf DESTINATION share/edged/systemd RENAME gateway.conf)
install(FILES image/systemd/edged-capture.conf DESTINATION share/edged/systemd RENAME capture.conf)
install(FILES image/sysusers.d/edge.conf DESTINATION lib/sysusers.d)
install(FILES image/tmpfiles.d/edge.conf DESTINATION lib/tmpfiles.d)
install(FILES image/config/edged.json DESTINATION /etc/edged)
install(FILES image/config/mgmtd.json DESTINATION /etc/mgmtd)
install(FILES docs/mib/EDGED-MIB.txt DESTINATION share/snmp/mibs)
install(FILES docs/operator-guide.md docs/management-plane.md docs/gateway.md docs/firmware.md
        DESTINATION share/doc/edged)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME edge-platform)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Edge platform maintainers <edge@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "ISP edge appliance (edged) and management plane (mgmtd)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Besides what dpkg-shlibdeps finds: libfreeradius3 (its libraries live in /usr/lib/freeradius, off the
# linker's path, and the package has no shlibs file, so dpkg-shlibdeps skips them silently), the
# FreeRADIUS dictionaries edged reads, systemd for sysusers/tmpfiles in postinst, procps for the gateway
# drop-in's sysctl.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libfreeradius3 (>= 3.2.1), freeradius-common, systemd, procps")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dnsmasq-base, nftables, snmpd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/image/package/postinst ${PROJECT_SOURCE_DIR}/image/package/prerm
    ${PROJECT_SOURCE_DIR}/image/package/postrm ${PROJECT_SOURCE_DIR}/image/package/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
