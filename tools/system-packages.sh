#!/usr/bin/env bash
# Install the system packages the tests need when they are missing: Chromium and its driver (the browser test)
# and bubblewrap (the grader's sandbox). As root on Debian or Ubuntu through apt-get; elsewhere, one line that
# says what to install.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "make: the tests need ${missing[*]}: install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}), then run make again" >&2
    exit 1
fi
