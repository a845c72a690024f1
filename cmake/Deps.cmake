# SPDX-License-Identifier: ISC
# Finds the libraries gripd links, naming the Debian package when one is missing.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
	message(FATAL_ERROR "pkg-config not found: apt-get install -y pkg-config")
endif()

function(gripd_require var module debpkg)
	pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
	if(NOT ${var}_FOUND)
		message(FATAL_ERROR "${module} not found by pkg-config: apt-get install -y ${debpkg}")
	endif()
	message(STATUS "found ${module} ${${var}_VERSION}")
endfunction()

gripd_require(NL3 libnl-3.0 libnl-3-dev)
gripd_require(NLROUTE libnl-route-3.0 libnl-route-3-dev)
gripd_require(NLXFRM libnl-xfrm-3.0 libnl-xfrm-3-dev)
gripd_require(OPENSSL "openssl>=3.0" libssl-dev)
gripd_require(LIBCAP libcap libcap-dev)
find_package(Threads REQUIRED)
